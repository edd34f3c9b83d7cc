/**
 * A person's Nostr identity: a secp256k1 secret key (BIP-340 Schnorr, NIP-01), its x-only public
 * key as lowercase hex, and the NIP-19 `npub`/`nsec` spellings. Parsing is strict and every
 * refusal is an `IdentityError` in plain words. Built on `nostr-tools` (pure, nip19) and
 * `@noble/curves`; nothing here touches the network, the disk or the clock.
 */

import { secp256k1 } from "@noble/curves/secp256k1.js";
import { bytesToHex, randomBytes } from "@noble/hashes/utils.js";
import * as nip19 from "nostr-tools/nip19";
import {
  type EventTemplate,
  finalizeEvent,
  getPublicKey,
  type NostrEvent,
  verifyEvent,
} from "nostr-tools/pure";
import { IdentityError } from "./errors.ts";

/** Lowercase hex of a 32-byte x-only public key that is a point on secp256k1. */
export type PubkeyHex = string & { readonly __brand: "PubkeyHex" };
/** NIP-19 bech32 spelling of a pubkey. */
export type Npub = `npub1${string}`;

export interface Person {
  /** 32 bytes. Keep it out of logs and errors; zero it (`secretKey.fill(0)`) when done. */
  secretKey: Uint8Array;
  pubkey: PubkeyHex;
  npub: Npub;
}

const HEX64 = /^[0-9a-f]{64}$/;

/** True when `text` is lowercase 64-hex and a valid x-only point (BIP-340 `lift_x` succeeds). */
export function isPubkeyHex(text: unknown): text is PubkeyHex {
  if (typeof text !== "string" || !HEX64.test(text)) return false;
  try {
    // BIP-340: an x-only key is valid iff lift_x(x) exists, i.e. the even-y point 02‖x is on the curve.
    secp256k1.Point.fromHex(`02${text}`);
    return true;
  } catch {
    return false;
  }
}

/** True when `key` is 32 bytes with 0 < key < n. */
export function isSecretKey(key: unknown): key is Uint8Array {
  return key instanceof Uint8Array && key.length === 32 && secp256k1.utils.isValidSecretKey(key);
}

function assertSecretKey(key: Uint8Array): void {
  if (!isSecretKey(key)) {
    throw new IdentityError(
      "bad-secret-key",
      "This is not a usable secret key: it must be 32 bytes on secp256k1.",
    );
  }
}

/** A fresh secret key from `random` (default: the platform CSPRNG), retried until valid. */
export function generateSecretKey(random: (n: number) => Uint8Array = randomBytes): Uint8Array {
  // A uniformly random 32-byte string is out of range with probability ~2^-128; loop rather than bias.
  for (let i = 0; i < 8; i++) {
    const key = random(32);
    if (isSecretKey(key)) return key;
  }
  throw new IdentityError("bad-secret-key", "The random source keeps producing unusable keys.");
}

/** The person a secret key stands for. The returned `secretKey` is a copy of the input. */
export function personFromSecretKey(secretKey: Uint8Array): Person {
  assertSecretKey(secretKey);
  const pubkey = getPublicKey(secretKey) as PubkeyHex;
  return { secretKey: Uint8Array.from(secretKey), pubkey, npub: nip19.npubEncode(pubkey) };
}

/** A new person with a random key (no recovery words; see `createPerson` for that). */
export function generatePerson(random?: (n: number) => Uint8Array): Person {
  return personFromSecretKey(generateSecretKey(random));
}

/** NIP-19 `npub1…` of a hex pubkey. */
export function npubEncode(pubkey: string): Npub {
  if (!isPubkeyHex(pubkey)) throw new IdentityError("bad-pubkey", "This is not a valid public key.");
  return nip19.npubEncode(pubkey);
}

/** NIP-19 `nsec1…` of a secret key (for the "advanced" export only). */
export function nsecEncode(secretKey: Uint8Array): `nsec1${string}` {
  assertSecretKey(secretKey);
  return nip19.nsecEncode(secretKey);
}

function stripNostrUri(text: string): string {
  const t = text.trim();
  return t.toLowerCase().startsWith("nostr:") ? t.slice(6) : t;
}

