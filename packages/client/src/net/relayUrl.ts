/**
 * Relay addresses in one canonical form (NIP-01 relays are `ws://` or `wss://` URLs), so the same
 * relay written two ways is one connection, one outbox delivery and one sync cursor.
 *
 * Runs in: Node and browsers (pure).
 */
import { normalizeURL } from "nostr-tools/utils";

/** Normalises a relay URL (lower-case host, no default port or trailing slash); throws in plain words. */
export function normalizeRelayUrl(url: string): string {
  const bad = () => new Error(`"${url}" is not a relay address (expected ws://… or wss://…)`);
  if (typeof url !== "string" || url.trim() === "") throw bad();
  let out: string;
  try {
    out = normalizeURL(url.trim());
  } catch {
    throw bad();
  }
  if (!out.startsWith("ws://") && !out.startsWith("wss://")) throw bad();
  return out;
}
