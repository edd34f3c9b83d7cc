/**
 * The vault of a Node device home: sealed records in `<home>/rally.db` (SQLite), the data key from
 * OpenSSL, and the home's device lock around making the first key or sealing an older store.
 *
 * Runs in: Node.
 */
import { rmSync } from "node:fs";
import { legacyAccountStore } from "../../account/legacyAccount.ts";
import { type DeviceLock, holding } from "../../deviceLock.ts";
import { Vault } from "../../store/vault.ts";
import { nodeDataKeys } from "./nodeDataKeys.ts";
import { openHomeStore, type SqliteStoreOptions, storePath } from "./sqliteStore.ts";

export interface HomeVaultOptions extends SqliteStoreOptions {
  /** Opens a passphrase-protected device at once (else it opens locked). */
  passphrase?: string | null;
  /** The home's device lock (default: none beyond this process). */
  deviceLock?: DeviceLock;
  /** scrypt cost of a passphrase (NIP-49 log_n); tests may lower it. */
  logN?: number;
}

export function openHomeVault(home: string, options: HomeVaultOptions = {}): Promise<Vault> {
  const { passphrase = null, deviceLock, logN, ...storeOptions } = options;
  return Vault.open(
    {
      label: `the Rally database ${storePath(home)}`,
      keys: nodeDataKeys(),
      openInner: async () => openHomeStore(home, storeOptions),
      destroyInner: async () => deleteHomeStore(home),
      legacy: legacyAccountStore,
      ...(logN !== undefined ? { logN } : {}),
      ...(deviceLock ? { exclusive: holding(deviceLock) } : {}),
    },
    passphrase,
  );
}

/** Deletes the home's database files (the database is closed). */
export function deleteHomeStore(home: string): void {
  const file = storePath(home);
  for (const f of [file, `${file}-wal`, `${file}-shm`, `${file}-journal`]) rmSync(f, { force: true });
}
