/**
 * Invite links (docs/PROTOCOL.md "Invite links"): `https://<origin>/#join=<payload>`, also
 * `rally:join=<payload>`, `rally:<payload>` or the bare payload. The payload is base64url (no
 * padding) of a small binary record:
 *
 *   u8  version = 2         (1: the same record without the check, from before checks existed)
 *   u8  flags               bit 0: an admin approves each request; other bits zero
 *   32  link pubkey         x-only secp256k1 key; its secret is held by the group's admins
 *   16  link secret         the joiner proves knowledge of it in the join request
 *   u32 expires_at          unix seconds, big-endian; 0 = no expiry
 *   u8  relay count (1–4), then per relay: u8 length (1–255) ‖ URL bytes
 *   u8  name length (0–100), then the group's display name in UTF-8
 *   4   check               version 2 only: SHA-256("rally/v2 invite-link" ‖ everything before)[0..4]
 *
 * The check catches a link damaged on its way (a character changed, lost or added while copying
 * or retyping) before anything is sent: without it, a changed secret still parses, and the join
 * request goes to the right key with a proof nobody accepts, so the joiner waits forever. It is
 * not a signature (whoever changes a link on purpose can recompute it); what the joiner finally
 * trusts is the group's welcome. Version 1 links, which have no check, are still accepted.
 *
 * Everything secret is in the URL fragment, which browsers never send to a server. Decoding is
 * canonical: no trailing bytes, no unknown flags, valid relay URLs, valid UTF-8 without control
 * characters.
 */

import { sha256 } from "@noble/hashes/sha2.js";
import { bytesToHex, hexToBytes, randomBytes } from "@noble/hashes/utils.js";
import { getPublicKey } from "nostr-tools/pure";
import { generateSecretKey } from "../identity/keys.ts";
import type { PubkeyHex } from "../nostr/event.ts";
import { isValidPubkey } from "../nostr/sign.ts";
import { nowSeconds } from "../nostr/time.ts";
import {
  decodeBase64Url,
  encodeBase64Url,
  equalBytes,
  hasUnsafeChars,
  utf8Decode,
  utf8Encode,
} from "./bytes.ts";
import { fail } from "./errors.ts";
import { checkRelayUrl, normalizeRelayList, type RelayUrl } from "./relayUrl.ts";

/** The version links are made with; version 1 (no check) is still read. */
export const INVITE_LINK_VERSION = 2;
/** Links made before the check existed. */
const UNCHECKED_VERSION = 1;
/** Bytes of the check at the end of a version 2 payload: a 1 in 4 billion chance that damage slips by. */
export const LINK_CHECK_BYTES = 4;
const CHECK_LABEL = utf8Encode("rally/v2 invite-link");
/** What Rally says about every link that was damaged on its way. */
export const DAMAGED_LINK_MESSAGE =
  "This invite link is damaged (a character was changed or lost). Ask for the link again.";
export const LINK_SECRET_BYTES = 16;
export const MAX_LINK_RELAYS = 4;
export const MAX_LINK_NAME_BYTES = 100;
/** Largest payload: header, four 255-byte relays and a full name. */
const MAX_PAYLOAD_BYTES =
  2 + 32 + LINK_SECRET_BYTES + 4 + 1 + MAX_LINK_RELAYS * 256 + 1 + MAX_LINK_NAME_BYTES + LINK_CHECK_BYTES;
const FLAG_APPROVAL = 1;
const MAX_U32 = 0xffff_ffff;

export interface InviteLink {
  /** Relays where the link key reads join requests. */
  relays: RelayUrl[];
  /** Where join requests are gift-wrapped to; also the link's id. */
  linkPubkey: PubkeyHex;
  /** 16 random bytes; the joiner proves knowledge of them. */
  linkSecret: Uint8Array;
  /** The group's display name, shown before joining (not authenticated: the welcome is). */
  name: string | null;
  /** Unix seconds after which the link no longer works; null for never. */
  expiresAt: number | null;
  /** Whether an admin approves each request (shown as "waiting for approval"). */
  approval: boolean;
}

/** What the admin who makes a link keeps in the group's data. */
export interface NewInviteLink {
  link: InviteLink;
  /** Secret key of `link.linkPubkey`: opens the join requests. Share only with admins. */
  linkSecretKey: Uint8Array;
}

function checkName(name: string | null | undefined): string | null {
  if (name === null || name === undefined || name === "") return null;
  if (typeof name !== "string" || hasUnsafeChars(name)) {
    return fail("bad-parameter", "The group name in a link must be plain text without control characters.");
  }
  if (utf8Encode(name).length > MAX_LINK_NAME_BYTES) {
    return fail("too-large", `The group name in a link may be at most ${MAX_LINK_NAME_BYTES} bytes.`);
  }
  return name;
}

