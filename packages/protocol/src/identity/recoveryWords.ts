/**
 * Recovery words: a BIP-39 English mnemonic (twelve words, 128 bits of entropy) from which the
 * Nostr key is derived by NIP-06 (BIP-32 path m/44'/1237'/0'/0/0). The words are the account: the
 * key cannot be turned back into words, so the client stores the words (encrypted) beside the key.
 *
 * Checking is done word by word first, so a person hears "word 7 is not a recovery word" rather
 * than "invalid mnemonic". Built on `@scure/bip39` and `nostr-tools/nip06`.
 */

import { randomBytes } from "@noble/hashes/utils.js";
import { entropyToMnemonic, mnemonicToEntropy } from "@scure/bip39";
import { wordlist } from "@scure/bip39/wordlists/english.js";
import { privateKeyFromSeedWords } from "nostr-tools/nip06";
import { IdentityError } from "./errors.ts";
import { type Person, personFromSecretKey } from "./keys.ts";

/** Rally shows twelve words; longer BIP-39 phrases from other Nostr apps are accepted on recovery. */
export const RECOVERY_WORD_COUNT = 12;
const ACCEPTED_COUNTS = [12, 15, 18, 21, 24];

const WORDS = new Set(wordlist);

/** A person together with the words that recover them. */
export interface PersonWithWords extends Person {
  /** Twelve lowercase words separated by single spaces. Secret: show only to the person. */
  words: string;
}

/** Twelve fresh words (from 16 bytes of `entropy`, default random). */
export function generateRecoveryWords(entropy: Uint8Array = randomBytes(16)): string {
  if (!(entropy instanceof Uint8Array) || entropy.length !== 16) {
    throw new IdentityError("bad-parameter", "Twelve recovery words need exactly 16 bytes of entropy.");
  }
  return entropyToMnemonic(entropy, wordlist);
}

/**
 * Splits what a person typed into words: any whitespace or commas separate, case is ignored,
 * Unicode is NFKD-normalised as BIP-39 requires.
 */
export function splitRecoveryWords(text: string): string[] {
  if (typeof text !== "string") return [];
  return text
    .normalize("NFKD")
    .toLowerCase()
    .split(/[\s,]+/u)
    .filter((w) => w.length > 0);
}

/**
 * Checks typed recovery words and returns them in canonical form (lowercase, single spaces).
 * Throws `IdentityError` with code `word-count`, `unknown-word` (detail.position, 1-based) or
 * `bad-checksum`. The messages never repeat the words themselves.
 */
export function checkRecoveryWords(text: string): string {
  const words = splitRecoveryWords(text);
  if (!ACCEPTED_COUNTS.includes(words.length)) {
    const said = words.length === 1 ? "1 word was" : `${words.length} words were`;
    throw new IdentityError(
      "word-count",
      `There should be ${RECOVERY_WORD_COUNT} recovery words, but ${said} given.`,
      { count: words.length },
    );
  }
  for (let i = 0; i < words.length; i++) {
    if (!WORDS.has(words[i]!)) {
      throw new IdentityError("unknown-word", `Word ${i + 1} is not a recovery word. Check its spelling.`, {
        position: i + 1,
      });
    }
  }
  const phrase = words.join(" ");
  try {
    // BIP-39: the last word carries a checksum of the entropy; a swapped or wrong word breaks it.
    mnemonicToEntropy(phrase, wordlist);
  } catch {
    throw new IdentityError(
      "bad-checksum",
      "These words do not fit together. One of them is wrong or they are out of order.",
    );
  }
  return phrase;
}

/** True when `text` is a valid recovery phrase. */
export function isValidRecoveryWords(text: string): boolean {
  try {
    checkRecoveryWords(text);
    return true;
  } catch {
    return false;
  }
}

/**
 * NIP-06: secret key = BIP-32 derive(m/44'/1237'/account'/0/0) of the BIP-39 seed of the words
 * (with an optional BIP-39 passphrase, empty by default).
 */
export function secretKeyFromRecoveryWords(
  text: string,
  options: { passphrase?: string; account?: number } = {},
) {
  const phrase = checkRecoveryWords(text);
  const account = options.account ?? 0;
  if (!Number.isSafeInteger(account) || account < 0 || account >= 2 ** 31) {
    throw new IdentityError("bad-parameter", "The account number must be between 0 and 2^31 - 1.");
  }
  return privateKeyFromSeedWords(phrase, options.passphrase, account);
}

/** The person that typed recovery words stand for. */
export function personFromRecoveryWords(text: string, options?: { passphrase?: string }): PersonWithWords {
  const words = checkRecoveryWords(text);
  const secretKey = secretKeyFromRecoveryWords(words, options);
  const person = personFromSecretKey(secretKey);
  secretKey.fill(0);
  return { ...person, words };
}

/** A brand-new account: twelve words and the key they derive. */
export function createPerson(options: { entropy?: Uint8Array } = {}): PersonWithWords {
  return personFromRecoveryWords(generateRecoveryWords(options.entropy));
}
