/**
 * Rally's ts-mls `CryptoProvider` for ciphersuite 0x0001
 * (MLS_128_DHKEMX25519_AES128GCM_SHA256_Ed25519, RFC 9420 §17.1), tuned for application messages.
 *
 * ts-mls's default provider goes through WebCrypto for every HMAC, HKDF step and AES-GCM call and
 * re-imports the raw key each time; an application message needs about ten of those, so it runs at
 * a few hundred messages per second. Here:
 * - HKDF, HMAC and SHA-256 run synchronously in @noble/hashes (no promise hop, no key import);
 * - the per-message AEAD (fresh key every generation, so an imported-key cache cannot help) runs in
 *   @noble/ciphers AES-GCM;
 * - Ed25519 runs in WebCrypto (native, about 20x @noble/curves here) with imported keys cached by
 *   the identity of the key bytes (a WeakMap: no secret is copied into a cache key and entries go
 *   away with the state that held them); where WebCrypto lacks Ed25519 it falls back to @noble;
 * - HPKE (welcomes, update paths) keeps ts-mls's @hpke/core implementation, only its AEAD hook
 *   is replaced.
 * Only `globalThis.crypto` and @noble are used, so it runs in Node 20 and in browsers.
 */

import { gcm } from "@noble/ciphers/aes.js";
import { ed25519 } from "@noble/curves/ed25519.js";
import { expand, extract } from "@noble/hashes/hkdf.js";
import { hmac } from "@noble/hashes/hmac.js";
import { sha256 } from "@noble/hashes/sha2.js";
import {
  type CiphersuiteImpl,
  type CryptoProvider,
  ciphersuites,
  defaultCryptoProvider,
  type Hash,
  type Kdf,
  type Rng,
  type Signature,
} from "ts-mls";

/** The one ciphersuite Rally uses (RFC 9420 §17.1, 0x0001). */
export const RALLY_CIPHERSUITE = ciphersuites.MLS_128_DHKEMX25519_AES128GCM_SHA256_Ed25519;

