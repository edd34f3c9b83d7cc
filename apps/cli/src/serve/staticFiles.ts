/**
 * Serves the built web app from a directory, for `rally serve`, on the relay's own HTTP server.
 *
 * - Only files under the root are ever read: the path is decoded once, normalised, resolved and
 *   checked to stay inside the root (also through symlinks); encoded dots, backslashes and NULs
 *   cannot climb out.
 * - Screens live in the URL fragment, so any path that looks like a page (no file extension) gets
 *   `index.html`; a missing asset is a plain 404, not the page.
 * - Hashed assets are cached for a year; `index.html`, `sw.js` and the manifest are revalidated on
 *   every load so a new version reaches people at once. Text is sent gzipped when the browser
 *   accepts it.
 * - Every response carries a strict Content-Security-Policy: scripts only from this origin, no
 *   inline code — a second wall behind React's escaping of everything people write. Not only the
 *   page: a worker and the service worker (`sw.js`) run under the policy sent with their own
 *   script, so the scripts carry it too.
 */
import fs from "node:fs";
import type { IncomingMessage, ServerResponse } from "node:http";
import path from "node:path";
import zlib from "node:zlib";

export const MIME_TYPES: Readonly<Record<string, string>> = {
  ".html": "text/html; charset=utf-8",
  ".js": "text/javascript; charset=utf-8",
  ".mjs": "text/javascript; charset=utf-8",
  ".css": "text/css; charset=utf-8",
  ".json": "application/json; charset=utf-8",
  ".webmanifest": "application/manifest+json; charset=utf-8",
  ".svg": "image/svg+xml",
  ".png": "image/png",
  ".ico": "image/x-icon",
  ".webp": "image/webp",
  ".woff2": "font/woff2",
  ".wasm": "application/wasm",
  ".txt": "text/plain; charset=utf-8",
  ".map": "application/json; charset=utf-8",
};

const COMPRESSIBLE = new Set([
  ".html",
  ".js",
  ".mjs",
  ".css",
  ".json",
  ".webmanifest",
  ".svg",
  ".txt",
  ".map",
  ".wasm",
]);

export const CONTENT_SECURITY_POLICY = [
  "default-src 'self'",
  // WebAssembly may be compiled (the signature check, libsecp256k1), never JavaScript from text.
  "script-src 'self' 'wasm-unsafe-eval'",
  "worker-src 'self'",
  "style-src 'self'",
  "img-src 'self' data: blob:",
  "connect-src 'self' ws: wss:",
  "manifest-src 'self'",
  "object-src 'none'",
  "base-uri 'none'",
  "form-action 'none'",
  "frame-ancestors 'none'",
].join("; ");

const COMMON_HEADERS = {
  "Content-Security-Policy": CONTENT_SECURITY_POLICY,
  "X-Content-Type-Options": "nosniff",
  "Referrer-Policy": "no-referrer",
  "Cross-Origin-Opener-Policy": "same-origin",
};

export function cacheControl(relPath: string): string {
  if (relPath.startsWith("assets/")) return "public, max-age=31536000, immutable";
  if (relPath === "index.html" || relPath === "sw.js" || relPath.endsWith(".webmanifest")) return "no-cache";
  return "public, max-age=3600";
}

export type Resolution =
  | { kind: "file"; absPath: string; relPath: string }
  | { kind: "index" }
  | { kind: "not-found" }
  | { kind: "bad-request" };

/**
 * Maps a request path to a file under `root` (an absolute, real path), or to the app page, or
 * refuses it. Pure apart from `exists`, so the traversal rules are tested without a server.
 */
export function resolveRequestPath(
  root: string,
  rawPath: string,
  isFile: (absPath: string) => string | null,
): Resolution {
  const pathname = rawPath.split("?")[0]!.split("#")[0]!;
  let decoded: string;
  try {
    decoded = decodeURIComponent(pathname);
  } catch {
    return { kind: "bad-request" };
  }
  if (!decoded.startsWith("/") || decoded.includes("\0") || decoded.includes("\\"))
    return { kind: "bad-request" };
  const normal = path.posix.normalize(decoded);
  const rel = normal.replace(/^\/+/, "");
  if (rel === "" || rel === ".") return { kind: "index" };
  if (rel.split("/").some((part) => part === ".." || part.startsWith("."))) return { kind: "not-found" };
  const absPath = path.resolve(root, ...rel.split("/"));
  if (!absPath.startsWith(root + path.sep)) return { kind: "not-found" };
  const real = isFile(absPath);
  if (real !== null) {
    // A symlink inside the root must not lead outside it.
    if (!real.startsWith(root + path.sep)) return { kind: "not-found" };
    return { kind: "file", absPath: real, relPath: rel };
  }
  // No extension: a page address (a bookmark, an old link); the app routes by fragment.
  return path.posix.extname(rel) === "" ? { kind: "index" } : { kind: "not-found" };
}

