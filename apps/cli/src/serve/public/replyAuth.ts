/**
 * Proof that whoever asks for the reply wraps to a throwaway key holds that key, without sending
 * its secret: NIP-98 HTTP auth. The relay serves gift wraps only to their authenticated recipient
 * (its private-inbox rule, NIP-42); `GET /reply-wraps/<pubkey>` keeps that rule over HTTP, so no one
 * learns how many replies, or answers, reach a key they do not hold.
 *
 *   Authorization: Nostr <base64 of a kind 27235 event signed by that key,
 *                         tags ["u", <the URL asked for>], ["method", "GET"], made within a minute>
 *
 * Runs in: Node (`rally serve`); pure.
 */
import { parseEvent, verifyEventSignature } from "@rally/client";

export const KIND_HTTP_AUTH = 27235;
/** How far the proof's time may be from the node's clock, either way (seconds). */
export const AUTH_WINDOW = 60;
const MAX_HEADER_CHARS = 4096;

export type AuthCheck = { ok: true } | { ok: false; problem: string };

/**
 * Checks the `Authorization` header of a request for `path` (path and query as asked, e.g.
 * `/reply-wraps/<hex>`) by the holder of `pubkey`. The URL's origin is not compared: behind a
 * proxy the node does not know the one the browser used; the path names the key, and the proof is
 * good for a minute.
 */
export function checkReplyAuth(
  header: string | undefined,
  pubkey: string,
  path: string,
  now: number,
): AuthCheck {
  const refuse = (problem: string): AuthCheck => ({ ok: false, problem });
  const m = /^Nostr ([A-Za-z0-9+/=_-]+)$/.exec(header ?? "");
  if (!m || header!.length > MAX_HEADER_CHARS)
    return refuse("Only the holder of this key may read its replies: sign the request (NIP-98).");
  let value: unknown;
  try {
    value = JSON.parse(Buffer.from(m[1]!, "base64").toString("utf8"));
  } catch {
    return refuse("The request's signature is not a Nostr event.");
  }
  const parsed = parseEvent(value);
  if (!parsed.ok) return refuse(`The request's signature is not a Nostr event: ${parsed.error}.`);
  const auth = parsed.value;
  if (auth.kind !== KIND_HTTP_AUTH) return refuse(`The request must be signed with kind ${KIND_HTTP_AUTH}.`);
  if (auth.pubkey !== pubkey) return refuse("The request is signed by another key than the one asked for.");
  if (Math.abs(auth.created_at - now) > AUTH_WINDOW)
    return refuse("The request's signature is too old or from the future; check the device's clock.");
  const tag = (name: string) => auth.tags.find((t) => t[0] === name)?.[1];
  if (tag("method") !== "GET") return refuse("The request's signature is for another method.");
  let signedPath: string | undefined;
  try {
    const u = new URL(tag("u") ?? "");
    signedPath = u.pathname + u.search;
  } catch {
    signedPath = undefined;
  }
  if (signedPath !== path) return refuse("The request's signature is for another address.");
  if (!verifyEventSignature(auth)) return refuse("The request's signature is not valid.");
  return { ok: true };
}
