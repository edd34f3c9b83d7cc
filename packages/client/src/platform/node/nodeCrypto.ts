/**
 * The MLS crypto backend for Node (`MlsCryptoBackend` of `@rally/protocol`, ciphersuite 0x0001):
 * SHA-256, HMAC/HKDF-SHA256 (RFC 5869), AES-128-GCM and Ed25519 (RFC 8032) in node:crypto, i.e.
 * OpenSSL. It gives the same bytes as the portable backend (tests check both directions) but skips
 * what makes the portable one slow in Node: no WebCrypto promise per call, no key import per call
 * (Ed25519 keys are turned into KeyObjects once and cached), native AES-GCM and HMAC.
 *
 * A single message's Ed25519 check runs on the calling thread (no round trip); `processBatch` uses
 * `ed25519VerifyOffThread`, which runs on libuv's thread pool, so the main thread decrypts the next
 * messages while earlier signatures are checked on the other cores.
 *
 * Runs in: Node only (the browser keeps the portable backend).
 */

import {
  createCipheriv,
  createDecipheriv,
  createHash,
  createHmac,
  createPrivateKey,
  createPublicKey,
  type KeyObject,
  sign,
  verify,
} from "node:crypto";
import type { MlsCryptoBackend } from "@rally/protocol/mls";

export interface NodeCryptoOptions {
  /** `false`: no thread-pool checks, batches verify on the calling thread too. Default true. */
  offThread?: boolean;
  /** Verification keys kept imported (public keys only; a group member's key is reused per message). */
  verifyKeyCacheSize?: number;
}

const SHA256_LEN = 32;
const GCM_TAG_LEN = 16;
// PKCS#8 wrapping of a 32-byte Ed25519 seed (RFC 8410 §7).
const PKCS8_ED25519_PREFIX = Buffer.from("302e020100300506032b657004220420", "hex");

/**
 * A Buffer's bytes as a plain Uint8Array (callers compare and encode plain arrays). A Buffer that
 * owns its memory is wrapped without a copy; one that is a slice of Node's shared pool is copied,
 * so no secret ever sits in an ArrayBuffer that holds other data.
 */
function plain(b: Buffer): Uint8Array {
  if (b.byteOffset === 0 && b.buffer.byteLength === b.byteLength)
    return new Uint8Array(b.buffer, 0, b.byteLength);
  return new Uint8Array(b);
}

function hmacSha256(key: Uint8Array, data: Uint8Array): Uint8Array {
  return plain(createHmac("sha256", key).update(data).digest());
}

/** RFC 5869 §2.3: T(i) = HMAC(PRK, T(i-1) ‖ info ‖ i), output the first `length` bytes. */
function hkdfExpand(prk: Uint8Array, info: Uint8Array, length: number): Uint8Array {
  if (!Number.isInteger(length) || length < 0 || length > 255 * SHA256_LEN)
    throw new RangeError("HKDF-Expand length must be 0 to 8160 bytes.");
  const blocks = Math.ceil(length / SHA256_LEN);
  if (blocks <= 1) {
    const t = createHmac("sha256", prk).update(info).update(Uint8Array.of(1)).digest();
    return plain(t.subarray(0, length));
  }
  const out = new Uint8Array(blocks * SHA256_LEN);
  let prev = new Uint8Array(0);
  for (let i = 1; i <= blocks; i++) {
    const t = createHmac("sha256", prk).update(prev).update(info).update(Uint8Array.of(i)).digest();
    out.set(t, (i - 1) * SHA256_LEN);
    prev = t;
  }
  return out.slice(0, length);
}

function aesGcmSeal(key: Uint8Array, nonce: Uint8Array, aad: Uint8Array, plaintext: Uint8Array): Uint8Array {
  const c = createCipheriv("aes-128-gcm", key, nonce, { authTagLength: GCM_TAG_LEN });
  c.setAAD(aad);
  const head = c.update(plaintext);
  const tail = c.final();
  const out = new Uint8Array(head.length + tail.length + GCM_TAG_LEN);
  out.set(head);
  out.set(tail, head.length);
  out.set(c.getAuthTag(), head.length + tail.length);
  return out;
}

