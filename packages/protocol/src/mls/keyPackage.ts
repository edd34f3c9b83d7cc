/**
 * Key packages (RFC 9420 §10; Marmot MIP-00 "KeyPackage events"): what a device publishes so others
 * can add it to a group while it is offline. The public bytes are an `MLSMessage` of wire format
 * `mls_key_package`, ready for the kind 30443 event; the private part stays on the device until a
 * welcome for it arrives.
 *
 * Every Rally key package advertises ciphersuite 0x0001 only, our credential type and group data
 * extension, and the `last_resort` extension type (draft-ietf-mls-extensions §4.2.5, 0x000A). A
 * last-resort package carries that extension (empty data) and may be used by several inviters.
 */

import {
  type Capabilities,
  encode,
  generateKeyPackageWithKey,
  type KeyPackage,
  makeCustomExtension,
  makeKeyPackageRef,
  mlsMessageDecoder,
  mlsMessageEncoder,
  type PrivateKeyPackage,
  privateKeyPackageDecoder,
  privateKeyPackageEncoder,
  protocolVersions,
  wireformats,
} from "ts-mls";
import type { PubkeyHex } from "../nostr/event.ts";
import { bytesToHex } from "./bytes.ts";
import { engineContext } from "./context.ts";
import { credentialPubkey, RALLY_CREDENTIAL_TYPE, rallyCredential } from "./credential.ts";
import { RALLY_CIPHERSUITE } from "./cryptoProvider.ts";
import type { DeviceIdentity } from "./device.ts";
import { fail } from "./errors.ts";
import { RALLY_GROUP_DATA_EXTENSION } from "./groupData.ts";
import { decodeExact } from "./mlsCodec.ts";
import { TlsReader, TlsWriter } from "./tls.ts";

/** last_resort KeyPackage extension type (draft-ietf-mls-extensions §4.2.5). */
export const LAST_RESORT_EXTENSION = 0x000a;
/** Largest key package accepted (ours are about 400 bytes). */
export const MAX_KEY_PACKAGE_BYTES = 16_384;
/** Default validity of a key package: 90 days (ts-mls refuses lifetimes over 4 months). */
export const DEFAULT_KEY_PACKAGE_LIFETIME = 90 * 24 * 3600;

/** The capabilities every Rally leaf advertises (RFC 9420 §7.2). */
export function rallyCapabilities(): Capabilities {
  return {
    versions: [protocolVersions.mls10],
    ciphersuites: [RALLY_CIPHERSUITE],
    extensions: [RALLY_GROUP_DATA_EXTENSION, LAST_RESORT_EXTENSION],
    proposals: [],
    credentials: [RALLY_CREDENTIAL_TYPE],
  };
}

export interface NewKeyPackage {
  /** Public `MLSMessage(key_package)` bytes to publish. */
  keyPackage: Uint8Array;
  /** Private part to keep (secret): pass it to `joinFromWelcome`. */
  privateKeyPackage: Uint8Array;
  /** Hex KeyPackageRef (RFC 9420 §5.2), what welcomes name the package by. */
  ref: string;
}

export interface KeyPackageOptions {
  lastResort?: boolean;
  /** Unix seconds; default the platform clock. */
  now?: number;
  lifetimeSeconds?: number;
}

/** Creates a key package for a device. */
export async function createKeyPackage(
  device: DeviceIdentity,
  options: KeyPackageOptions = {},
): Promise<NewKeyPackage> {
  const { mls } = await engineContext();
  const now = options.now ?? Math.floor(Date.now() / 1000);
  const lifetime = options.lifetimeSeconds ?? DEFAULT_KEY_PACKAGE_LIFETIME;
  const { publicPackage, privatePackage } = await generateKeyPackageWithKey({
    credential: rallyCredential(device.binding),
    capabilities: rallyCapabilities(),
    // A day of slack before now tolerates clocks that run behind (as ts-mls's default does).
    lifetime: { notBefore: BigInt(now - 86_400), notAfter: BigInt(now + lifetime) },
    extensions: options.lastResort
      ? [makeCustomExtension({ extensionType: LAST_RESORT_EXTENSION, extensionData: new Uint8Array(0) })]
      : [],
    signatureKeyPair: { signKey: device.signaturePrivateKey, publicKey: device.signaturePublicKey },
    cipherSuite: mls.cipherSuite,
  });
  const keyPackage = encodeKeyPackage(publicPackage);
  return {
    keyPackage,
    privateKeyPackage: encodePrivateKeyPackage(keyPackage, privatePackage),
    ref: bytesToHex(await makeKeyPackageRef(publicPackage, mls.cipherSuite.hash)),
  };
}

