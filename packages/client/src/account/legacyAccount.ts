/**
 * Stores written before encryption at rest kept the account's key and recovery words either plain
 * or NIP-49-encrypted under a passphrase, and everything else plain. Sealing such a store
 * (`store/vault.ts`) needs what only the account layer knows: whether its secrets wait for a
 * passphrase, and how to open them so that, once sealed, the record holds them as every new
 * account does (plain inside the sealed store; the passphrase now wraps the data key instead).
 *
 * Runs in: Node and browsers (pure).
 */
import { keys } from "../store/keys.ts";
import type { StoreDump } from "../store/store.ts";
import type { LegacyStore } from "../store/vault.ts";
import { protectAccount, readAccountRecord, unlockAccount } from "./accountRecord.ts";

function accountOf(dump: StoreDump): unknown {
  return dump.kv.find((r) => r.key === keys.account)?.value;
}

export const legacyAccountStore: LegacyStore = {
  needsPassphrase(dump) {
    const value = accountOf(dump);
    if (value === undefined) return false;
    const record = readAccountRecord(value);
    return record.key.type === "ncryptsec" || record.words.type === "ncryptsec";
  },
  open(dump, passphrase) {
    const value = accountOf(dump);
    if (value === undefined) return dump;
    const record = readAccountRecord(value);
    if (record.key.type === "plain" && record.words.type === "plain") return dump;
    // Throws for a wrong passphrase: the vault says so and seals nothing.
    const plain = protectAccount(record, unlockAccount(record, passphrase), null);
    return { ...dump, kv: dump.kv.map((r) => (r.key === keys.account ? { key: r.key, value: plain } : r)) };
  },
};
