/**
 * Rally's ts-mls `CryptoProvider` for ciphersuite 0x0001
 * (MLS_128_DHKEMX25519_AES128GCM_SHA256_Ed25519, RFC 9420 §17.1), tuned for application messages.
 *
 * ts-mls's default provider goes through WebCrypto for every HMAC, HKDF step and AES-GCM call and
 * re-imports the raw key each time; an application message needs about ten of those, so it runs at
 * a few hundred messages per second. Here the hash, KDF, AEAD and signature hooks run on an
 * `MlsCryptoBackend` (`cryptoBackend.ts`): the portable one by default (@noble, WebCrypto Ed25519
 * with cached keys), or a faster native one the host passes in. HPKE (welcomes, update paths) keeps
 * ts-mls's @hpke/core implementation; only its AEAD hook is replaced.
 */

import { ed25519 } from "@noble/curves/ed25519.js";
import {
  type CiphersuiteImpl,
  CryptoError,
  type CryptoProvider,
  ciphersuites,
  defaultCryptoProvider,
  type Hash,
  type Kdf,
  type Rng,
  type Signature,
} from "ts-mls";
import { constantTimeEqual, type MlsCryptoBackend, nobleBackend, portableBackend } from "./cryptoBackend.ts";

export { constantTimeEqual } from "./cryptoBackend.ts";

/** The one ciphersuite Rally uses (RFC 9420 §17.1, 0x0001). */
export const RALLY_CIPHERSUITE = ciphersuites.MLS_128_DHKEMX25519_AES128GCM_SHA256_Ed25519;

interface PlatformCrypto {
  getRandomValues<T extends Uint8Array>(array: T): T;
}

/** Randomness from the platform CSPRNG. */
export const platformRng: Rng = {
  randomBytes(n: number): Uint8Array {
    const c = (globalThis as { crypto?: PlatformCrypto }).crypto;
    if (c === undefined) throw new Error("This platform has no Web Crypto (globalThis.crypto).");
    return c.getRandomValues(new Uint8Array(n));
  },
};

// ts-mls's own WebCrypto key generation returns PKCS#8 sign keys; accept both forms.
function toSeed(signKey: Uint8Array): Uint8Array {
  if (signKey.length === 32) return signKey;
  if (signKey.length === 48) return signKey.subarray(16);
  throw new Error("An Ed25519 signing key is 32 bytes (or 48 in PKCS#8).");
}

type Verify = MlsCryptoBackend["ed25519Verify"];

/** Malformed keys or signatures are a failed verification, not an exception (noble's rule). */
function guardedVerify(verify: Verify): Signature["verify"] {
  return async (publicKey, message, signature) => {
    if (publicKey.length !== 32 || signature.length !== 64) return false;
    try {
      return (await verify(publicKey, message, signature)) === true;
    } catch {
      return false;
    }
  };
}

// Per ciphersuite built here: the verification to use when many checks may be in flight at once.
const offThreadVerifiers = new WeakMap<CiphersuiteImpl, Signature["verify"]>();

/**
 * The signature check `processBatch` starts without awaiting: the backend's off-thread one when it
 * has one, else the ordinary one (for WebCrypto already asynchronous).
 */
export function batchVerifier(cs: CiphersuiteImpl): Signature["verify"] {
  return offThreadVerifiers.get(cs) ?? cs.signature.verify;
}

function signatureOf(backend: MlsCryptoBackend, rng: Rng): Signature {
  return {
    async sign(signKey, message) {
      return backend.ed25519Sign(toSeed(signKey), message);
    },
    verify: guardedVerify(backend.ed25519Verify),
    async keygen() {
      const signKey = ed25519.utils.randomSecretKey(rng.randomBytes(32));
      return { signKey, publicKey: ed25519.getPublicKey(signKey) };
    },
  };
}

function hashOf(backend: MlsCryptoBackend): Hash {
  return {
    async digest(data) {
      return backend.sha256(data);
    },
    async mac(key, data) {
      return backend.hmacSha256(key, data);
    },
    async verifyMac(key, mac, data) {
      return constantTimeEqual(await backend.hmacSha256(key, data), mac);
    },
  };
}

function kdfOf(backend: MlsCryptoBackend): Kdf {
  return {
    async extract(salt, ikm) {
      return backend.hkdfExtract(salt, ikm);
    },
    async expand(prk, info, len) {
      return backend.hkdfExpand(prk, info, len);
    },
    size: 32,
  };
}

/** The @noble Ed25519 signature hooks (tests and benchmarks compare it with the others). */
export const nobleEd25519: Signature = signatureOf(nobleBackend, platformRng);

export interface RallyCryptoOptions {
  /** Randomness for MLS (reuse guards, path secrets, group ids). Default: the platform CSPRNG. */
  rng?: Rng;
  /** The primitives to run on. Default: `portableBackend()`. */
  backend?: MlsCryptoBackend;
  /** Without a `backend`: force the @noble Ed25519 implementation (tests and benchmarks compare). */
  nobleSignatures?: boolean;
}

const EMPTY = new Uint8Array(0);

/** Builds Rally's ciphersuite implementation. */
export async function rallyCiphersuite(options: RallyCryptoOptions = {}): Promise<CiphersuiteImpl> {
  const base = await defaultCryptoProvider.getCiphersuiteImpl(RALLY_CIPHERSUITE);
  const backend =
    options.backend ?? (await portableBackend(options.nobleSignatures ? { nobleSignatures: true } : {}));
  const rng = options.rng ?? platformRng;
  const cs: CiphersuiteImpl = {
    ...base,
    hash: hashOf(backend),
    kdf: kdfOf(backend),
    signature: signatureOf(backend, rng),
    rng,
    hpke: {
      ...base.hpke,
      // RFC 9420 §6.3.1 / §6.3.2: AEAD.Seal/Open with a key used once per generation.
      async encryptAead(key, nonce, aad, plaintext) {
        return backend.aesGcmSeal(key, nonce, aad ?? EMPTY, plaintext);
      },
      async decryptAead(key, nonce, aad, ciphertext) {
        try {
          return await backend.aesGcmOpen(key, nonce, aad ?? EMPTY, ciphertext);
        } catch (e) {
          // As ts-mls's own provider does: a failed open is a CryptoError, whatever the backend threw.
          throw new CryptoError(`AEAD open failed: ${e instanceof Error ? e.message : String(e)}`);
        }
      },
    },
  };
  const offThread = backend.ed25519VerifyOffThread;
  if (offThread) offThreadVerifiers.set(cs, guardedVerify(offThread.bind(backend)));
  return cs;
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
