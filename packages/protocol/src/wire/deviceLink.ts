/**
 * Linking a device (docs/PROTOCOL.md "Linking a device"). The existing device makes a one-time
 * key L and shows a link whose fragment holds L's secret key, the relays to use and the expiry:
 * `<origin>/#device=<payload>`, payload = base64url(JSON `{v: 1, k, r, x}`). Everything then
 * travels as NIP-59 gift wraps, so a relay sees neither who links nor what passes:
 *
 * 1. request — new device → L, from a fresh key n of the new device: its name (kind 1450, `step`
 *    "request"). Anyone holding the link can send one. Both devices show the same short code, made
 *    from L and n (`deviceLinkCode`); the existing device answers only the request whose code its
 *    person confirmed, so someone who saw the link first (a QR code over a shoulder, a shared
 *    screen) gets nothing. A link made to answer the first request unasked (scripts) still can.
 * 2. answer — L → n: the person's recovery words, name and relays (`step` "answer"). The link
 *    carries a check of the person's key (`deviceLinkAccountCheck`): the new device takes only an
 *    answer whose words make that key, since anyone holding L could answer it too.
 * 3. ready — new device, now signing as the person → L: its name and its key package's event id
 *    (`step` "ready"). The existing device accepts it only from the person's own key.
 * 4. history — L → n: the records the existing device holds of one group, in numbered parts
 *    (`step` "history"); the new device stores them once it is in that group.
 * 5. done — L → n: how many groups the new device was added to and how many parts were sent, so
 *    it knows when it has everything (or says what is missing).
 *
 * Runs in: Node and browsers (pure).
 */
import { sha256 } from "@noble/hashes/sha2.js";
import { bytesToHex, hexToBytes } from "@noble/hashes/utils.js";
import type { NostrEvent } from "../nostr/event.ts";
import { KIND_DEVICE_LINK } from "../nostr/kinds.ts";
import { fail } from "./errors.ts";
import { giftWrap, openGiftWrap } from "./giftWrap.ts";
import { normalizeRelayList } from "./relayUrl.ts";

/** A link is good for this long unless its maker chose otherwise. */
export const DEVICE_LINK_SECONDS = 10 * 60;
export const MAX_DEVICE_NAME_CHARS = 60;
/**
 * A history part's records, measured as they end up in the rumor (each record's JSON escaped twice:
 * once as a string in the content, once as the content in the rumor): NIP-44 seals at most 65,535
 * bytes of plaintext, and the rumor's other fields take a few hundred.
 */
export const HISTORY_PART_BYTES = 56_000;

export interface DeviceLink {
  /** The link's one-time secret key (hex). */
  linkSecretKey: string;
  relays: string[];
  /** Unix seconds. */
  expiresAt: number;
  /**
   * Which account the link is for, without naming it: `deviceLinkAccountCheck` of the link's key
   * and the person's key (32 hex digits). Anyone who saw the link holds its key and could answer
   * the new device with another account's words; the new device takes only words of this one.
   * Absent in links made before it existed.
   */
  accountCheck?: string;
}

export type DeviceLinkMessage =
  | { step: "request"; name: string }
  | { step: "answer"; words: string; name: string; relays: string[]; from: string }
  | { step: "ready"; name: string; keyPackage: string }
  | { step: "history"; group: string; part: number; parts: number; records: string[] }
  | { step: "done"; groups: number; parts: number };

const PREFIX = "#device=";
const HEX64 = /^[0-9a-f]{64}$/;
const CODE_LABEL = new TextEncoder().encode("rally device link code v1");

/**
 * The code both devices show for one request: six digits ("482 915") from SHA-256 over a label, the
 * link's public key and the requesting device's key. Whoever holds the link can read every request
 * and try keys until one gives the same code (a million tries), so a code seen twice among a link's
 * requests means someone else has the link: the existing device then links neither.
 */
