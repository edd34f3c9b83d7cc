/**
 * The node's side of a private link whose key was made in the browser (docs/PROTOCOL.md §20):
 *
 *   GET /reply?e=<naddr>          the page; its script reads the key from the link's fragment
 *   GET /reply-wraps/<pubkey hex> the gift wraps addressed to that PUBLIC key, as JSON, to the
 *                                 key's holder only (signed request, replyAuth.ts)
 *
 * The secret never reaches this node (a fragment is not sent), and the script asks for wraps by
 * public key alone, without naming the event: nothing sent tells the node which event that key
 * answered. The script opens the wraps and keeps only replies about the event in its link.
 *
 * Runs in: Node (`rally serve`).
 */
import type { IncomingMessage, ServerResponse } from "node:http";
import { decodeNaddr, type NostrEvent } from "@rally/client";
import { replyShellPage } from "./answerForm.ts";
import type { PageReader } from "./reading.ts";
import { checkReplyAuth } from "./replyAuth.ts";
import { NO_STORE, SCRIPT_PAGE, send, sendNotFound, sendPage } from "./respond.ts";

/** The most reply wraps one key gets (hosts reply once or twice to an answer). */
export const MAX_REPLY_WRAPS = 100;
const MAX_REPLY_BYTES = 4 * 1024 * 1024;
const KIND_GIFT_WRAP = 1059;

export async function handleReplyShell(
  req: IncomingMessage,
  res: ServerResponse,
  url: URL,
  reader: PageReader,
): Promise<void> {
  const e = url.searchParams.get("e");
  const naddr = e && decodeNaddr(e) ? e : null;
  const event = naddr ? await reader.byNaddr(naddr) : undefined;
  const page = replyShellPage({ event, naddr, now: reader.relay.now() });
  sendPage(req, res, 200, page, { ...SCRIPT_PAGE, ...NO_STORE });
}

const JSON_HEADERS = { ...NO_STORE, "Content-Security-Policy": "default-src 'none'; frame-ancestors 'none'" };

export async function handleReplyWraps(
  req: IncomingMessage,
  res: ServerResponse,
  pubkey: string,
  url: URL,
  reader: PageReader,
): Promise<void> {
  if (!/^[0-9a-f]{64}$/.test(pubkey)) return sendNotFound(req, res, "This is not a public key (64 hex).");
  const auth = checkReplyAuth(
    req.headers.authorization,
    pubkey,
    url.pathname + url.search,
    reader.relay.now(),
  );
  if (!auth.ok) {
    send(req, res, 401, "application/json; charset=utf-8", JSON.stringify({ error: auth.problem }), {
      ...JSON_HEADERS,
      "WWW-Authenticate": "Nostr",
    });
    return;
  }
  // Gift wraps to this key only (the one other read of the store that is not a public kind).
  const stored = await reader.relay.query(
    { kinds: [KIND_GIFT_WRAP], "#p": [pubkey], limit: MAX_REPLY_WRAPS },
    { maxBytes: MAX_REPLY_BYTES },
  );
  const wraps: NostrEvent[] = stored
    .filter((w) => w.kind === KIND_GIFT_WRAP && w.tags.some((t) => t[0] === "p" && t[1] === pubkey))
    .slice(0, MAX_REPLY_WRAPS);
  send(req, res, 200, "application/json; charset=utf-8", JSON.stringify({ wraps }), JSON_HEADERS);
}
