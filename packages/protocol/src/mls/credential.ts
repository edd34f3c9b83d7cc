/**
 * Rally's MLS credential: binds a device's MLS signature key (Ed25519, ciphersuite 0x0001) to a
 * person's Nostr key (32-byte x-only secp256k1, NIP-01) — our form of Marmot MIP-00's credential,
 * made verifiable by every member instead of trusted.
 *
 * The binding is a NIP-01 event signature, so any Nostr signer (a local key, a NIP-07 extension,
 * a NIP-46 remote signer) can produce it:
 *
 *   binding event = { pubkey, created_at: 0, kind: 24443, tags: [], content: "rally/v1 mls device " ‖ hex(mls signature public key) }
 *   credential    = custom credential type 0xF2A0 (RFC 9420 §5.3, private-use range), data =
 *                   version (0x01) ‖ pubkey[32] ‖ sig[64]        — exactly 97 bytes
 *
 * The kind is in NIP-01's ephemeral range and the content starts with a fixed label, so a binding
 * is never a meaningful event elsewhere (domain separation). `rallyAuthenticationService` replaces
 * ts-mls's accept-everything default: ts-mls asks it about every leaf (key packages in Adds, update
 * paths, every leaf of a ratchet tree on join), so nobody can join or commit as someone else.
 */

import { finalizeEvent, getEventHash } from "nostr-tools/pure";
import type { AuthenticationService, Credential } from "ts-mls";
import { type EventId, isPubkeyHex, type NostrEvent, type PubkeyHex, type SigHex } from "../nostr/event.ts";
import { KIND_DEVICE_BINDING } from "../nostr/kinds.ts";
import { type EventVerifier, jsVerifier, loadVerifier } from "../nostr/verify.ts";
import { bytesToHex, hexToBytes } from "./bytes.ts";
import { fail } from "./errors.ts";

/** Custom credential type (RFC 9420 §17.5: 0xF000–0xFFFF is for private use). */
export const RALLY_CREDENTIAL_TYPE = 0xf2a0;
/** Nostr kind of the (never published) binding event (the one kinds table, nostr/kinds.ts). */
export { KIND_DEVICE_BINDING };
/** Domain-separation label at the start of the binding event's content. */
export const DEVICE_BINDING_LABEL = "rally/v1 mls device ";

const CREDENTIAL_VERSION = 1;
const CREDENTIAL_LENGTH = 1 + 32 + 64;

/** What a Rally credential says: this Nostr person vouches for this MLS signature key. */
export interface DeviceBinding {
  pubkey: PubkeyHex;
  /** 64-byte BIP-340 signature of the binding event's id by `pubkey`. */
  sig: Uint8Array;
}

/** The unsigned binding event for a signature key: give it to any Nostr signer. */
export function deviceBindingTemplate(signaturePublicKey: Uint8Array): {
  kind: number;
  created_at: number;
  tags: string[][];
  content: string;
} {
  if (signaturePublicKey.length !== 32) fail("bad-parameter", "An MLS signature public key is 32 bytes.");
  return {
    kind: KIND_DEVICE_BINDING,
    created_at: 0,
    tags: [],
    content: DEVICE_BINDING_LABEL + bytesToHex(signaturePublicKey),
  };
}

/** Signs the binding with the person's Nostr secret key (BIP-340 through nostr-tools). */
export function signDeviceBinding(nostrSecretKey: Uint8Array, signaturePublicKey: Uint8Array): DeviceBinding {
  const event = finalizeEvent(deviceBindingTemplate(signaturePublicKey), nostrSecretKey);
  return { pubkey: event.pubkey as PubkeyHex, sig: hexToBytes(event.sig) };
}

/** Accepts a binding event signed elsewhere (e.g. by a NIP-46 signer) after checking its shape. */
export function bindingFromSignedEvent(event: NostrEvent, signaturePublicKey: Uint8Array): DeviceBinding {
  const template = deviceBindingTemplate(signaturePublicKey);
  if (
    event.kind !== template.kind ||
    event.created_at !== 0 ||
    event.tags.length !== 0 ||
    event.content !== template.content ||
    !isPubkeyHex(event.pubkey) ||
    !/^[0-9a-f]{128}$/.test(event.sig)
  ) {
    fail("bad-credential", "This is not a device binding for this signature key.");
  }
  return { pubkey: event.pubkey, sig: hexToBytes(event.sig) };
}

