/**
 * The account backup on the person's own relays (docs/PROTOCOL.md "Account backup"): which groups
 * the person is in (id, name, relays, admins) and the account's name and relays, encrypted under a
 * key only the recovery words give. A device republishes it through the durable outbox at the end
 * of a sync round when what it would say changed (so at most once a round); a recovered device
 * reads it to ask back into each group (`rejoin.ts`). No MLS secret is ever in it.
 *
 * A recovered device publishes nothing until it has read the old backup (or learnt there is none):
 * otherwise its empty list would replace the one it needs.
 *
 * Runs in: Node and browsers. The caller holds `core.exclusive`.
 */
import { backupKeyFromWords } from "@rally/protocol/identity";
import { KIND_ACCOUNT_BACKUP, supersedes } from "@rally/protocol/nostr";
import {
  ACCOUNT_BACKUP_D,
  type AccountBackup,
  type BackupGroup,
  makeBackupEvent,
  openBackupEvent,
} from "@rally/protocol/wire";
import type { NostrEvent } from "nostr-tools/core";
import type { Device } from "../device.ts";
import type { GroupRecord } from "../group/groupRecord.ts";
import { Outbox } from "../net/outbox.ts";

/** kv: what the last published backup said (its plaintext JSON), so an unchanged one is not sent. */
export const BACKUP_SENT_KEY = "backup/sent";
/** kv: set once a recovered device has read (or looked in vain for) its old backup. */
export const BACKUP_READ_KEY = "backup/read";

/** The groups a backup lists: active ones, and those still being asked back into. */
export function backupOf(
  core: Device,
  records: readonly GroupRecord[],
  rejoining: readonly BackupGroup[],
): AccountBackup {
  const account = core.requireAccount();
  const groups: BackupGroup[] = records
    .filter((r) => r.status === "active")
    .map((r) => ({ id: r.id, name: r.name, relays: [...r.relays], admins: adminsOf(r) }));
  for (const g of rejoining) if (!groups.some((x) => x.id === g.id)) groups.push(g);
  groups.sort((a, b) => (a.id < b.id ? -1 : 1));
  return { name: account.name, relays: [...account.relays], groups };
}

/** The admins to ask: admins who are members (at most 64, the format's cap). */
function adminsOf(r: GroupRecord): string[] {
  return r.admins.filter((a) => r.members.includes(a)).slice(0, 64);
}

/**
 * Queues the backup when it says something new; false when nothing changed or the words are not
 * at hand (a locked device).
 */
export async function publishBackup(core: Device, backup: AccountBackup): Promise<boolean> {
  const secrets = core.secrets;
  const account = core.account;
  if (!secrets || !account) return false;
  const text = JSON.stringify(backup);
  const sent = await core.store.get<string | { text: string; at: number }>(BACKUP_SENT_KEY);
  const last = typeof sent === "string" ? { text: sent, at: 0 } : sent;
  if (last?.text === text) return false;
  // Dated after the last one: of two versions in one second a relay keeps the lower id (NIP-01),
  // which could be the older list.
  const at = Math.max(core.now(), (last?.at ?? 0) + 1);
  const key = backupKeyFromWords(secrets.words);
  let event: NostrEvent;
  try {
    event = makeBackupEvent({ backup, key, secretKey: secrets.secretKey, now: at });
  } finally {
    key.fill(0);
  }
  await core.store.batch([
    Outbox.prepare(event, account.relays, { label: "account backup", now: core.nowMs() }).op,
    { op: "put", key: BACKUP_SENT_KEY, value: { text, at } },
  ]);
  core.wakeOutbox();
  return true;
}

export type BackupLookup =
  | { state: "found"; backup: AccountBackup; at: number }
  | { state: "none" }
  /** Backups exist on the relays but none opens with these words. */
  | { state: "other-words" }
  | { state: "unreachable" };

/** Reads the person's newest backup that these words open from their relays. */
export async function fetchBackup(core: Device): Promise<BackupLookup> {
  const account = core.requireAccount();
  const secrets = core.requireSecrets();
  const { events, report } = await core.transport.fetch(core.transport.anonymous, account.relays, [
    { kinds: [KIND_ACCOUNT_BACKUP], authors: [account.pubkey], "#d": [ACCOUNT_BACKUP_D] },
  ]);
  if (!report.any) return { state: "unreachable" };
  const mine = events
    .filter((e) => e.pubkey === account.pubkey && e.kind === KIND_ACCOUNT_BACKUP)
    .sort((a, b) => (supersedes(a, b) ? -1 : supersedes(b, a) ? 1 : 0));
  if (mine.length === 0) return { state: "none" };
  const key = backupKeyFromWords(secrets.words);
  try {
    for (const e of mine) {
      try {
        return { state: "found", backup: openBackupEvent(e, account.pubkey, key), at: e.created_at };
      } catch {
        // Made under other words, or damaged: an older one may still open.
      }
    }
  } finally {
    key.fill(0);
  }
  return { state: "other-words" };
}