function checkExpiry(expiresAt: number | null | undefined): number | null {
  if (expiresAt === null || expiresAt === undefined) return null;
  if (!Number.isInteger(expiresAt) || expiresAt < 1 || expiresAt > MAX_U32) {
    return fail("bad-parameter", "A link's expiry must be a time in unix seconds.");
  }
  return expiresAt;
}

/** Makes a new link and its key. */
export function createInviteLink(input: {
  relays: readonly string[];
  name?: string | null;
  expiresAt?: number | null;
  approval?: boolean;
  random?: (n: number) => Uint8Array;
}): NewInviteLink {
  const random = input.random ?? randomBytes;
  const linkSecretKey = generateSecretKey(random);
  const link: InviteLink = {
    relays: normalizeRelayList(input.relays, "link's relay list", 1, MAX_LINK_RELAYS),
    linkPubkey: getPublicKey(linkSecretKey) as PubkeyHex,
    linkSecret: random(LINK_SECRET_BYTES),
    name: checkName(input.name),
    expiresAt: checkExpiry(input.expiresAt),
    approval: input.approval === true,
  };
  encodeInviteLink(link);
  return { link, linkSecretKey };
}

/** The link's id: its pubkey in hex. */
export function inviteLinkId(link: InviteLink): string {
  return link.linkPubkey;
}

/** The base64url payload of a link. */
export function encodeInviteLink(link: InviteLink): string {
  if (!isValidPubkey(link.linkPubkey))
    return fail("bad-parameter", "The link key is not a valid public key.");
  if (!(link.linkSecret instanceof Uint8Array) || link.linkSecret.length !== LINK_SECRET_BYTES) {
    return fail("bad-parameter", `The link secret must be ${LINK_SECRET_BYTES} bytes.`);
  }
  if (link.relays.length < 1 || link.relays.length > MAX_LINK_RELAYS) {
    return fail("bad-parameter", `A link names 1 to ${MAX_LINK_RELAYS} relays.`);
  }
  const relays = link.relays.map((r) => utf8Encode(checkRelayUrl(r)));
  if (relays.some((r) => r.length > 255))
    return fail("too-large", "A relay address in a link is over 255 bytes.");
  const name = utf8Encode(checkName(link.name) ?? "");
  const expiry = checkExpiry(link.expiresAt) ?? 0;
  const size =
    2 +
    32 +
    LINK_SECRET_BYTES +
    4 +
    1 +
    relays.reduce((n, r) => n + 1 + r.length, 0) +
    1 +
    name.length +
    LINK_CHECK_BYTES;
  const out = new Uint8Array(size);
  const view = new DataView(out.buffer);
  let at = 0;
  out[at++] = INVITE_LINK_VERSION;
  out[at++] = link.approval ? FLAG_APPROVAL : 0;
  out.set(hexToBytes(link.linkPubkey), at);
  at += 32;
  out.set(link.linkSecret, at);
  at += LINK_SECRET_BYTES;
  view.setUint32(at, expiry, false);
  at += 4;
  out[at++] = relays.length;
  for (const r of relays) {
    out[at++] = r.length;
    out.set(r, at);
    at += r.length;
  }
  out[at++] = name.length;
  out.set(name, at);
  at += name.length;
  out.set(linkCheck(out.subarray(0, at)), at);
  return encodeBase64Url(out);
}

/** The check of a version 2 payload: the first bytes of a labelled SHA-256 of everything before it. */
function linkCheck(body: Uint8Array): Uint8Array {
  const input = new Uint8Array(CHECK_LABEL.length + body.length);
  input.set(CHECK_LABEL, 0);
  input.set(body, CHECK_LABEL.length);
  return sha256(input).subarray(0, LINK_CHECK_BYTES);
}

/** True when `bytes` end with the check of what comes before them. */
function checkMatches(bytes: Uint8Array): boolean {
  if (bytes.length <= LINK_CHECK_BYTES) return false;
  const end = bytes.length - LINK_CHECK_BYTES;
  return equalBytes(linkCheck(bytes.subarray(0, end)), bytes.subarray(end));
}

