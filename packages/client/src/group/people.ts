/**
 * How people are written at the client's edges: npubs (NIP-19) outside, lowercase hex inside.
 *
 * Runs in: Node and browsers (pure).
 */
import { npubEncode, parsePubkey } from "@rally/protocol/identity";
import { rallyError } from "../errors.ts";

const cache = new Map<string, string>();

/** `npub1…` of a hex pubkey (memoised: views convert the same few people many times). */
export function toNpub(pubkey: string): string {
  let npub = cache.get(pubkey);
  if (npub === undefined) {
    npub = npubEncode(pubkey);
    if (cache.size > 10_000) cache.clear();
    cache.set(pubkey, npub);
  }
  return npub;
}

/** Hex pubkey of a person written as an npub (or hex); a plain-words error otherwise. */
export function parsePerson(text: string): string {
  try {
    return parsePubkey(text);
  } catch (e) {
    throw rallyError(
      "bad-input",
      `"${shorten(text)}" is not a Rally account address: ${(e as Error).message} It looks like npub1… (ask the person for theirs with "rally account show").`,
    );
  }
}

/** A short form for messages, never the whole of something that might be secret. */
export function shorten(text: string): string {
  const t = String(text);
  if (/^nsec1/i.test(t.trim())) return "nsec1…";
  return t.length > 24 ? `${t.slice(0, 16)}…` : t;
}

/** A short readable label for someone whose name is not known yet. */
export function shortNpub(pubkey: string): string {
  const npub = toNpub(pubkey);
  return `${npub.slice(0, 12)}…${npub.slice(-4)}`;
}