function realFile(absPath: string): string | null {
  try {
    const real = fs.realpathSync(absPath);
    return fs.statSync(real).isFile() ? real : null;
  } catch {
    return null;
  }
}

interface Cached {
  mtimeMs: number;
  size: number;
  body: Buffer;
  gzip: Buffer | null;
  etag: string;
}

export interface StaticHandlerOptions {
  /** Directory of the built app (`apps/web/dist`). */
  root: string;
}

/** An `http` fallback for `startRelayServer`: returns true when it answered the request. */
export function staticFileHandler(
  options: StaticHandlerOptions,
): (req: IncomingMessage, res: ServerResponse) => boolean {
  const cache = new Map<string, Cached>();

  const load = (absPath: string): Cached => {
    const stat = fs.statSync(absPath);
    const hit = cache.get(absPath);
    if (hit && hit.mtimeMs === stat.mtimeMs && hit.size === stat.size) return hit;
    const body = fs.readFileSync(absPath);
    const ext = path.extname(absPath).toLowerCase();
    const gzip = COMPRESSIBLE.has(ext) && body.length > 512 ? zlib.gzipSync(body, { level: 9 }) : null;
    const entry = {
      mtimeMs: stat.mtimeMs,
      size: stat.size,
      body,
      gzip,
      etag: `"${stat.size.toString(36)}-${Math.floor(stat.mtimeMs).toString(36)}"`,
    };
    cache.set(absPath, entry);
    return entry;
  };

  return (req, res) => {
    if (req.method !== "GET" && req.method !== "HEAD") return false;
    let root: string;
    try {
      root = fs.realpathSync(options.root);
    } catch {
      res
        .writeHead(503, { "Content-Type": "text/plain; charset=utf-8", ...COMMON_HEADERS })
        .end("The web app is not built.\n");
      return true;
    }
    const resolved = resolveRequestPath(root, req.url ?? "/", realFile);
    if (resolved.kind === "bad-request") {
      res
        .writeHead(400, { "Content-Type": "text/plain; charset=utf-8", ...COMMON_HEADERS })
        .end("Bad request\n");
      return true;
    }
    if (resolved.kind === "not-found") {
      res
        .writeHead(404, { "Content-Type": "text/plain; charset=utf-8", ...COMMON_HEADERS })
        .end("Not found\n");
      return true;
    }
    const file =
      resolved.kind === "index"
        ? { absPath: path.join(root, "index.html"), relPath: "index.html" }
        : resolved;
    let entry: Cached;
    try {
      entry = load(file.absPath);
    } catch {
      res
        .writeHead(404, { "Content-Type": "text/plain; charset=utf-8", ...COMMON_HEADERS })
        .end("Not found\n");
      return true;
    }
    const ext = path.extname(file.relPath).toLowerCase();
    const headers: Record<string, string> = {
      ...COMMON_HEADERS,
      "Content-Type": MIME_TYPES[ext] ?? "application/octet-stream",
      "Cache-Control": cacheControl(file.relPath),
      ETag: entry.etag,
      Vary: "Accept-Encoding",
    };
    if (file.relPath === "sw.js") headers["Service-Worker-Allowed"] = "/";
    if (req.headers["if-none-match"] === entry.etag) {
      res.writeHead(304, headers).end();
      return true;
    }
    const gzip = entry.gzip !== null && /\bgzip\b/.test(String(req.headers["accept-encoding"] ?? ""));
    const body = gzip ? entry.gzip! : entry.body;
    if (gzip) headers["Content-Encoding"] = "gzip";
    headers["Content-Length"] = String(body.length);
    res.writeHead(200, headers);
    res.end(req.method === "HEAD" ? undefined : body);
    return true;
  };
}