/** The slice of WebCrypto's SubtleCrypto this module uses (the package compiles without DOM types). */
interface SubtleEd25519 {
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

interface PlatformCrypto {
  subtle?: SubtleEd25519;
  getRandomValues<T extends Uint8Array>(array: T): T;
}

function platformCrypto(): PlatformCrypto {
  const c = (globalThis as { crypto?: PlatformCrypto }).crypto;
  if (c === undefined) throw new Error("This platform has no Web Crypto (globalThis.crypto).");
  return c;
}

/** Randomness from the platform CSPRNG. */
export const platformRng: Rng = {
  randomBytes(n: number): Uint8Array {
    return platformCrypto().getRandomValues(new Uint8Array(n));
  },
};

const nobleHash: Hash = {
  async digest(data) {
    return sha256(data);
  },
  async mac(key, data) {
    return hmac(sha256, key, data);
  },
  async verifyMac(key, mac, data) {
    return constantTimeEqual(hmac(sha256, key, data), mac);
  },
};

const nobleKdf: Kdf = {
  async extract(salt, ikm) {
    return extract(sha256, ikm, salt);
  },
  async expand(prk, info, len) {
    return expand(sha256, prk, info, len);
  },
  size: 32,
};

export function constantTimeEqual(a: Uint8Array, b: Uint8Array): boolean {
  if (a.length !== b.length) return false;
  let diff = 0;
  for (let i = 0; i < a.length; i++) diff |= (a[i] ?? 0) ^ (b[i] ?? 0);
  return diff === 0;
}

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

/** Ed25519 in @noble/curves: the reference and the fallback. Sign keys are 32-byte seeds. */
export const nobleEd25519: Signature = {
  async sign(signKey, message) {
    return ed25519.sign(message, toSeed(signKey));
  },
  async verify(publicKey, message, signature) {
    try {
      return ed25519.verify(signature, message, publicKey);
    } catch {
      return false;
    }
  },
  async keygen() {
    const signKey = ed25519.utils.randomSecretKey(platformRng.randomBytes(32));
    return { signKey, publicKey: ed25519.getPublicKey(signKey) };
  },
};

// ts-mls's own WebCrypto key generation returns PKCS#8 sign keys; accept both forms.
function toSeed(signKey: Uint8Array): Uint8Array {
  if (signKey.length === 32) return signKey;
  if (signKey.length === 48) return signKey.subarray(16);
  throw new Error("An Ed25519 signing key is 32 bytes (or 48 in PKCS#8).");
}

/** Ed25519 through WebCrypto with imported keys cached per key-bytes object. */
export function webCryptoEd25519(subtle: SubtleEd25519): Signature {
  const signKeys = new WeakMap<Uint8Array, Promise<unknown>>();
  const verifyKeys = new WeakMap<Uint8Array, Promise<unknown>>();
  const signKeyFor = (signKey: Uint8Array): Promise<unknown> => {
    let key = signKeys.get(signKey);
    if (key === undefined) {
      const pkcs8 = seedToPkcs8(toSeed(signKey));
      key = subtle.importKey("pkcs8", pkcs8, "Ed25519", false, ["sign"]).finally(() => pkcs8.fill(0));
      signKeys.set(signKey, key);
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
    async sign(signKey, message) {
      return new Uint8Array(await subtle.sign("Ed25519", await signKeyFor(signKey), message));
    },
    async verify(publicKey, message, signature) {
      // Malformed keys or signatures are a failed verification, not an exception (noble's rule).
      if (publicKey.length !== 32 || signature.length !== 64) return false;
      try {
        return await subtle.verify("Ed25519", await verifyKeyFor(publicKey), signature, message);
      } catch {
        verifyKeys.delete(publicKey);
        return false;
      }
    },
    keygen: nobleEd25519.keygen,
  };
}

async function webCryptoHasEd25519(subtle: SubtleEd25519 | undefined): Promise<boolean> {
  if (subtle === undefined) return false;
  try {
    const seed = new Uint8Array(32).fill(7);
    const message = Uint8Array.of(1, 2, 3);
    const signer = webCryptoEd25519(subtle);
    // Check agreement with @noble on a fixed vector, so a broken platform falls back.
    const sig = await signer.sign(seed, message);
    return (
      constantTimeEqual(sig, ed25519.sign(message, seed)) &&
      (await signer.verify(ed25519.getPublicKey(seed), message, sig))
    );
  } catch {
    return false;
  }
}

export interface RallyCryptoOptions {
  /** Randomness for MLS (reuse guards, path secrets, group ids). Default: the platform CSPRNG. */
  rng?: Rng;
  /** Force the @noble Ed25519 implementation (tests and benchmarks compare both). */
  nobleSignatures?: boolean;
}

/** Builds Rally's ciphersuite implementation. */
export async function rallyCiphersuite(options: RallyCryptoOptions = {}): Promise<CiphersuiteImpl> {
  const base = await defaultCryptoProvider.getCiphersuiteImpl(RALLY_CIPHERSUITE);
  const subtle = (globalThis as { crypto?: PlatformCrypto }).crypto?.subtle;
  const useWebCrypto =
    !options.nobleSignatures && subtle !== undefined && (await webCryptoHasEd25519(subtle));
  const signature = useWebCrypto && subtle !== undefined ? webCryptoEd25519(subtle) : nobleEd25519;
  return {
    ...base,
    hash: nobleHash,
    kdf: nobleKdf,
    signature,
    rng: options.rng ?? platformRng,
    hpke: {
      ...base.hpke,
      // RFC 9420 §6.3.1 / §6.3.2: AEAD.Seal/Open with a key used once per generation.
      async encryptAead(key, nonce, aad, plaintext) {
        return gcm(key, nonce, aad ?? new Uint8Array(0)).encrypt(plaintext);
      },
      async decryptAead(key, nonce, aad, ciphertext) {
        return gcm(key, nonce, aad ?? new Uint8Array(0)).decrypt(ciphertext);
      },
    },
  };
}

/** A `CryptoProvider` handing out `rallyCiphersuite` for 0x0001 and refusing every other suite. */
export function rallyCryptoProvider(options: RallyCryptoOptions = {}): CryptoProvider {
  let suite: Promise<CiphersuiteImpl> | undefined;
  return {
    getCiphersuiteImpl(id: number): Promise<CiphersuiteImpl> {
      if (id !== RALLY_CIPHERSUITE)
        return Promise.reject(new Error(`Rally only uses ciphersuite 0x0001, not ${id}.`));
      suite ??= rallyCiphersuite(options);
      return suite;
    },
  };
}