/** `https://<origin>/#join=<payload>`; `origin` like "https://rally.example.org" (a path is kept). */
export function inviteLinkUrl(link: InviteLink, origin: string): string {
  if (!/^https?:\/\/[^\s#?]+$/i.test(origin))
    return fail("bad-parameter", "The link's origin must be an http(s) address.");
  const base = origin.endsWith("/") ? origin : `${origin}/`;
  return `${base}#join=${encodeInviteLink(link)}`;
}

const damaged = (): never => fail("damaged", DAMAGED_LINK_MESSAGE);

/**
 * The payload of any accepted spelling. Something that is recognisably a link (`#join=` or
 * `rally:`) but holds characters outside base64url was damaged on its way (a character changed or
 * added while copying).
 */
function payloadOf(text: string): string {
  const t = text.trim();
  const fragment = /^https?:\/\/[^\s#]*#join=(.*)$/is.exec(t);
  if (fragment) return payloadChars(fragment[1]!);
  if (/^https?:\/\//i.test(t))
    return fail("malformed", "This web address is not a Rally invite link (no #join= part).");
  const scheme = /^rally:(?:join=)?(.*)$/is.exec(t);
  if (scheme) return payloadChars(scheme[1]!);
  if (/^[A-Za-z0-9_-]+$/.test(t)) return t;
  return fail("malformed", "This is not an invite link.");
}

function payloadChars(payload: string): string {
  return /^[A-Za-z0-9_-]+$/.test(payload) ? payload : damaged();
}

/** The payload's bytes; text that is not base64url of a possible payload is a damaged link. */
function payloadBytes(payload: string): Uint8Array {
  try {
    return decodeBase64Url(payload, MAX_PAYLOAD_BYTES, "invite link");
  } catch (e) {
    if ((e as { code?: string }).code === "too-large") throw e;
    return damaged();
  }
}

/** Decodes a link (any accepted spelling). With `now`, an expired link throws `expired`. */
export function parseInviteLink(
  text: string,
  options: { now?: number; ignoreExpiry?: boolean } = {},
): InviteLink {
  if (typeof text !== "string") return fail("malformed", "An invite link must be text.");
  const payload = payloadBytes(payloadOf(text));
  if (payload.length < 2) damaged();
  const version = payload[0]!;
  let bytes: Uint8Array;
  if (version === INVITE_LINK_VERSION) {
    // The check first: whatever else is wrong with a damaged link, the fix is the same.
    if (!checkMatches(payload)) damaged();
    bytes = payload.subarray(0, payload.length - LINK_CHECK_BYTES);
  } else {
    // The first two characters carry the version and the flags' upper half (always zero). A link
    // whose check matches once those are put back is one of ours with one of them changed.
    const repaired = Uint8Array.from(payload);
    repaired[0] = INVITE_LINK_VERSION;
    repaired[1] = repaired[1]! & 0x0f;
    if (checkMatches(repaired)) damaged();
    if (version !== UNCHECKED_VERSION) {
      return fail(
        "malformed",
        "This invite link was made by a newer version of Rally. Update Rally and try again.",
      );
    }
    bytes = payload;
  }
  const flags = bytes[1]!;
  if ((flags & ~FLAG_APPROVAL) !== 0)
    fail("malformed", "This invite link has options this version does not know.");
  let at = 2;
  const take = (n: number): Uint8Array => {
    if (at + n > bytes.length) damaged();
    const part = bytes.subarray(at, at + n);
    at += n;
    return part;
  };
  const linkPubkey = bytesToHex(take(32));
  if (!isValidPubkey(linkPubkey)) fail("malformed", "This invite link's key is not valid.");
  const linkSecret = Uint8Array.from(take(LINK_SECRET_BYTES));
  const expiryBytes = take(4);
  const expiry = new DataView(expiryBytes.buffer, expiryBytes.byteOffset, 4).getUint32(0, false);
  const relayCount = take(1)[0]!;
  if (relayCount < 1 || relayCount > MAX_LINK_RELAYS)
    fail("malformed", "This invite link names no usable relays.");
  const relays: RelayUrl[] = [];
  for (let i = 0; i < relayCount; i++) {
    const length = take(1)[0]!;
    if (length === 0) damaged();
    const url = checkRelayUrl(utf8Decode(take(length), "relay address"));
    if (relays.includes(url)) fail("malformed", "This invite link names the same relay twice.");
    relays.push(url);
  }
  const nameLength = take(1)[0]!;
  if (nameLength > MAX_LINK_NAME_BYTES) damaged();
  const nameText = utf8Decode(take(nameLength), "group name");
  if (at !== bytes.length) damaged();
  if (hasUnsafeChars(nameText)) fail("malformed", "This invite link's group name has control characters.");
  const link: InviteLink = {
    relays,
    linkPubkey: linkPubkey as PubkeyHex,
    linkSecret,
    name: nameText === "" ? null : nameText,
    expiresAt: expiry === 0 ? null : expiry,
    approval: (flags & FLAG_APPROVAL) !== 0,
  };
  if (!options.ignoreExpiry && isInviteLinkExpired(link, options.now ?? nowSeconds())) {
    fail("expired", "This invite link has expired. Ask the group for a new one.");
  }
  return link;
}

/** True when the link's expiry has passed at `now`. */
export function isInviteLinkExpired(link: InviteLink, now: number = nowSeconds()): boolean {
  return link.expiresAt !== null && now > link.expiresAt;
}
