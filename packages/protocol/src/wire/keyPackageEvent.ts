/**
 * Key package events (Marmot kind 30443; docs/PROTOCOL.md "Key packages"): a person's device
 * publishes one MLS KeyPackage per `d` slot, signed by the person's Nostr key, so anyone may add
 * them to a group while they are offline. Addressable: a new key package in the same slot replaces
 * the old one on relays.
 *
 *   content = base64(MLSMessage bytes of the KeyPackage)
 *   tags    = ["d", 64-hex slot id]            random per device slot, never derived from keys
 *             ["encoding", "base64"]
 *             ["mls_protocol_version", "1.0"]
 *             ["mls_ciphersuite", "0x0001"]
 *             ["mls_extensions", "0x…", …]     non-default extension types the leaf supports
 *             ["relays", url, …]               where this event is published (for later deletion)
 *             ["i", 64-hex KeyPackageRef]      optional
 *             ["-"]                            NIP-70: only the author may publish it (default on)
 */

import { bytesToHex, randomBytes } from "@noble/hashes/utils.js";
import type { EventTemplate, PubkeyHex } from "../nostr/event.ts";
import { nowSeconds } from "../nostr/time.ts";
import { decodeBase64, encodeBase64, isHex64 } from "./bytes.ts";
import { fail } from "./errors.ts";
import {
  checkSignedEvent,
  defaultVerify,
  listTag,
  optionalValueTag,
  singleValueTag,
  tagsNamed,
  type VerifyEvent,
} from "./eventShape.ts";
import { KIND_KEY_PACKAGE } from "./kinds.ts";
import { checkRelayList, normalizeRelayList, type RelayUrl } from "./relayUrl.ts";

/** A KeyPackage with a basic credential and a few extensions is well under 1 KiB; 16 KiB is generous. */
export const MAX_KEY_PACKAGE_BYTES = 16_384;
export const MLS_PROTOCOL_VERSION = "1.0";
/** MLS_128_DHKEMX25519_AES128GCM_SHA256_Ed25519 (RFC 9420 §17.1). */
export const DEFAULT_CIPHERSUITE = 0x0001;
const MAX_RELAYS = 16;
const WHAT = "key package event";
const ID16 = /^0x[0-9a-f]{4}$/;

/** `0x0001` form of a 16-bit MLS id. */
export function formatMlsId(id: number): string {
  if (!Number.isInteger(id) || id < 0 || id > 0xffff) fail("bad-parameter", "An MLS id must be 0 to 65535.");
  return `0x${id.toString(16).padStart(4, "0")}`;
}

function parseMlsId(text: string): number {
  if (!ID16.test(text))
    fail("bad-tag", `The ${WHAT} has an MLS id not written as 0x followed by 4 hex digits.`);
  return Number.parseInt(text.slice(2), 16);
}

/** A new random slot id (`d` tag) for one device's key package. */
export function newKeyPackageSlot(random: (n: number) => Uint8Array = randomBytes): string {
  return bytesToHex(random(32));
}

export interface KeyPackageEventInput {
  /** Serialised MLSMessage holding the public KeyPackage. */
  keyPackage: Uint8Array;
  /** The device's slot (`newKeyPackageSlot()`, kept by the device and reused on rotation). */
  slot: string;
  ciphersuite?: number;
  /** Non-default MLS extension types the key package's leaf lists in its capabilities. */
  extensions: readonly number[];
  /** Relays this event is published to. */
  relays: readonly string[];
  /** KeyPackageRef (RFC 9420 §5.2), as bytes or hex. */
  ref?: Uint8Array | string;
  /** Add NIP-70's `-` tag (default true). */
  protected?: boolean;
  now?: number;
}

