/**
 * Writing the public pages' responses: headers every page carries (a Content-Security-Policy that
 * allows no script at all — or, on the pages that answer, only this node's own script — no
 * referrer, no sniffing), HEAD without a body, and reading a small form body with a size cap.
 *
 * Runs in: Node (`rally serve`).
 */
import type { IncomingMessage, ServerResponse } from "node:http";
import { html } from "./html.ts";
import { messagePage } from "./pages.ts";

/** No scripts at all; styles and forms only from this origin. */
export const PAGE_CSP = [
  "default-src 'none'",
  "style-src 'self'",
  "img-src 'self'",
  "form-action 'self'",
  "base-uri 'none'",
  "frame-ancestors 'none'",
].join("; ");

/**
 * The pages where people answer and read the hosts' reply (event, answer sent, private reply):
 * the same, plus scripts from this origin only — the one file `/answer.js` that seals answers in
 * the browser (never inline script) — and its reads of reply wraps from this origin.
 */
export const SCRIPT_PAGE_CSP = `${PAGE_CSP}; script-src 'self'; connect-src 'self'`;

/** Headers for `sendPage` on a page that carries `/answer.js`. */
export const SCRIPT_PAGE = { "Content-Security-Policy": SCRIPT_PAGE_CSP };

export const HTML = "text/html; charset=utf-8";
export const ICS = "text/calendar; charset=utf-8";
/** Pages people come back to (answers, replies) must not be kept by caches. */
export const NO_STORE = { "Cache-Control": "no-store" };

export function send(
  req: IncomingMessage,
  res: ServerResponse,
  status: number,
  type: string,
  body: string,
  headers: Record<string, string> = {},
): void {
  res.writeHead(status, {
    "X-Content-Type-Options": "nosniff",
    "Referrer-Policy": "no-referrer",
    "Content-Type": type,
    "Content-Length": String(Buffer.byteLength(body)),
    ...headers,
  });
  res.end(req.method === "HEAD" ? undefined : body);
}

export function sendPage(
  req: IncomingMessage,
  res: ServerResponse,
  status: number,
  body: string,
  headers: Record<string, string> = {},
): void {
  send(req, res, status, HTML, body, {
    "Content-Security-Policy": PAGE_CSP,
    "Cache-Control": "no-cache",
    ...headers,
  });
}

export function sendNotFound(req: IncomingMessage, res: ServerResponse, what: string): void {
  sendPage(
    req,
    res,
    404,
    messagePage("Not found", what, html`<p><a href="/events">See upcoming public events</a></p>`),
  );
}

/** The body as text, or undefined past `max` bytes (the rest is then drained unread). */
export function readBody(req: IncomingMessage, max: number): Promise<string | undefined> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let size = 0;
    let over = false;
    req.on("data", (chunk: Buffer) => {
      if (over) return;
      size += chunk.length;
      if (size > max) {
        over = true;
        resolve(undefined);
        return;
      }
      chunks.push(chunk);
    });
    req.on("end", () => {
      if (!over) resolve(Buffer.concat(chunks).toString("utf8"));
    });
    req.on("error", reject);
  });
}
