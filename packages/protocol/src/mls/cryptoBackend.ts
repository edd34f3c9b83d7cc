/**
 * The primitives of MLS ciphersuite 0x0001 (MLS_128_DHKEMX25519_AES128GCM_SHA256_Ed25519, RFC 9420
 * §17.1) that an application message needs — SHA-256, HMAC/HKDF-SHA256 (RFC 5869), AES-128-GCM
 * (RFC 5116) and Ed25519 (RFC 8032) — as a small port a platform can fill with faster code.
 *
 * The protocol package is pure and runs in browsers, so it ships only the portable backend below
 * (@noble for hashes and AES-GCM, WebCrypto for Ed25519). A Node host passes a native one (see
 * `@rally/client`'s `core/nodeCrypto.ts`) through `configureMls({ crypto })`. Every backend must give
 * byte-identical results: Ed25519 is deterministic and AES-GCM/HKDF are functions, so a message sealed
 * by one backend opens under any other, and tests check exactly that.
 *
 * Each method may answer synchronously or with a promise; the engine awaits either.
 */

import { gcm } from "@noble/ciphers/aes.js";
import { ed25519 } from "@noble/curves/ed25519.js";
import { expand, extract } from "@noble/hashes/hkdf.js";
import { hmac } from "@noble/hashes/hmac.js";
import { sha256 } from "@noble/hashes/sha2.js";

export type Awaitable<T> = T | Promise<T>;

/** Native or portable implementations of suite 0x0001's primitives. */
export interface MlsCryptoBackend {
  /** Shown by benchmarks and diagnostics ("portable", "node", …). */
  readonly name: string;
  sha256(data: Uint8Array): Awaitable<Uint8Array>;
  hmacSha256(key: Uint8Array, data: Uint8Array): Awaitable<Uint8Array>;
  /** HKDF-Extract (RFC 5869 §2.2) with SHA-256. */
  hkdfExtract(salt: Uint8Array, ikm: Uint8Array): Awaitable<Uint8Array>;
  /** HKDF-Expand (RFC 5869 §2.3) with SHA-256; `length` ≤ 255·32. */
  hkdfExpand(prk: Uint8Array, info: Uint8Array, length: number): Awaitable<Uint8Array>;
  /** AES-128-GCM seal: returns ciphertext ‖ 16-byte tag. Key 16 bytes, nonce 12 bytes. */
  aesGcmSeal(
    key: Uint8Array,
    nonce: Uint8Array,
    aad: Uint8Array,
    plaintext: Uint8Array,
  ): Awaitable<Uint8Array>;
  /** AES-128-GCM open of ciphertext ‖ tag; throws when the tag does not verify. */
  aesGcmOpen(key: Uint8Array, nonce: Uint8Array, aad: Uint8Array, sealed: Uint8Array): Awaitable<Uint8Array>;
  /** Ed25519 signature (RFC 8032 §5.1.6) with a 32-byte secret seed. */
  ed25519Sign(seed: Uint8Array, message: Uint8Array): Awaitable<Uint8Array>;
  /**
   * Ed25519 verification (RFC 8032 §5.1.7). The engine passes only 32-byte keys and 64-byte
   * signatures; false for anything that does not verify.
   */
  ed25519Verify(publicKey: Uint8Array, message: Uint8Array, signature: Uint8Array): Awaitable<boolean>;
  /**
   * Optional: the same check run off the calling thread (a native thread pool, a worker), answered
   * later. `processBatch` uses it to check a run's signatures while it decrypts the next messages;
   * single messages keep `ed25519Verify`, which avoids the round trip.
   */
  ed25519VerifyOffThread?(
    publicKey: Uint8Array,
    message: Uint8Array,
    signature: Uint8Array,
  ): Promise<boolean>;
}

/** The slice of WebCrypto's SubtleCrypto used here (the package compiles without DOM types). */
export interface SubtleEd25519 {
  importKey(
    format: "raw" | "pkcs8",
    keyData: Uint8Array,
    algorithm: "Ed25519",
    extractable: boolean,
    usages: string[],
  ): Promise<unknown>;
  sign(algorithm: "Ed25519", key: unknown, data: Uint8Array): Promise<ArrayBuffer>;
  verify(algorithm: "Ed25519", key: unknown, signature: Uint8Array, data: Uint8Array): Promise<boolean>;
}

export function constantTimeEqual(a: Uint8Array, b: Uint8Array): boolean {
  if (a.length !== b.length) return false;
  let diff = 0;
  for (let i = 0; i < a.length; i++) diff |= (a[i] ?? 0) ^ (b[i] ?? 0);
  return diff === 0;
}