export function encodeKeyPackage(kp: KeyPackage): Uint8Array {
  return encode(mlsMessageEncoder, {
    wireformat: wireformats.mls_key_package,
    version: protocolVersions.mls10,
    keyPackage: kp,
  });
}

/** Decodes `MLSMessage(key_package)` bytes; refuses anything else. */
export function decodeKeyPackage(bytes: Uint8Array): KeyPackage {
  const m = decodeExact(mlsMessageDecoder, bytes, "key package", MAX_KEY_PACKAGE_BYTES);
  if (m.wireformat !== wireformats.mls_key_package)
    fail("malformed", "This MLS message is not a key package.");
  if (m.keyPackage.cipherSuite !== RALLY_CIPHERSUITE) {
    fail("bad-parameter", "This key package uses a ciphersuite Rally does not use.");
  }
  return m.keyPackage;
}

const PRIVATE_VERSION = 1;

function encodePrivateKeyPackage(keyPackage: Uint8Array, priv: PrivateKeyPackage): Uint8Array {
  return new TlsWriter()
    .uint8(PRIVATE_VERSION)
    .opaque(keyPackage)
    .opaque(encode(privateKeyPackageEncoder, priv))
    .finish();
}

export function decodePrivateKeyPackage(bytes: Uint8Array): {
  keyPackage: KeyPackage;
  privateKeys: PrivateKeyPackage;
} {
  const r = new TlsReader(bytes, "private key package");
  if (r.uint8() !== PRIVATE_VERSION) fail("malformed", "This private key package has an unknown version.");
  const keyPackage = decodeKeyPackage(r.opaque(MAX_KEY_PACKAGE_BYTES));
  const privBytes = r.opaque(4096);
  r.end();
  const privateKeys = decodeExact(privateKeyPackageDecoder, privBytes, "private key package", 4096);
  return { keyPackage, privateKeys };
}

export interface KeyPackageInfo {
  /** The person the key package is for (from its credential; verified). */
  pubkey: PubkeyHex;
  /** Hex KeyPackageRef. */
  ref: string;
  lastResort: boolean;
  /** Hex Ed25519 signature key of the device. */
  signaturePublicKey: string;
  notBefore: number;
  notAfter: number;
}

/**
 * Reads and checks a published key package: Rally ciphersuite and credential, and a device binding
 * that verifies. (Its MLS signature is checked again by every member when it is added.)
 */
export async function parseKeyPackage(bytes: Uint8Array): Promise<KeyPackageInfo> {
  const { mls } = await engineContext();
  const kp = decodeKeyPackage(bytes);
  const leaf = kp.leafNode;
  const pubkey = credentialPubkey(leaf.credential);
  if (!(await mls.authService.validateCredential(leaf.credential, leaf.signaturePublicKey))) {
    fail("bad-credential", "This key package's device binding does not verify.");
  }
  return {
    pubkey,
    ref: bytesToHex(await makeKeyPackageRef(kp, mls.cipherSuite.hash)),
    lastResort: kp.extensions.some((e) => e.extensionType === LAST_RESORT_EXTENSION),
    signaturePublicKey: bytesToHex(leaf.signaturePublicKey),
    notBefore: Number(leaf.lifetime.notBefore),
    notAfter: Number(leaf.lifetime.notAfter),
  };
}
