/**
 * Account backup (docs/PROTOCOL.md "Account backup"): an addressable event (kind 30447, `d` =
 * "rally-backup") on the person's own relays, signed by the person, whose content only the
 * recovery words open. It holds what a device needs to ask back into each group after every
 * device was lost — never any MLS secret:
 *
 *   plaintext = JSON { "v": 1, "name": "…", "relays": [relay…],
 *                      "groups": [{ "id": hex MLS group id, "name": "…", "relays": [relay…],
 *                                   "admins": [pubkey…] }…] }, padded with spaces to 512 B steps
 *   content   = base64(nonce(24) ‖ XChaCha20-Poly1305(key, nonce, plaintext, aad = author pubkey))
 *   key       = HKDF-SHA-256(BIP-39 entropy of the words, "rally/v1", "rally/v1 account-backup")
 *
 * The author's key is bound as associated data, so a backup copied under another person's
 * signature does not open. Padding hides the exact number of groups from the relays.
 */

import { xchacha20poly1305 } from "@noble/ciphers/chacha.js";
import { hexToBytes, randomBytes } from "@noble/hashes/utils.js";
import type { NostrEvent, PubkeyHex } from "../nostr/event.ts";
import { KIND_ACCOUNT_BACKUP } from "../nostr/kinds.ts";
import { signEvent } from "../nostr/sign.ts";
import { nowSeconds } from "../nostr/time.ts";
import { decodeBase64, encodeBase64, hasUnsafeChars, isHex64, utf8Decode, utf8Encode } from "./bytes.ts";
import { fail } from "./errors.ts";
import { checkSignedEvent, type VerifyEvent } from "./eventShape.ts";
import { checkRelayList } from "./relayUrl.ts";

export const ACCOUNT_BACKUP_D = "rally-backup";
export const ACCOUNT_BACKUP_VERSION = 1;
/** Far above any real account (a group entry is ~400 B); keeps the event under a relay's frame. */
export const MAX_BACKUP_BYTES = 180_000;
export const MAX_BACKUP_GROUPS = 400;
const PAD = 512;
const NONCE = 24;
const WHAT = "account backup";

export interface BackupGroup {
  /** Hex MLS group id. */
  id: string;
  name: string;
  relays: string[];
  /** The group's admins when the backup was made: whom to ask back in. */
  admins: string[];
}

export interface AccountBackup {
  name: string;
  relays: string[];
  groups: BackupGroup[];
}

/** Encrypts and signs the backup under the words' key (`backupKeyFromWords`). */
export function makeBackupEvent(input: {
  backup: AccountBackup;
  key: Uint8Array;
  secretKey: Uint8Array;
  now?: number;
}): NostrEvent {
  const signer = signEvent(
    { kind: KIND_ACCOUNT_BACKUP, created_at: 0, tags: [], content: "" },
    input.secretKey,
  );
  const json = JSON.stringify({ v: ACCOUNT_BACKUP_VERSION, ...checkBackup(input.backup) });
  const raw = utf8Encode(json);
  const padded = new Uint8Array(Math.ceil((raw.length + 1) / PAD) * PAD).fill(0x20);
  padded.set(raw);
  if (padded.length > MAX_BACKUP_BYTES) fail("too-large", "The account backup is too large.");
  const nonce = randomBytes(NONCE);
  const sealed = xchacha20poly1305(input.key, nonce, hexToBytes(signer.pubkey)).encrypt(padded);
  const content = new Uint8Array(NONCE + sealed.length);
  content.set(nonce);
  content.set(sealed, NONCE);
  return signEvent(
    {
      kind: KIND_ACCOUNT_BACKUP,
      created_at: input.now ?? nowSeconds(),
      tags: [["d", ACCOUNT_BACKUP_D]],
      content: encodeBase64(content),
    },
    input.secretKey,
  );
}

/**
 * Opens a backup event of `author`: signature, kind, `d`, author, then decryption. A backup made
 * under other recovery words fails with `decrypt-failed`.
 */
export function openBackupEvent(
  value: unknown,
  author: PubkeyHex | string,
  key: Uint8Array,
  verify?: VerifyEvent,
): AccountBackup {
  const event = checkSignedEvent(value, KIND_ACCOUNT_BACKUP, WHAT, verify);
  if (event.pubkey !== author) fail("sender-mismatch", "This account backup belongs to someone else.");
  if (!event.tags.some((t) => t[0] === "d" && t[1] === ACCOUNT_BACKUP_D))
    fail("bad-tag", "This event is not a Rally account backup.");
  const bytes = decodeBase64(event.content, MAX_BACKUP_BYTES + NONCE + 16, WHAT);
  if (bytes.length < NONCE + 16) fail("malformed", "The account backup is cut short.");
  let plain: Uint8Array;
  try {
    plain = xchacha20poly1305(key, bytes.subarray(0, NONCE), hexToBytes(event.pubkey)).decrypt(
      bytes.subarray(NONCE),
    );
  } catch {
    return fail("decrypt-failed", "This account backup was made under other recovery words.");
  }
  let body: Record<string, unknown>;
  try {
    body = JSON.parse(utf8Decode(plain, WHAT)) as Record<string, unknown>;
  } catch {
    return fail("bad-encoding", "The account backup is not JSON.");
  }
  if (typeof body !== "object" || body === null || body.v !== ACCOUNT_BACKUP_VERSION)
    fail("malformed", "The account backup comes from an unknown version of Rally.");
  return checkBackup(body as unknown as AccountBackup);
}

function checkText(value: unknown, what: string, max: number): string {
  if (typeof value !== "string" || hasUnsafeChars(value) || value.length > max)
    return fail("malformed", `The account backup has no valid ${what}.`);
  return value;
}

function checkBackup(b: AccountBackup): AccountBackup {
  if (typeof b !== "object" || b === null || !Array.isArray(b.groups))
    fail("malformed", "The account backup has no group list.");
  if (b.groups.length > MAX_BACKUP_GROUPS)
    fail("too-large", `An account backup holds at most ${MAX_BACKUP_GROUPS} groups.`);
  return {
    name: checkText(b.name, "name", 200),
    relays: checkRelayList(b.relays, "relay list", 0, 16),
    groups: b.groups.map((g) => {
      if (typeof g !== "object" || g === null || typeof g.id !== "string" || !/^[0-9a-f]{32,128}$/.test(g.id))
        fail("malformed", "A group in the account backup has no valid id.");
      if (!Array.isArray(g.admins) || g.admins.length > 64 || !g.admins.every(isHex64))
        fail("malformed", "A group in the account backup has no valid admin list.");
      return {
        id: g.id,
        name: checkText(g.name, "group name", 400),
        relays: checkRelayList(g.relays, "group relay list", 0, 16),
        admins: [...g.admins],
      };
    }),
  };
}
