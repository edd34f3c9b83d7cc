/**
 * The raw HTTP answers the relay writes to a socket itself: a header name or value with a line
 * break (or NUL) would split the response, so it is refused rather than written.
 */
import { describe, expect, it } from "vitest";
import { rawHttpResponse, securityHeaders } from "../src/httpSecurity.ts";

describe("rawHttpResponse", () => {
  const security = securityHeaders({ hsts: false });

  it("writes the status line, the security headers, its headers and the body", () => {
    const text = rawHttpResponse(503, security, "busy\n", { "Retry-After": "10" });
    expect(text.startsWith("HTTP/1.1 503 Service Unavailable\r\n")).toBe(true);
    expect(text).toContain("\r\nX-Frame-Options: DENY\r\n");
    expect(text).toContain("\r\nRetry-After: 10\r\n");
    expect(text.endsWith("\r\nContent-Length: 5\r\n\r\nbusy\n")).toBe(true);
  });

  it("refuses CR, LF or NUL in a header name or value", () => {
    const bad: Record<string, string>[] = [
      { "Retry-After": "10\r\nSet-Cookie: a=b" },
      { "Retry-After": "10\nX: y" },
      { "Retry-After": "10\r" },
      { "Retry-After": "1\u00000" },
      { "X-A\r\nSet-Cookie": "a=b" },
      { "X-A\n": "b" },
    ];
    for (const headers of bad) {
      expect(() => rawHttpResponse(400, security, "no\n", headers), JSON.stringify(headers)).toThrow(
        /line break/,
      );
      expect(() => rawHttpResponse(400, headers, "no\n"), JSON.stringify(headers)).toThrow(/line break/);
    }
  });
});
