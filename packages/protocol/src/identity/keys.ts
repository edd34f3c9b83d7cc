/**
 * A person's Nostr identity: a secp256k1 secret key (BIP-340 Schnorr, NIP-01), its x-only public
 * key as lowercase hex, and the NIP-19 `npub`/`nsec` spellings. Parsing is strict and every
 * refusal is an `IdentityError` in plain words. Built on `nostr-tools` (pure, nip19) and
 * `@noble/curves`; nothing here touches the network, the disk or the clock. Signing, verifying and
 * the key checks they need are the nostr layer's (`nostr/sign.ts`).
 */

import { randomBytes } from "@noble/hashes/utils.js";
import * as nip19 from "nostr-tools/nip19";
import { getPublicKey } from "nostr-tools/pure";
import type { PubkeyHex } from "../nostr/event.ts";
import { isSecretKey, isValidPubkey } from "../nostr/sign.ts";
import { IdentityError } from "./errors.ts";

export type { PubkeyHex };
/** NIP-19 bech32 spelling of a pubkey. */
export type Npub = `npub1${string}`;

export interface Person {
  /** 32 bytes. Keep it out of logs and errors; zero it (`secretKey.fill(0)`) when done. */
  secretKey: Uint8Array;
  pubkey: PubkeyHex;
  npub: Npub;
}

/**
 * True when `text` is lowercase 64-hex and a valid x-only point (BIP-340 `lift_x` succeeds): the
 * nostr layer's `isValidPubkey`, under the name identity callers know.
 */
export const isPubkeyHex: (text: unknown) => text is PubkeyHex = isValidPubkey;

export { isSecretKey };

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
