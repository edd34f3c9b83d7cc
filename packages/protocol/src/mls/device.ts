/**
 * A device's MLS identity (Marmot MIP-00 "Signing keys", with the binding of `credential.ts`):
 * an Ed25519 signature key pair for ciphersuite 0x0001 plus the person's Nostr signature binding it.
 * One per device, reused across its key packages and groups; the binding is made once.
 */

import { ed25519 } from "@noble/curves/ed25519.js";
import type { NostrEvent, PubkeyHex } from "../nostr/event.ts";
import {
  bindingFromSignedEvent,
  type DeviceBinding,
  decodeCredentialData,
  encodeCredentialData,
  signDeviceBinding,
  verifyDeviceBinding,
} from "./credential.ts";
import { platformRng } from "./cryptoProvider.ts";
import { fail } from "./errors.ts";
import { TlsReader, TlsWriter } from "./tls.ts";

export interface DeviceIdentity {
  /** The person (Nostr x-only pubkey, hex). */
  pubkey: PubkeyHex;
  /** Ed25519 public key the device signs MLS messages with (32 bytes). */
  signaturePublicKey: Uint8Array;
  /** Ed25519 seed (32 bytes). Secret: never log or send it. */
  signaturePrivateKey: Uint8Array;
  /** The person's signature binding the two. */
  binding: DeviceBinding;
}

/** A fresh Ed25519 key pair for a device, from `random` (default: the platform CSPRNG). */
export function generateDeviceKeyPair(random: (n: number) => Uint8Array = platformRng.randomBytes): {
  signaturePublicKey: Uint8Array;
  signaturePrivateKey: Uint8Array;
} {
  const seed = random(32);
  if (seed.length !== 32) fail("bad-parameter", "The random source returned the wrong number of bytes.");
  return { signaturePrivateKey: seed, signaturePublicKey: ed25519.getPublicKey(seed) };
}

/** A new device identity signed by the person's Nostr secret key. */
export function createDeviceIdentity(
  nostrSecretKey: Uint8Array,
  options: { random?: (n: number) => Uint8Array } = {},
): DeviceIdentity {
  const keys = generateDeviceKeyPair(options.random);
  const binding = signDeviceBinding(nostrSecretKey, keys.signaturePublicKey);
  return { pubkey: binding.pubkey, binding, ...keys };
}

/**
 * A device identity whose binding event (`deviceBindingTemplate(signaturePublicKey)`) was signed
 * by an external Nostr signer. Refuses a binding that does not verify.
 */
export function deviceIdentityFromSignedBinding(
  keys: { signaturePublicKey: Uint8Array; signaturePrivateKey: Uint8Array },
  signedBinding: NostrEvent,
): DeviceIdentity {
  const binding = bindingFromSignedEvent(signedBinding, keys.signaturePublicKey);
  if (!verifyDeviceBinding(binding, keys.signaturePublicKey)) {
    fail("bad-credential", "The device binding's signature does not verify.");
  }
  return { pubkey: binding.pubkey, binding, ...keys };
}

const DEVICE_VERSION = 1;

/** Bytes to keep a device identity (contains the secret key: store it encrypted). */
export function encodeDeviceIdentity(device: DeviceIdentity): Uint8Array {
  return new TlsWriter()
    .uint8(DEVICE_VERSION)
    .fixed(device.signaturePrivateKey)
    .fixed(encodeCredentialData(device.binding))
    .finish();
}

/** Restores a device identity; checks the key pair matches and the binding verifies. */
export function decodeDeviceIdentity(bytes: Uint8Array): DeviceIdentity {
  const r = new TlsReader(bytes, "saved device identity");
  if (r.uint8() !== DEVICE_VERSION) fail("malformed", "This saved device identity has an unknown version.");
  const signaturePrivateKey = r.fixed(32);
  const binding = decodeCredentialData(r.fixed(97));
  r.end();
  const signaturePublicKey = ed25519.getPublicKey(signaturePrivateKey);
  if (!verifyDeviceBinding(binding, signaturePublicKey)) {
    fail("bad-credential", "This saved device identity's binding does not verify.");
  }
  return { pubkey: binding.pubkey, binding, signaturePrivateKey, signaturePublicKey };
}