function aesGcmOpen(key: Uint8Array, nonce: Uint8Array, aad: Uint8Array, sealed: Uint8Array): Uint8Array {
  if (sealed.length < GCM_TAG_LEN) throw new Error("AES-GCM ciphertext shorter than its tag.");
  const d = createDecipheriv("aes-128-gcm", key, nonce, { authTagLength: GCM_TAG_LEN });
  d.setAAD(aad);
  d.setAuthTag(sealed.subarray(sealed.length - GCM_TAG_LEN));
  const head = d.update(sealed.subarray(0, sealed.length - GCM_TAG_LEN));
  // final() throws when the tag does not verify; nothing is returned before that.
  const tail = d.final();
  if (tail.length === 0) return plain(head);
  const out = new Uint8Array(head.length + tail.length);
  out.set(head);
  out.set(tail, head.length);
  return out;
}

const b64url = (bytes: Uint8Array): string => Buffer.from(bytes).toString("base64url");

/** The Node backend. One per process is enough; it holds only caches of imported keys. */
export function nodeCryptoBackend(options: NodeCryptoOptions = {}): MlsCryptoBackend {
  const cacheSize = options.verifyKeyCacheSize ?? 20_000;
  // Public keys by content (they are not secret, and states restored from storage carry new arrays).
  const verifyKeys = new Map<string, KeyObject>();
  // Secret seeds by object identity only: no copy of a secret becomes a cache key, and the entry
  // goes away with the device identity that holds the seed.
  const signKeys = new WeakMap<Uint8Array, KeyObject>();

  const verifyKey = (publicKey: Uint8Array): KeyObject => {
    const id = Buffer.from(publicKey).toString("latin1");
    let key = verifyKeys.get(id);
    if (key === undefined) {
      // JWK import: an order of magnitude cheaper here than parsing an SPKI DER wrapper.
      key = createPublicKey({ key: { kty: "OKP", crv: "Ed25519", x: b64url(publicKey) }, format: "jwk" });
      if (verifyKeys.size >= cacheSize) verifyKeys.delete(verifyKeys.keys().next().value as string);
      verifyKeys.set(id, key);
    }
    return key;
  };
  const signKey = (seed: Uint8Array): KeyObject => {
    let key = signKeys.get(seed);
    if (key === undefined) {
      if (seed.length !== 32) throw new Error("An Ed25519 seed is 32 bytes.");
      // The JWK needs the public half too; OpenSSL derives it from the seed when given PKCS#8.
      const der = Buffer.concat([PKCS8_ED25519_PREFIX, seed]);
      try {
        key = createPrivateKey({ key: der, format: "der", type: "pkcs8" });
      } finally {
        der.fill(0);
      }
      signKeys.set(seed, key);
    }
    return key;
  };

  const verifySync = (publicKey: Uint8Array, message: Uint8Array, signature: Uint8Array): boolean => {
    if (publicKey.length !== 32 || signature.length !== 64) return false;
    try {
      return verify(null, message, verifyKey(publicKey), signature);
    } catch {
      return false;
    }
  };
  const verifyPooled = (
    publicKey: Uint8Array,
    message: Uint8Array,
    signature: Uint8Array,
  ): Promise<boolean> => {
    if (publicKey.length !== 32 || signature.length !== 64) return Promise.resolve(false);
    let key: KeyObject;
    try {
      key = verifyKey(publicKey);
    } catch {
      return Promise.resolve(false);
    }
    return new Promise((resolve) => {
      try {
        verify(null, message, key, signature, (err, ok) => resolve(err === null && ok));
      } catch {
        resolve(false);
      }
    });
  };

  return {
    name: options.offThread === false ? "node (no thread pool)" : "node",
    sha256: (data) => plain(createHash("sha256").update(data).digest()),
    hmacSha256,
    hkdfExtract: (salt, ikm) => hmacSha256(salt, ikm),
    hkdfExpand,
    aesGcmSeal,
    aesGcmOpen,
    ed25519Sign: (seed, message) => plain(sign(null, message, signKey(seed))),
    ed25519Verify: verifySync,
    ...(options.offThread === false ? {} : { ed25519VerifyOffThread: verifyPooled }),
  };
}