/** SHA-256, HMAC, HKDF and AES-GCM in @noble: synchronous, no key import, same code everywhere. */
const noblePrimitives = {
  sha256: (data: Uint8Array) => sha256(data),
  hmacSha256: (key: Uint8Array, data: Uint8Array) => hmac(sha256, key, data),
  hkdfExtract: (salt: Uint8Array, ikm: Uint8Array) => extract(sha256, ikm, salt),
  hkdfExpand: (prk: Uint8Array, info: Uint8Array, length: number) => expand(sha256, prk, info, length),
  // A fresh key every message generation (RFC 9420 §9.1), so WebCrypto's key import would be paid
  // on every call; @noble's synchronous GCM is faster than import + encrypt here.
  aesGcmSeal: (key: Uint8Array, nonce: Uint8Array, aad: Uint8Array, plaintext: Uint8Array) =>
    gcm(key, nonce, aad).encrypt(plaintext),
  aesGcmOpen: (key: Uint8Array, nonce: Uint8Array, aad: Uint8Array, sealed: Uint8Array) =>
    gcm(key, nonce, aad).decrypt(sealed),
};

/** Everything in @noble, Ed25519 included (about 20× slower than WebCrypto's; a fallback). */
export const nobleBackend = {
  name: "noble",
  ...noblePrimitives,
  ed25519Sign: (seed: Uint8Array, message: Uint8Array): Uint8Array => ed25519.sign(message, seed),
  ed25519Verify(publicKey: Uint8Array, message: Uint8Array, signature: Uint8Array): boolean {
    try {
      return ed25519.verify(signature, message, publicKey);
    } catch {
      return false;
    }
  },
} satisfies MlsCryptoBackend;

// PKCS#8 wrapping of a 32-byte Ed25519 seed (RFC 8410 §7): WebCrypto imports private keys only so.
const PKCS8_ED25519_PREFIX = Uint8Array.from([
  0x30, 0x2e, 0x02, 0x01, 0x00, 0x30, 0x05, 0x06, 0x03, 0x2b, 0x65, 0x70, 0x04, 0x22, 0x04, 0x20,
]);

function seedToPkcs8(seed: Uint8Array): Uint8Array {
  const out = new Uint8Array(PKCS8_ED25519_PREFIX.length + 32);
  out.set(PKCS8_ED25519_PREFIX);
  out.set(seed, PKCS8_ED25519_PREFIX.length);
  return out;
}

/**
 * @noble primitives with Ed25519 through WebCrypto, imported keys cached per key-bytes object (a
 * WeakMap: no secret is copied into a cache key, and entries go away with the state that held them).
 */
export function webCryptoBackend(subtle: SubtleEd25519): MlsCryptoBackend {
  const signKeys = new WeakMap<Uint8Array, Promise<unknown>>();
  const verifyKeys = new WeakMap<Uint8Array, Promise<unknown>>();
  const signKeyFor = (seed: Uint8Array): Promise<unknown> => {
    let key = signKeys.get(seed);
    if (key === undefined) {
      const pkcs8 = seedToPkcs8(seed);
      key = subtle.importKey("pkcs8", pkcs8, "Ed25519", false, ["sign"]).finally(() => pkcs8.fill(0));
      signKeys.set(seed, key);
    }
    return key;
  };
  const verifyKeyFor = (publicKey: Uint8Array): Promise<unknown> => {
    let key = verifyKeys.get(publicKey);
    if (key === undefined) {
      key = subtle.importKey("raw", publicKey, "Ed25519", false, ["verify"]);
      verifyKeys.set(publicKey, key);
    }
    return key;
  };
  return {
    name: "webcrypto",
    ...noblePrimitives,
    async ed25519Sign(seed, message) {
      return new Uint8Array(await subtle.sign("Ed25519", await signKeyFor(seed), message));
    },
    async ed25519Verify(publicKey, message, signature) {
      try {
        return await subtle.verify("Ed25519", await verifyKeyFor(publicKey), signature, message);
      } catch {
        verifyKeys.delete(publicKey);
        return false;
      }
    },
  };
}

/**
 * Checks a backend against @noble on a fixed vector (sign, verify, refuse a flipped bit), so a
 * platform whose WebCrypto lacks or mangles Ed25519 falls back instead of failing later.
 */
export async function agreesWithNoble(backend: MlsCryptoBackend): Promise<boolean> {
  try {
    const seed = new Uint8Array(32).fill(7);
    const message = Uint8Array.of(1, 2, 3);
    const expected = ed25519.sign(message, seed);
    const sig = await backend.ed25519Sign(seed, message);
    const pub = ed25519.getPublicKey(seed);
    const bad = expected.slice();
    bad[0] = (bad[0] ?? 0) ^ 1;
    return (
      constantTimeEqual(sig, expected) &&
      (await backend.ed25519Verify(pub, message, sig)) &&
      !(await backend.ed25519Verify(pub, message, bad))
    );
  } catch {
    return false;
  }
}

/**
 * The backend for any platform: WebCrypto Ed25519 where it works (Node 20, current browsers),
 * otherwise everything in @noble.
 */
export async function portableBackend(
  options: { nobleSignatures?: boolean } = {},
): Promise<MlsCryptoBackend> {
  const subtle = (globalThis as { crypto?: { subtle?: SubtleEd25519 } }).crypto?.subtle;
  if (options.nobleSignatures || subtle === undefined) return nobleBackend;
  const web = webCryptoBackend(subtle);
  return (await agreesWithNoble(web)) ? web : nobleBackend;
}
