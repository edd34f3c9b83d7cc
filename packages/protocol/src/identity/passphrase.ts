/**
 * NIP-49 private key encryption: `ncryptsec1…` = bech32(0x02 ‖ log_n ‖ salt[16] ‖ nonce[24] ‖
 * key_security_byte ‖ XChaCha20-Poly1305(scrypt(NFKC(passphrase), salt, 2^log_n, r=8, p=1), key)),
 * 91 bytes before bech32. Encryption and decryption are `nostr-tools/nip49`; this module adds the
 * checks it leaves out (exact length, version, a ceiling on log_n so a hostile string cannot make
 * scrypt allocate gigabytes) and typed errors.
 */

import { bech32 } from "@scure/base";
import { decrypt, encrypt } from "nostr-tools/nip49";
import { IdentityError } from "./errors.ts";
import { isSecretKey } from "./keys.ts";

export type Ncryptsec = `ncryptsec1${string}`;

/** 2^16 rounds: 64 MiB of memory, well under a second on a phone. NIP-49's suggested minimum. */
export const DEFAULT_LOG_N = 16;
/** 2^22 rounds need 4 GiB; anything above is refused before scrypt runs. */
export const MAX_LOG_N = 22;
/** NIP-49: 0x00 handled insecurely, 0x01 never handled insecurely, 0x02 unknown. */
export type KeySecurity = 0 | 1 | 2;

const NCRYPTSEC_BYTES = 91;
const BECH32_LIMIT = 5000;

export interface NcryptsecInfo {
  logN: number;
  keySecurity: KeySecurity;
}

/** Encrypts a secret key under a passphrase. `logN` may be small in tests (it is the scrypt cost). */
export function encryptSecretKey(
  secretKey: Uint8Array,
  passphrase: string,
  options: { logN?: number; keySecurity?: KeySecurity } = {},
): Ncryptsec {
  if (!isSecretKey(secretKey)) {
    throw new IdentityError(
      "bad-secret-key",
      "This is not a usable secret key: it must be 32 bytes on secp256k1.",
    );
  }
  if (typeof passphrase !== "string" || passphrase.length === 0) {
    throw new IdentityError("bad-parameter", "The passphrase must not be empty.");
  }
  const logN = options.logN ?? DEFAULT_LOG_N;
  if (!Number.isInteger(logN) || logN < 1 || logN > MAX_LOG_N) {
    throw new IdentityError("bad-parameter", `The scrypt cost log_n must be between 1 and ${MAX_LOG_N}.`);
  }
  const keySecurity = options.keySecurity ?? 2;
  if (keySecurity !== 0 && keySecurity !== 1 && keySecurity !== 2) {
    throw new IdentityError("bad-parameter", "The key security byte must be 0, 1 or 2.");
  }
  return encrypt(secretKey, passphrase, logN, keySecurity);
}

/** Reads the parameters of an `ncryptsec` without decrypting it (e.g. to warn that opening is slow). */
export function inspectNcryptsec(text: string): NcryptsecInfo {
  const bytes = decodeNcryptsec(text);
  return { logN: bytes[1]!, keySecurity: bytes[42] as KeySecurity };
}

function decodeNcryptsec(text: string): Uint8Array {
  if (typeof text !== "string") throw new IdentityError("bad-ncryptsec", "An encrypted key must be text.");
  const t = text.trim();
  let bytes: Uint8Array;
  try {
    const decoded = bech32.decode(t as `${string}1${string}`, BECH32_LIMIT);
    if (decoded.prefix !== "ncryptsec") throw new Error("prefix");
    bytes = bech32.fromWords(decoded.words);
  } catch {
    throw new IdentityError(
      "bad-ncryptsec",
      "This is not an encrypted key (ncryptsec), or it was not copied completely.",
    );
  }
  if (bytes.length !== NCRYPTSEC_BYTES) {
    throw new IdentityError("bad-ncryptsec", "This encrypted key has the wrong length.", {
      length: bytes.length,
    });
  }
  if (bytes[0] !== 0x02) {
    throw new IdentityError("bad-ncryptsec", "This encrypted key uses a version Rally does not know.", {
      version: bytes[0]!,
    });
  }
  const logN = bytes[1]!;
  if (logN < 1 || logN > MAX_LOG_N) {
    throw new IdentityError(
      "bad-ncryptsec",
      `This encrypted key asks for a scrypt cost Rally refuses (log_n ${logN}).`,
      {
        logN,
      },
    );
  }
  if (bytes[42]! > 2) {
    throw new IdentityError("bad-ncryptsec", "This encrypted key has an unknown key security byte.");
  }
  return bytes;
}

/** Opens an `ncryptsec` with its passphrase. Throws `wrong-passphrase` when the passphrase is wrong. */
export function decryptSecretKey(text: string, passphrase: string): Uint8Array {
  decodeNcryptsec(text);
  if (typeof passphrase !== "string")
    throw new IdentityError("bad-parameter", "The passphrase must be text.");
  let key: Uint8Array;
  try {
    key = decrypt(text.trim(), passphrase);
  } catch {
    // Poly1305 failed: with the format already checked, the passphrase is what is wrong.
    throw new IdentityError("wrong-passphrase", "That passphrase does not open this key.");
  }
  if (!isSecretKey(key)) {
    throw new IdentityError("bad-ncryptsec", "This encrypted key does not hold a usable secret key.");
  }
  return key;
}
