/**
 * The vault record: the one record a device store keeps in the clear (kv `vault`), saying how its
 * data key is found — beside the data ("device") or wrapped under a passphrase with NIP-49
 * ("passphrase") — plus what must be readable before anything opens: the count of wrong
 * passphrases, and the duress check. Pure: shapes and checks; `vault.ts` does the I/O.
 *
 * Runs in: Node and browsers (pure).
 */
import { StoreError } from "./store.ts";

/** The kv key of the vault record (the only record not sealed). */
export const VAULT_KEY = "vault";

/** The record's own format; a newer one is refused in plain words. */
export const VAULT_RECORD_VERSION = 1;

/**
 * The store's numbered migrations above the database schema (the SQLite and IndexedDB schemas
 * have their own numbers). `format` in the record is the last one applied.
 */
export const VAULT_MIGRATIONS = [
  { format: 1, description: "every stored value sealed under the data key; authors and event ids blinded" },
] as const;
export const LATEST_FORMAT = VAULT_MIGRATIONS[VAULT_MIGRATIONS.length - 1]?.format ?? 0;

export interface VaultRecord {
  v: typeof VAULT_RECORD_VERSION;
  format: number;
  /** Bumped whenever the data key or its protection changes, so other processes notice. */
  generation: number;
  protection: "device" | "passphrase";
  /** "device": where the platform keeps the key (`DataKeys.keep`). */
  device?: string;
  /** "passphrase": the data key as NIP-49 `ncryptsec`. */
  wrapped?: string;
  /**
   * "passphrase": an `ncryptsec` that only the duress passphrase opens; when none is set, one made
   * under a random passphrase nobody knows, so the record never tells whether duress is on.
   */
  decoy?: string;
  /** The blinding secret, sealed under the data key (base64). */
  blind: string;
  /** Wrong passphrases since the last unlock. */
  failed: number;
}

/** Checks a record read from the store. */
export function readVaultRecord(value: unknown, label: string): VaultRecord {
  const r = value as Partial<VaultRecord> | null;
  if (r === null || typeof r !== "object") throw damaged(label);
  if (typeof r.v === "number" && r.v > VAULT_RECORD_VERSION) {
    throw new StoreError(
      `${label} was written by a newer version of Rally (vault ${r.v}; this one knows up to ${VAULT_RECORD_VERSION}). Update Rally to open it.`,
      "version",
    );
  }
  if (typeof r.format === "number" && r.format > LATEST_FORMAT) {
    throw new StoreError(
      `${label} was written by a newer version of Rally (store format ${r.format}; this one knows up to ${LATEST_FORMAT}). Update Rally to open it.`,
      "version",
    );
  }
  const ok =
    r.v === VAULT_RECORD_VERSION &&
    typeof r.format === "number" &&
    typeof r.generation === "number" &&
    typeof r.blind === "string" &&
    typeof r.failed === "number" &&
    ((r.protection === "device" && typeof r.device === "string") ||
      (r.protection === "passphrase" && typeof r.wrapped === "string" && typeof r.decoy === "string"));
  if (!ok) throw damaged(label);
  return r as VaultRecord;
}

function damaged(label: string): StoreError {
  return new StoreError(`The key record of ${label} is damaged: Rally cannot open its data.`, "io");
}
