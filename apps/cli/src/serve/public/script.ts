/**
 * `GET /answer.js`: the public pages' one script, bundled from browser/main.ts by esbuild when the
 * first public page is asked for (apps/cli/buildtools/answerScript.ts) and held in memory. Without it the pages work
 * as they do without JavaScript: the form is sent as it is and the node seals the answer.
 *
 * Runs in: Node (`rally serve`).
 */
import { createHash } from "node:crypto";
import type { IncomingMessage, ServerResponse } from "node:http";
import { send } from "./respond.ts";

interface Built {
  text: string;
  etag: string;
}

let building: Promise<Built> | undefined;

async function buildNow(): Promise<Built> {
  const { buildAnswerScript } = await import("../../../buildtools/answerScript.ts");
  const text = await buildAnswerScript();
  return { text, etag: `"${createHash("sha256").update(text).digest("base64url").slice(0, 27)}"` };
}

/** Starts the build (once per process; again after a failure). */
export function answerScript(): Promise<Built> {
  if (!building) {
    const started = buildNow();
    building = started;
    started.catch(() => {
      if (building === started) building = undefined;
    });
  }
  return building;
}

export async function sendAnswerScript(req: IncomingMessage, res: ServerResponse): Promise<void> {
  let built: Built;
  try {
    built = await answerScript();
  } catch {
    send(req, res, 503, "text/plain; charset=utf-8", "The answer script could not be built on this node.\n", {
      "Cache-Control": "no-store",
      "Retry-After": "60",
    });
    return;
  }
  const headers = {
    "Cache-Control": "no-cache",
    ETag: built.etag,
    "Content-Security-Policy": "default-src 'none'; frame-ancestors 'none'",
  };
  if (req.headers["if-none-match"] === built.etag) {
    res.writeHead(304, headers);
    res.end();
    return;
  }
  send(req, res, 200, "text/javascript; charset=utf-8", built.text, headers);
}
