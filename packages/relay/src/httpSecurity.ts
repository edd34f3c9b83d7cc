/**
 * Headers every HTTP response of the relay's server carries, whoever writes the rest of it (the
 * relay's own NIP-11 document and 404s, or a page handler such as `rally serve`'s web app). Set
 * first with `setHeader`, so a handler that sends its own Content-Security-Policy in `writeHead`
 * keeps it (Node gives `writeHead`'s headers precedence).
 *
 * The default policy allows nothing to run or load: the relay's own answers are JSON and plain
 * text, and no page of another site may frame them.
 */
import { type ServerResponse, STATUS_CODES } from "node:http";

export const STRICT_CSP = "default-src 'none'; frame-ancestors 'none'; base-uri 'none'; form-action 'none'";

/** One year; without `includeSubDomains`, which would bind names this relay does not serve. */
export const HSTS = "max-age=31536000";

export interface SecurityHeaderOptions {
  /**
   * Send Strict-Transport-Security: the relay speaks TLS itself, or is reached at an `https://` /
   * `wss://` public URL through a proxy (browsers ignore the header over plain HTTP, so the proxy's
   * loopback leg does no harm).
   */
  hsts: boolean;
}

export function securityHeaders(options: SecurityHeaderOptions): Record<string, string> {
  return {
    "Content-Security-Policy": STRICT_CSP,
    "X-Content-Type-Options": "nosniff",
    "Referrer-Policy": "no-referrer",
    "X-Frame-Options": "DENY",
    ...(options.hsts ? { "Strict-Transport-Security": HSTS } : {}),
  };
}

/** Sets `headers` on a response before its handler writes it. */
export function applyHeaders(res: ServerResponse, headers: Readonly<Record<string, string>>): void {
  for (const [name, value] of Object.entries(headers)) res.setHeader(name, value);
}

/**
 * A whole HTTP/1.1 response as text, to write straight to a socket where Node gives no
 * `ServerResponse` (an upgrade refused before a WebSocket exists, a request too malformed to
 * parse): `security` (`securityHeaders`) first, then `headers`, and a plain-text `body`, after
 * which the connection closes. Throws when a header name or value holds CR, LF or NUL.
 */
export function rawHttpResponse(
  status: number,
  security: Readonly<Record<string, string>>,
  body: string,
  headers: Readonly<Record<string, string>> = {},
): string {
  const all: Record<string, string> = {
    ...security,
    "Content-Type": "text/plain; charset=utf-8",
    ...headers,
    Connection: "close",
    "Content-Length": String(Buffer.byteLength(body)),
  };
  let head = `HTTP/1.1 ${status} ${STATUS_CODES[status] ?? ""}\r\n`;
  for (const [name, value] of Object.entries(all)) {
    // A line break would end the header early and start one (or a body) of the text's choosing.
    if (/[\r\n\0]/.test(name) || /[\r\n\0]/.test(value))
      throw new Error(`an HTTP header holds a line break or NUL: ${JSON.stringify(name)}`);
    head += `${name}: ${value}\r\n`;
  }
  return `${head}\r\n${body}`;
}