export function deviceLinkCode(linkPubkey: string, requesterPubkey: string): string {
  if (!HEX64.test(linkPubkey) || !HEX64.test(requesterPubkey))
    return fail("malformed", "A device link code is made from two public keys (64 hex digits each).");
  const input = new Uint8Array(CODE_LABEL.length + 64);
  input.set(CODE_LABEL);
  input.set(hexToBytes(linkPubkey), CODE_LABEL.length);
  input.set(hexToBytes(requesterPubkey), CODE_LABEL.length + 32);
  const h = sha256(input);
  // 32 bits reduced mod 10^6: some codes come one time in 4,295 more often than others; no matter.
  const n =
    (((h[0] as number) << 24) | ((h[1] as number) << 16) | ((h[2] as number) << 8) | (h[3] as number)) >>> 0;
  const digits = String(n % 1_000_000).padStart(6, "0");
  return `${digits.slice(0, 3)} ${digits.slice(3)}`;
}

const ACCOUNT_LABEL = new TextEncoder().encode("rally device link account v1");
const ACCOUNT_CHECK = /^[0-9a-f]{32}$/;

/**
 * The link's account check: the first 16 bytes of SHA-256 over a label, the link's public key and
 * the person's public key, in hex. It names nobody to whoever sees the link (the link's key is
 * fresh), and no other account's words give it.
 */
export function deviceLinkAccountCheck(linkPubkey: string, personPubkey: string): string {
  if (!HEX64.test(linkPubkey) || !HEX64.test(personPubkey))
    return fail(
      "malformed",
      "A device link's account check is made from two public keys (64 hex digits each).",
    );
  const input = new Uint8Array(ACCOUNT_LABEL.length + 64);
  input.set(ACCOUNT_LABEL);
  input.set(hexToBytes(linkPubkey), ACCOUNT_LABEL.length);
  input.set(hexToBytes(personPubkey), ACCOUNT_LABEL.length + 32);
  return bytesToHex(sha256(input).subarray(0, 16));
}

/** A code as a person types it ("482915", "482-915", " 482 915 ") in the form `deviceLinkCode` gives. */
export function normalizeDeviceLinkCode(text: string): string | null {
  const digits = typeof text === "string" ? text.replace(/[\s-]/g, "") : "";
  return /^[0-9]{6}$/.test(digits) ? `${digits.slice(0, 3)} ${digits.slice(3)}` : null;
}