/** The binding event a credential stands for (id recomputed, so a verifier checks both). */
export function bindingEvent(binding: DeviceBinding, signaturePublicKey: Uint8Array): NostrEvent {
  const unsigned = { ...deviceBindingTemplate(signaturePublicKey), pubkey: binding.pubkey };
  return {
    ...unsigned,
    id: getEventHash(unsigned) as EventId,
    sig: bytesToHex(binding.sig) as SigHex,
  };
}

/** TLS-free fixed layout: version ‖ pubkey ‖ sig. */
export function encodeCredentialData(binding: DeviceBinding): Uint8Array {
  if (binding.sig.length !== 64) fail("bad-parameter", "A binding signature is 64 bytes.");
  const out = new Uint8Array(CREDENTIAL_LENGTH);
  out[0] = CREDENTIAL_VERSION;
  out.set(hexToBytes(binding.pubkey), 1);
  out.set(binding.sig, 33);
  return out;
}

/**
 * Parses credential data; refuses any other length or version. The pubkey's shape is checked
 * here; that it is a curve point is implied by the signature check (`verifyDeviceBinding`).
 */
export function decodeCredentialData(data: Uint8Array): DeviceBinding {
  if (data.length !== CREDENTIAL_LENGTH || data[0] !== CREDENTIAL_VERSION) {
    fail("bad-credential", "This credential is not a Rally device credential.");
  }
  const pubkey = bytesToHex(data.subarray(1, 33));
  if (!isPubkeyHex(pubkey)) fail("bad-credential", "This credential names an invalid Nostr key.");
  return { pubkey, sig: data.slice(33) };
}

/** The ts-mls credential carrying a binding. */
export function rallyCredential(binding: DeviceBinding): Credential {
  return { credentialType: RALLY_CREDENTIAL_TYPE, data: encodeCredentialData(binding) };
}

/** The Nostr pubkey a credential claims, without verifying it (use on leaves ts-mls already validated). */
export function credentialPubkey(credential: Credential): PubkeyHex {
  if (credential.credentialType !== RALLY_CREDENTIAL_TYPE || !("data" in credential)) {
    fail("bad-credential", "This member's credential is not a Rally device credential.");
  }
  return decodeCredentialData(credential.data).pubkey;
}

/** Verifies a binding; false on any bad data, never throws. */
export function verifyDeviceBinding(
  binding: DeviceBinding,
  signaturePublicKey: Uint8Array,
  verifier: EventVerifier = jsVerifier,
): boolean {
  if (signaturePublicKey.length !== 32 || binding.sig.length !== 64) return false;
  return verifier.verify(bindingEvent(binding, signaturePublicKey));
}

export interface AuthenticationOptions {
  /** How Schnorr signatures are checked; default: WASM libsecp256k1 when it loads, else pure JS. */
  verifier?: EventVerifier | Promise<EventVerifier>;
  /** How many verified (credential, key) pairs to remember; a 5,000-member join checks each once. */
  cacheSize?: number;
}

/**
 * The AuthenticationService every Rally member runs (RFC 9420 §5.3.1: the application decides
 * whether a credential is acceptable for a signature key). Accepts only Rally credentials whose
 * Nostr binding verifies for exactly this signature key. Positive results are cached by content.
 */
export function rallyAuthenticationService(options: AuthenticationOptions = {}): AuthenticationService {
  let verifier: Promise<EventVerifier> | undefined;
  const cacheSize = options.cacheSize ?? 20_000;
  const verified = new Set<string>();
  return {
    async validateCredential(credential: Credential, signaturePublicKey: Uint8Array): Promise<boolean> {
      if (credential.credentialType !== RALLY_CREDENTIAL_TYPE || !("data" in credential)) return false;
      if (credential.data.length !== CREDENTIAL_LENGTH || signaturePublicKey.length !== 32) return false;
      const cacheKey = bytesToHex(credential.data) + bytesToHex(signaturePublicKey);
      if (verified.has(cacheKey)) return true;
      let binding: DeviceBinding;
      try {
        binding = decodeCredentialData(credential.data);
      } catch {
        return false;
      }
      verifier ??= Promise.resolve(options.verifier ?? loadVerifier());
      const ok = verifyDeviceBinding(binding, signaturePublicKey, await verifier);
      if (ok) {
        if (verified.size >= cacheSize) verified.clear();
        verified.add(cacheKey);
      }
      return ok;
    },
  };
}
