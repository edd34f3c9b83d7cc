/**
 * The account as a device stores it (kv `account`): the person's Nostr key, the twelve recovery words
 * it was derived from (NIP-06), a display name and the person's relays. Pure: building, checking and
 * unlocking the record; the store I/O is in `accountService.ts`.
 *
 * At rest the key and the words are either plain (the device's own protection only) or encrypted
 * under a passphrase with NIP-49. NIP-49 encrypts 32-byte secp256k1 keys; the words are kept as their
 * 16 bytes of BIP-39 entropy, zero-extended to 32 bytes (a valid scalar: nonzero and far below the
 * curve order), so the one well-reviewed format covers both.
 *
 * The name is never published on its own: it travels only inside groups (docs/PROTOCOL.md "Names").
 *
 * Runs in: Node and browsers (pure).
 */

import { charCount, isBlank } from "@rally/protocol/app";
import {
  decryptSecretKey,
  encryptSecretKey,
  personFromRecoveryWords,
  personFromSecretKey,
} from "@rally/protocol/identity";
import { normalizeRelayList } from "@rally/protocol/wire";
import { entropyToMnemonic, mnemonicToEntropy } from "@scure/bip39";
import { wordlist } from "@scure/bip39/wordlists/english.js";
import { rallyError } from "../errors.ts";

export const DEFAULT_RELAY = "ws://127.0.0.1:7447";
/** In characters (code points, the protocol's text.ts). */
export const MAX_NAME_LENGTH = 100;
export const MAX_ACCOUNT_RELAYS = 8;

export type SecretAtRest = { type: "plain"; hex: string } | { type: "ncryptsec"; value: string };

export interface AccountRecord {
  v: 1;
  pubkey: string;
  name: string;
  relays: string[];
  key: SecretAtRest;
  /** The recovery words' entropy (16 bytes zero-extended to 32). */
  words: SecretAtRest;
  /** Unix seconds. */
  createdAt: number;
  /** True when the account was restored from words (older groups return only through re-invites). */
  recovered: boolean;
}

/** The unlocked secrets of an account, kept in memory only. */
export interface AccountSecrets {
  secretKey: Uint8Array;
  words: string;
}

function hex(bytes: Uint8Array): string {
  return Array.from(bytes, (b) => b.toString(16).padStart(2, "0")).join("");
}

function unhex(text: string): Uint8Array {
  const out = new Uint8Array(text.length / 2);
  for (let i = 0; i < out.length; i++) out[i] = Number.parseInt(text.slice(2 * i, 2 * i + 2), 16);
  return out;
}

/** Checks a display name: 1–100 characters of plain text, not only spaces or invisible ones. */
export function checkName(name: unknown): string {
  if (typeof name !== "string" || isBlank(name)) {
    throw rallyError("bad-input", "Give a name that people will see, for example --name Alice.");
  }
  const n = name.trim();
  const count = charCount(n);
  if (count > MAX_NAME_LENGTH) {
    throw rallyError(
      "bad-input",
      `A name may be at most ${MAX_NAME_LENGTH} characters; this one has ${count}.`,
    );
  }
  // biome-ignore lint/suspicious/noControlCharactersInRegex: refusing control characters is the point
  if (/[\u0000-\u001f\u007f]/.test(n))
    throw rallyError("bad-input", "A name cannot contain control characters.");
  return n;
}

/** Normalises relay addresses (ws:// or wss://), defaulting to the local relay. */
export function checkRelays(relays: readonly string[] | undefined): string[] {
  const list = relays && relays.length > 0 ? relays : [DEFAULT_RELAY];
  try {
    return normalizeRelayList(list, "relay list", 1, MAX_ACCOUNT_RELAYS);
  } catch (e) {
    throw rallyError("bad-input", `${(e as Error).message} A relay address looks like ws://127.0.0.1:7447.`);
  }
}

function wordsToSecret(words: string): Uint8Array {
  const entropy = mnemonicToEntropy(words, wordlist);
  const out = new Uint8Array(32);
  out.set(entropy, 0);
  return out;
}

function secretToWords(secret: Uint8Array): string {
  return entropyToMnemonic(secret.subarray(0, 16), wordlist);
}

function atRest(secret: Uint8Array, passphrase: string | null): SecretAtRest {
  if (passphrase === null) return { type: "plain", hex: hex(secret) };
  return { type: "ncryptsec", value: encryptSecretKey(secret, passphrase) };
}

function open(value: SecretAtRest, passphrase: string | null): Uint8Array {
  if (value.type === "plain") return unhex(value.hex);
  if (passphrase === null) {
    throw rallyError("locked", "This account is protected by a passphrase: unlock it first.");
  }
  return decryptSecretKey(value.value, passphrase);
}

/** A record for a person made from words (new or recovered). */
export function accountFromWords(input: {
  words: string;
  name: string;
  relays: string[];
  now: number;
  recovered: boolean;
}): { record: AccountRecord; secrets: AccountSecrets } {
  const person = personFromRecoveryWords(input.words);
  const record: AccountRecord = {
    v: 1,
    pubkey: person.pubkey,
    name: input.name,
    relays: input.relays,
    key: atRest(person.secretKey, null),
    words: atRest(wordsToSecret(person.words), null),
    createdAt: input.now,
    recovered: input.recovered,
  };
  return { record, secrets: { secretKey: person.secretKey, words: person.words } };
}

/** Opens the secrets (the passphrase is needed only for an encrypted record). */
export function unlockAccount(record: AccountRecord, passphrase: string | null): AccountSecrets {
  const secretKey = open(record.key, passphrase);
  if (personFromSecretKey(secretKey).pubkey !== record.pubkey) {
    throw rallyError("internal", "The stored account key does not match the account: the data is damaged.");
  }
  const words = secretToWords(open(record.words, passphrase));
  return { secretKey, words };
}

/** The same record with its secrets re-encrypted under `passphrase` (null: stored plain). */
export function protectAccount(
  record: AccountRecord,
  secrets: AccountSecrets,
  passphrase: string | null,
): AccountRecord {
  if (passphrase !== null && passphrase.length === 0)
    throw rallyError("bad-input", "A passphrase cannot be empty.");
  return {
    ...record,
    key: atRest(secrets.secretKey, passphrase),
    words: atRest(wordsToSecret(secrets.words), passphrase),
  };
}

/** Validates a record read from the store (a damaged record gets a clear error, not a crash later). */
export function readAccountRecord(value: unknown): AccountRecord {
  const r = value as Partial<AccountRecord> | undefined;
  const ok =
    r !== undefined &&
    r !== null &&
    r.v === 1 &&
    typeof r.pubkey === "string" &&
    /^[0-9a-f]{64}$/.test(r.pubkey) &&
    typeof r.name === "string" &&
    Array.isArray(r.relays) &&
    typeof r.key === "object" &&
    typeof r.words === "object";
  if (!ok)
    throw rallyError("internal", "The account stored on this device is damaged or from another version.");
  return r as AccountRecord;
}
