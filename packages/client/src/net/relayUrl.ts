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
  if (typeof url !== "string") throw bad();
  const text = url.trim();
  // A bare host ("relay.example.org") means wss://; anything else must name its scheme, and no
  // address has spaces in it.
  if (text === "" || /\s/.test(text)) throw bad();
  if (!text.includes("://") && !/^[a-z0-9.-]+(:\d+)?(\/\S*)?$/i.test(text)) throw bad();
  let out: string;
  try {
    out = normalizeURL(text);
  } catch {
    throw bad();
  }
  if (!out.startsWith("ws://") && !out.startsWith("wss://")) throw bad();
  return out;
}