function toBase64Url(text: string): string {
  return btoa(String.fromCharCode(...new TextEncoder().encode(text)))
    .replace(/\+/g, "-")
    .replace(/\//g, "_")
    .replace(/=+$/, "");
}

function fromBase64Url(text: string): string {
  const b64 = text.replace(/-/g, "+").replace(/_/g, "/");
  const binary = atob(b64 + "=".repeat((4 - (b64.length % 4)) % 4));
  return new TextDecoder("utf-8", { fatal: true }).decode(Uint8Array.from(binary, (c) => c.charCodeAt(0)));
}

/** The link's URL: the secret only in the fragment, never sent to a server. */
export function deviceLinkUrl(link: DeviceLink, origin: string): string {
  const payload = toBase64Url(
    JSON.stringify({
      v: 1,
      k: link.linkSecretKey,
      r: link.relays,
      x: link.expiresAt,
      ...(link.accountCheck ? { a: link.accountCheck } : {}),
    }),
  );
  return `${origin.replace(/\/+$/, "")}/${PREFIX}${payload}`;
}

/** Reads a device link (the URL, or its payload); a clear error for anything else. */
export function parseDeviceLink(text: string, now: number): DeviceLink {
  if (typeof text !== "string") return fail("malformed", "That is not a device link.");
  const trimmed = text.trim();
  const at = trimmed.indexOf(PREFIX);
  if (at < 0 && trimmed.includes("#join=")) {
    return fail("malformed", "That is an invite link to a group, not a device link: use rally join.");
  }
  const payload = at >= 0 ? trimmed.slice(at + PREFIX.length) : trimmed;
  let value: { v?: unknown; k?: unknown; r?: unknown; x?: unknown; a?: unknown };
  try {
    value = JSON.parse(fromBase64Url(payload)) as typeof value;
  } catch {
    return fail("damaged", "This device link is damaged: copy it again from the other device.");
  }
  if (value?.v !== 1) return fail("malformed", "This device link is from another version of Rally.");
  if (
    typeof value.k !== "string" ||
    !HEX64.test(value.k) ||
    typeof value.x !== "number" ||
    !Array.isArray(value.r) ||
    (value.a !== undefined && (typeof value.a !== "string" || !ACCOUNT_CHECK.test(value.a)))
  ) {
    return fail("malformed", "This device link is damaged: copy it again from the other device.");
  }
  if (value.x < now) {
    return fail(
      "expired",
      "This device link has expired: make a new one on the other device (rally device link).",
    );
  }
  const relays = normalizeRelayList(value.r as string[], "device link relays", 1, 8);
  return {
    linkSecretKey: value.k,
    relays,
    expiresAt: value.x,
    ...(typeof value.a === "string" ? { accountCheck: value.a } : {}),
  };
}

/** One step of a link, sealed from `senderSecretKey` to `recipientPubkey`. */
export function wrapDeviceLinkMessage(input: {
  message: DeviceLinkMessage;
  senderSecretKey: Uint8Array;
  recipientPubkey: string;
  now: number;
}): NostrEvent {
  return giftWrap({
    kind: KIND_DEVICE_LINK,
    content: JSON.stringify(input.message),
    tags: [],
    now: input.now,
    senderSecretKey: input.senderSecretKey,
    recipientPubkey: input.recipientPubkey,
    what: `device link ${input.message.step}`,
  }) as NostrEvent;
}

/** Opens one step addressed to `recipientSecretKey`: the message and who sent it. */
export function openDeviceLinkMessage(
  wrap: unknown,
  recipientSecretKey: Uint8Array,
): { message: DeviceLinkMessage; sender: string; wrapId: string } {
  const { rumor, wrap: checked } = openGiftWrap(wrap, recipientSecretKey, "device link message");
  if (rumor.kind !== KIND_DEVICE_LINK) return fail("wrong-kind", "Not a device link message.");
  let m: Record<string, unknown>;
  try {
    m = JSON.parse(rumor.content) as Record<string, unknown>;
  } catch {
    return fail("bad-encoding", "A device link message is not JSON.");
  }
  const text = (v: unknown, max: number) => typeof v === "string" && v.length > 0 && v.length <= max;
  const ok =
    (m.step === "request" && text(m.name, MAX_DEVICE_NAME_CHARS * 4)) ||
    (m.step === "answer" &&
      text(m.words, 400) &&
      typeof m.name === "string" &&
      Array.isArray(m.relays) &&
      text(m.from, MAX_DEVICE_NAME_CHARS * 4)) ||
    (m.step === "ready" &&
      text(m.name, MAX_DEVICE_NAME_CHARS * 4) &&
      typeof m.keyPackage === "string" &&
      HEX64.test(m.keyPackage)) ||
    (m.step === "history" &&
      typeof m.group === "string" &&
      HEX64.test(m.group) &&
      Number.isInteger(m.part) &&
      Number.isInteger(m.parts) &&
      (m.part as number) >= 0 &&
      (m.part as number) < (m.parts as number) &&
      Array.isArray(m.records) &&
      m.records.every((r) => typeof r === "string")) ||
    (m.step === "done" &&
      Number.isInteger(m.groups) &&
      Number.isInteger(m.parts) &&
      (m.groups as number) >= 0 &&
      (m.parts as number) >= 0);
  if (!ok) return fail("malformed", "A device link message has the wrong shape.");
  return { message: m as unknown as DeviceLinkMessage, sender: rumor.pubkey, wrapId: checked.id };
}

/** Splits records into parts of at most `HISTORY_PART_BYTES` of JSON each (at least one part). */
export function historyParts(records: readonly string[]): string[][] {
  const parts: string[][] = [[]];
  let size = 0;
  for (const r of records) {
    const bytes = new TextEncoder().encode(JSON.stringify(JSON.stringify(r))).length + 2;
    if (size + bytes > HISTORY_PART_BYTES && (parts[parts.length - 1] as string[]).length > 0) {
      parts.push([]);
      size = 0;
    }
    (parts[parts.length - 1] as string[]).push(r);
    size += bytes;
  }
  return parts;
}
