/**
 * One HTTP exchange over a plain TCP socket (node:net), for answers the relay writes straight to
 * the socket (a refused or malformed WebSocket upgrade, a request Node cannot parse): the request
 * is sent byte for byte as given, and the answer is what the relay writes before it closes.
 */
import net from "node:net";
import { expect } from "vitest";

export interface RawAnswer {
  /** e.g. `HTTP/1.1 503 Service Unavailable` */
  statusLine: string;
  /** Header names in lower case. */
  headers: Record<string, string>;
  body: string;
}

/** The port of a `ws://host:port` URL. */
export function portOf(url: string): number {
  return Number(new URL(url).port);
}

export function rawExchange(port: number, request: string, localAddress?: string): Promise<RawAnswer> {
  return new Promise((resolve, reject) => {
    const socket = net.connect({ host: "127.0.0.1", port, ...(localAddress ? { localAddress } : {}) });
    const chunks: Buffer[] = [];
    socket.on("data", (d: Buffer) => chunks.push(d));
    socket.on("error", reject);
    socket.setTimeout(10_000, () => socket.destroy(new Error("the relay neither answered nor closed")));
    socket.on("close", () => {
      const text = Buffer.concat(chunks).toString("utf8");
      const end = text.indexOf("\r\n\r\n");
      if (end < 0) {
        reject(new Error(`no complete HTTP answer: ${JSON.stringify(text)}`));
        return;
      }
      const [statusLine = "", ...lines] = text.slice(0, end).split("\r\n");
      const headers: Record<string, string> = {};
      for (const line of lines) {
        const colon = line.indexOf(":");
        headers[line.slice(0, colon).trim().toLowerCase()] = line.slice(colon + 1).trim();
      }
      resolve({ statusLine, headers, body: text.slice(end + 4) });
    });
    socket.write(request);
  });
}

/** A WebSocket upgrade request as a client sends it; `headers` replace or add to the usual ones. */
export function upgradeRequest(headers: Record<string, string | undefined> = {}, method = "GET"): string {
  const all: Record<string, string | undefined> = {
    Host: "127.0.0.1",
    Connection: "Upgrade",
    Upgrade: "websocket",
    "Sec-WebSocket-Version": "13",
    "Sec-WebSocket-Key": "dGhlIHNhbXBsZSBub25jZQ==",
    ...headers,
  };
  let text = `${method} / HTTP/1.1\r\n`;
  for (const [name, value] of Object.entries(all)) if (value !== undefined) text += `${name}: ${value}\r\n`;
  return `${text}\r\n`;
}

/** The headers every relay answer carries (relay/src/httpSecurity.ts), here without HSTS (plain HTTP). */
export function expectSecurityHeaders(answer: RawAnswer, what: string): void {
  expect(answer.headers["content-security-policy"], what).toBe(
    "default-src 'none'; frame-ancestors 'none'; base-uri 'none'; form-action 'none'",
  );
  expect(answer.headers["x-content-type-options"], what).toBe("nosniff");
  expect(answer.headers["referrer-policy"], what).toBe("no-referrer");
  expect(answer.headers["x-frame-options"], what).toBe("DENY");
  expect(answer.headers["content-length"], what).toBe(String(Buffer.byteLength(answer.body)));
}
