/**
 * The key that encrypts a person's account backup (docs/PROTOCOL.md "Account backup"): HKDF-SHA-256
 * over the BIP-39 entropy of the recovery words, under a Rally label. Anyone holding the words can
 * derive it on a fresh device; nobody holding only the Nostr key (a NIP-49 export, another app)
 * can, and it is a different key from the Nostr one, so the backup stays sealed even to an app the
 * person gave their nsec to.
 */

import { hkdf } from "@noble/hashes/hkdf.js";
import { sha256 } from "@noble/hashes/sha2.js";
import { mnemonicToEntropy } from "@scure/bip39";
import { wordlist } from "@scure/bip39/wordlists/english.js";
import { IdentityError } from "./errors.ts";
import { checkRecoveryWords } from "./recoveryWords.ts";

const SALT = new TextEncoder().encode("rally/v1");
const INFO = new TextEncoder().encode("rally/v1 account-backup");

/** 32 bytes: the account backup's encryption key for these recovery words. */
export function backupKeyFromWords(text: string): Uint8Array {
  const words = checkRecoveryWords(text);
  let entropy: Uint8Array;
  try {
    entropy = mnemonicToEntropy(words, wordlist);
  } catch {
    throw new IdentityError("bad-parameter", "These recovery words do not make a valid key.");
  }
  const key = hkdf(sha256, entropy, SALT, INFO, 32);
  entropy.fill(0);
  return key;
}
