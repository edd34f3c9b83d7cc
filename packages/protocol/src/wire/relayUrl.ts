/**
 * The relay URL profile used by every Rally wire format that names relays (Marmot's "Relay URL
 * profile"): UTF-8, at most 512 bytes, absolute, scheme `ws` or `wss`, a host, an optional port
 * 1–65535, no username/password, no fragment. Received URLs are validated and compared as exact
 * strings, never rewritten; URLs Rally produces are first normalised (lowercase scheme and host,
 * no default port, no lone trailing slash) so that equal relays compare equal.
 */

import { utf8Encode } from "./bytes.ts";
import { fail } from "./errors.ts";

/** A relay URL that passed `checkRelayUrl`. */
export type RelayUrl = string & { readonly __brand: "RelayUrl" };

export const MAX_RELAY_URL_BYTES = 512;

const LABEL = "[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?";
const HOST = `(?:${LABEL}(?:\\.${LABEL})*\\.?|\\[[0-9a-f:.]+\\])`;
// Path and query: RFC 3986 unreserved, sub-delims, ':', '@', '/', '?', and percent escapes.
const PCHARS = "(?:[a-z0-9\\-._~!$&'()*+,;=:@/]|%[0-9a-f]{2})*";
const QCHARS = "(?:[a-z0-9\\-._~!$&'()*+,;=:@/?]|%[0-9a-f]{2})*";
const RELAY_URL = new RegExp(`^(wss?)://(${HOST})(?::([0-9]{1,5}))?(/${PCHARS})?(\\?${QCHARS})?$`, "i");

/** Validates one relay URL; throws `bad-relay-url` in plain words. */
export function checkRelayUrl(url: unknown): RelayUrl {
  if (typeof url !== "string") return fail("bad-relay-url", "A relay address must be text.");
  if (utf8Encode(url).length > MAX_RELAY_URL_BYTES) {
    return fail("bad-relay-url", `A relay address may be at most ${MAX_RELAY_URL_BYTES} bytes long.`);
  }
  const m = RELAY_URL.exec(url);
  if (!m) {
    return fail(
      "bad-relay-url",
      "This is not a relay address: it must look like wss://relay.example.org (no spaces, passwords or #).",
    );
  }
  if (m[3] !== undefined) {
    const port = Number(m[3]);
    if (port < 1 || port > 65535) return fail("bad-relay-url", "A relay address has a port outside 1–65535.");
  }
  return url as RelayUrl;
}

/** The canonical spelling Rally publishes: lowercase scheme and host, no default port, no lone "/". */
export function normalizeRelayUrl(url: string): RelayUrl {
  const checked = checkRelayUrl(typeof url === "string" ? url.trim() : url);
  const m = RELAY_URL.exec(checked)!;
  const scheme = m[1]!.toLowerCase();
  const host = m[2]!.toLowerCase();
  const defaultPort = scheme === "wss" ? "443" : "80";
  const port = m[3] === undefined || m[3] === defaultPort ? "" : `:${Number(m[3])}`;
  const path = m[4] === "/" ? "" : (m[4] ?? "");
  return checkRelayUrl(`${scheme}://${host}${port}${path}${m[5] ?? ""}`);
}

/**
 * Validates a list of relay URLs: between `min` and `max` entries, each valid, no duplicates.
 * Used for lists Rally itself defines (welcomes, key packages, invite links).
 */
export function checkRelayList(urls: unknown, what: string, min = 1, max = 16): RelayUrl[] {
  if (!Array.isArray(urls)) return fail("malformed", `The ${what} must be a list of relay addresses.`);
  if (urls.length < min) return fail("bad-tag", `The ${what} must name at least ${min} relay.`);
  if (urls.length > max) return fail("too-large", `The ${what} may name at most ${max} relays.`);
  const seen = new Set<string>();
  return urls.map((u) => {
    const url = checkRelayUrl(u);
    if (seen.has(url)) return fail("bad-tag", `The ${what} names the same relay twice.`);
    seen.add(url);
    return url;
  });
}

/** Normalises and de-duplicates relay URLs given by a person or a caller (keeps first-seen order). */
export function normalizeRelayList(urls: readonly string[], what: string, min = 1, max = 16): RelayUrl[] {
  const out: RelayUrl[] = [];
  for (const u of urls) {
    const url = normalizeRelayUrl(u);
    if (!out.includes(url)) out.push(url);
  }
  return checkRelayList(out, what, min, max);
}