/**
 * Parses how people write someone's key: `npub1…`, `nprofile1…`, `nostr:` URIs of those (NIP-21),
 * or 64 hex characters (either case). Returns the canonical lowercase hex.
 */
export function parsePubkey(text: string): PubkeyHex {
  if (typeof text !== "string") throw new IdentityError("bad-pubkey", "A public key must be text.");
  const t = stripNostrUri(text);
  if (/^[0-9a-fA-F]{64}$/.test(t)) {
    const hex = t.toLowerCase();
    if (isPubkeyHex(hex)) return hex;
    throw new IdentityError("bad-pubkey", "These 64 hex characters are not a valid public key.");
  }
  const lower = t.toLowerCase();
  if (lower.startsWith("npub1") || lower.startsWith("nprofile1")) {
    let decoded: ReturnType<typeof nip19.decode>;
    try {
      decoded = nip19.decode(t);
    } catch {
      throw new IdentityError("bad-pubkey", "This npub is damaged: check that it was copied completely.");
    }
    const hex =
      decoded.type === "npub" ? decoded.data : decoded.type === "nprofile" ? decoded.data.pubkey : "";
    if (isPubkeyHex(hex)) return hex;
    throw new IdentityError("bad-pubkey", "This npub does not hold a valid public key.");
  }
  if (lower.startsWith("nsec1")) {
    // Never echo it back: someone pasted a secret where a public key was expected.
    throw new IdentityError("bad-pubkey", "This is a secret key (nsec), not a public key. Do not share it.");
  }
  throw new IdentityError("bad-pubkey", "This is not a public key: expected an npub or 64 hex characters.");
}

/** Parses a secret key written as `nsec1…` or 64 hex characters. */
export function parseSecretKey(text: string): Uint8Array {
  if (typeof text !== "string") throw new IdentityError("bad-secret-key", "A secret key must be text.");
  const t = stripNostrUri(text);
  let key: Uint8Array | undefined;
  if (/^[0-9a-fA-F]{64}$/.test(t)) {
    key = new Uint8Array(32);
    for (let i = 0; i < 32; i++) key[i] = Number.parseInt(t.slice(2 * i, 2 * i + 2), 16);
  } else if (t.toLowerCase().startsWith("nsec1")) {
    try {
      const decoded = nip19.decode(t);
      if (decoded.type === "nsec") key = decoded.data;
    } catch {
      throw new IdentityError("bad-secret-key", "This nsec is damaged: check that it was copied completely.");
    }
  }
  if (!key)
    throw new IdentityError(
      "bad-secret-key",
      "This is not a secret key: expected an nsec or 64 hex characters.",
    );
  assertSecretKey(key);
  return key;
}

/**
 * Signs an event template (NIP-01: id = sha256 of the canonical serialisation, BIP-340 signature).
 * The template is copied, never mutated.
 */
export function signEvent(template: EventTemplate, secretKey: Uint8Array): NostrEvent {
  assertSecretKey(secretKey);
  const copy: EventTemplate = {
    kind: template.kind,
    created_at: template.created_at,
    tags: template.tags.map((t) => [...t]),
    content: template.content,
  };
  const signed = finalizeEvent(copy, secretKey);
  return {
    id: signed.id,
    pubkey: signed.pubkey,
    created_at: signed.created_at,
    kind: signed.kind,
    tags: signed.tags,
    content: signed.content,
    sig: signed.sig,
  };
}

/**
 * NIP-01 check of an event's id and signature. The check always runs on a fresh copy of the seven
 * fields, because nostr-tools caches a "verified" mark on event objects and a caller's object may
 * carry a stale one.
 */
export function verifyEventSignature(event: NostrEvent): boolean {
  if (typeof event !== "object" || event === null) return false;
  return verifyEvent({
    id: event.id,
    pubkey: event.pubkey,
    created_at: event.created_at,
    kind: event.kind,
    tags: event.tags,
    content: event.content,
    sig: event.sig,
  });
}

/** Lowercase hex of bytes (re-exported so callers need not reach into @noble). */
export const toHex = bytesToHex;

/** Unix seconds now: the default for every `now` parameter of this package. */
export const nowSeconds = (): number => Math.floor(Date.now() / 1000);