/** The unsigned event; sign it with the person's key (`signEvent`). */
export function buildKeyPackageEvent(input: KeyPackageEventInput): EventTemplate {
  if (!(input.keyPackage instanceof Uint8Array) || input.keyPackage.length === 0) {
    return fail("bad-parameter", "The key package is empty.");
  }
  if (input.keyPackage.length > MAX_KEY_PACKAGE_BYTES) {
    return fail("too-large", `A key package may be at most ${MAX_KEY_PACKAGE_BYTES} bytes.`);
  }
  if (!isHex64(input.slot))
    return fail("bad-parameter", "The key package slot must be 64 lowercase hex characters.");
  const extensions = [...new Set(input.extensions.map(formatMlsId))];
  if (extensions.length === 0)
    return fail("bad-parameter", "List at least one MLS extension (Rally's group data).");
  const relays = normalizeRelayList(input.relays, "key package's relay list", 1, MAX_RELAYS);
  const tags: string[][] = [
    ["d", input.slot],
    ["encoding", "base64"],
    ["mls_protocol_version", MLS_PROTOCOL_VERSION],
    ["mls_ciphersuite", formatMlsId(input.ciphersuite ?? DEFAULT_CIPHERSUITE)],
    ["mls_extensions", ...extensions],
    ["relays", ...relays],
  ];
  if (input.ref !== undefined) {
    const ref = typeof input.ref === "string" ? input.ref : bytesToHex(input.ref);
    if (!isHex64(ref)) return fail("bad-parameter", "A KeyPackageRef must be 32 bytes.");
    tags.push(["i", ref]);
  }
  if (input.protected !== false) tags.push(["-"]);
  return {
    kind: KIND_KEY_PACKAGE,
    created_at: input.now ?? nowSeconds(),
    tags,
    content: encodeBase64(input.keyPackage),
  };
}

export interface ReceivedKeyPackage {
  eventId: string;
  author: PubkeyHex;
  slot: string;
  keyPackage: Uint8Array;
  ciphersuite: number;
  extensions: number[];
  relays: RelayUrl[];
  ref: string | null;
  protected: boolean;
  createdAt: number;
}

/** Checks a received kind 30443 event (shape, signature, tags, content) and reads it. */
export function parseKeyPackageEvent(
  event: unknown,
  options: { verify?: VerifyEvent } = {},
): ReceivedKeyPackage {
  const raw = (typeof event === "object" && event !== null ? event : {}) as Record<string, unknown>;
  if (typeof raw.content === "string") decodeBase64(raw.content, MAX_KEY_PACKAGE_BYTES, "key package");
  const e = checkSignedEvent(event, KIND_KEY_PACKAGE, WHAT, options.verify ?? defaultVerify);
  const slot = singleValueTag(e.tags, "d", WHAT);
  if (!isHex64(slot)) fail("bad-tag", `The ${WHAT}'s slot ("d") must be 64 lowercase hex characters.`);
  const version = singleValueTag(e.tags, "mls_protocol_version", WHAT);
  if (version !== MLS_PROTOCOL_VERSION)
    fail("bad-tag", `The ${WHAT} is for MLS version ${version}, not 1.0.`);
  const encoding = optionalValueTag(e.tags, "encoding", WHAT);
  if (encoding !== undefined && encoding !== "base64")
    fail("bad-encoding", `The ${WHAT} uses an unknown encoding.`);
  const ciphersuite = parseMlsId(singleValueTag(e.tags, "mls_ciphersuite", WHAT));
  const extensions = listTag(e.tags, "mls_extensions", WHAT).map(parseMlsId);
  const relays = checkRelayList(listTag(e.tags, "relays", WHAT), "key package's relay list", 1, MAX_RELAYS);
  const ref = optionalValueTag(e.tags, "i", WHAT) ?? null;
  if (ref !== null && !isHex64(ref))
    fail("bad-tag", `The ${WHAT}'s KeyPackageRef ("i") must be 64 hex characters.`);
  const dash = tagsNamed(e.tags, "-");
  if (dash.some((t) => t.length !== 1) || dash.length > 1)
    fail("bad-tag", `The ${WHAT}'s "-" tag must stand alone.`);
  const keyPackage = decodeBase64(e.content, MAX_KEY_PACKAGE_BYTES, "key package");
  if (keyPackage.length === 0) fail("malformed", `The ${WHAT} holds no key package.`);
  return {
    eventId: e.id,
    author: e.pubkey as PubkeyHex,
    slot,
    keyPackage,
    ciphersuite,
    extensions,
    relays,
    ref,
    protected: dash.length === 1,
    createdAt: e.created_at,
  };
}

/** The relay filter that finds people's key packages. */
export function keyPackageFilter(authors: readonly string[]): { kinds: number[]; authors: string[] } {
  return { kinds: [KIND_KEY_PACKAGE], authors: [...authors] };
}
