/**
 * The vault: the `Store` a Rally device actually uses. It keeps every record sealed under a random
 * data key (`sealedStore.ts`) in the platform's store beneath (SQLite or IndexedDB) and holds that
 * key in memory only while the device is open.
 *
 * - "device" protection: the key is kept by the platform beside the data (`DataKeys.keep`); the
 *   vault opens by itself.
 * - "passphrase" protection: the key is NIP-49 `ncryptsec` under the passphrase (scrypt); the vault
 *   opens locked, and every read or write fails with code "locked" until `unlock`.
 *
 * Setting, changing or removing a passphrase makes a new data key and re-seals the whole store in
 * one transaction, so a copy of the files taken earlier does not open what is written afterwards.
 * Erasing destroys the key first (the record is overwritten and the write-ahead log truncated),
 * then the files. A store written before encryption at rest is sealed in place, in one transaction,
 * the first time it is opened (numbered migrations in `vaultRecord.ts`).
 *
 * Runs in: Node and browsers.
 */
import { decryptSecretKey, encryptSecretKey, generateSecretKey } from "@rally/protocol/identity";
import { fromBase64, toBase64 } from "./base64.ts";
import { DATA_KEY_BYTES, type DataKey, type DataKeys } from "./dataKey.ts";
import { kvAd, openDump, outboxAd, SealedStore } from "./sealedStore.ts";
import { Sealer } from "./sealing.ts";
import {
  type OutboxRow,
  type RumorQuery,
  type Store,
  type StoreDump,
  type StoredRumor,
  StoreError,
  type WriteOp,
} from "./store.ts";
import {
  LATEST_FORMAT,
  readVaultRecord,
  VAULT_KEY,
  VAULT_RECORD_VERSION,
  type VaultRecord,
} from "./vaultRecord.ts";

/** Settings that belong to the protection but may be private (sealed like any record). */
const SETTINGS_KEY = "security";
/** The web app's idle lock when a passphrase is set and nothing else was chosen. */
export const DEFAULT_AUTO_LOCK_MINUTES = 15;

interface SecuritySettings {
  duress: boolean;
  autoLockMinutes: number | null;
}

export interface VaultSecurity {
  protection: "device" | "passphrase";
  locked: boolean;
  failedUnlocks: number;
  duress: boolean;
  autoLockMinutes: number | null;
}

/** A store written before encryption at rest: what only the account layer knows about it. */
export interface LegacyStore {
  /** True when the old store's secrets were encrypted under a passphrase (NIP-49). */
  needsPassphrase(dump: StoreDump): boolean;
  /** The old records with their passphrase-encrypted parts opened; throws when `passphrase` is wrong. */
  open(dump: StoreDump, passphrase: string | null): StoreDump;
}

export interface VaultOptions {
  /** How the store is named in messages ("the Rally database /home/…/rally.db"). */
  label: string;
  keys: DataKeys;
  /** Opens (creating) the platform store beneath; again after an erase. */
  openInner(): Promise<Store>;
  /** Deletes the platform store's files once it is closed. */
  destroyInner(): Promise<void>;
  legacy?: LegacyStore;
  /** scrypt cost of the passphrase (NIP-49 log_n); tests may lower it. */
  logN?: number;
  /**
   * Runs `fn` while no other process or tab on the same store runs anything (the device lock):
   * making the first key or sealing an older store must happen once, not twice side by side.
   */
  exclusive?: <T>(fn: () => Promise<T>) => Promise<T>;
}

export class Vault implements Store {
  readonly kind: string;
  private sealed: SealedStore | null = null;
  private key: DataKey | null = null;
  private record: VaultRecord | null = null;
  private erased = false;
  private closed = false;

  private constructor(
    private inner: Store,
    private readonly options: VaultOptions,
  ) {
    this.kind = inner.kind;
  }

  /** Opens the vault: unlocked when the device holds its key, or when `passphrase` opens it. */
  static async open(options: VaultOptions, passphrase: string | null = null): Promise<Vault> {
    const vault = new Vault(await options.openInner(), options);
    const exclusive = options.exclusive ?? ((fn) => fn());
    try {
      // The device lock only when something must be written: the first key, or sealing an older
      // store (each must happen once, not twice side by side). Opening a sealed store reads only.
      if (!(await vault.loadExisting())) await exclusive(() => vault.load());
      if (passphrase !== null && vault.locked) {
        if (vault.record === null) await exclusive(() => vault.unlock(passphrase));
        else await vault.unlock(passphrase);
      }
    } catch (e) {
      await vault.inner.close().catch(() => {});
      throw e;
    }
    return vault;
  }

  /** True while the key is not in memory (a closed or erased vault is not locked: it is gone). */
  get locked(): boolean {
    return this.sealed === null && !this.closed && !this.erased;
  }

  async security(): Promise<VaultSecurity> {
    const record = this.record;
    const protection = record?.protection ?? "passphrase";
    const settings = this.sealed ? await this.settings() : null;
    return {
      protection,
      locked: this.locked,
      failedUnlocks: record?.failed ?? 0,
      duress: settings?.duress ?? false,
      autoLockMinutes: protection === "passphrase" ? (settings?.autoLockMinutes ?? null) : null,
    };
  }

  /**
   * Opens a locked vault. "duress" when the passphrase was the duress one: the store was erased and
   * a new, empty one opened in its place.
   */
  async unlock(passphrase: string): Promise<"opened" | "duress"> {
    this.checkUsable();
    if (typeof passphrase !== "string" || passphrase.length === 0) {
      throw new StoreError("Type the passphrase.", "wrong-passphrase");
    }
    if (!this.locked) return "opened";
    const record = this.record;
    if (record === null) {
      await this.migrateLegacy(passphrase);
      return "opened";
    }
    const raw = tryDecrypt(record.wrapped, passphrase);
    if (raw) {
      await this.openWith(record, raw);
      if (record.failed > 0) await this.writeRecord({ ...record, failed: 0 }, false);
      return "opened";
    }
    if (tryDecrypt(record.decoy, passphrase)) {
      await this.erase();
      await this.reset();
      return "duress";
    }
    const failed = record.failed + 1;
    await this.writeRecord({ ...record, failed }, false);
    throw new StoreError(
      `Wrong passphrase (${failed} wrong ${failed === 1 ? "try" : "tries"} since the last unlock).`,
      "wrong-passphrase",
    );
  }

  /** Forgets the key: nothing can be read or written until `unlock`. Only with a passphrase. */
  lock(): void {
    if (this.record?.protection !== "passphrase") return;
    this.sealed = null;
    this.key = null;
  }

  /**
   * Protects the store with `next` (null: the device keeps the key). A new data key re-seals every
   * record. With a passphrase set, `current` must open it.
   */
  async setPassphrase(next: string | null, current?: string): Promise<void> {
    const record = this.openRecord();
    if (next !== null && (typeof next !== "string" || next.length === 0)) {
      throw new StoreError("A passphrase cannot be empty.");
    }
    if (record.protection === "passphrase" && !tryDecrypt(record.wrapped, current ?? "")) {
      throw new StoreError(
        current ? "That is not the current passphrase." : "Give the current passphrase first.",
        "wrong-passphrase",
      );
    }
    const settings = await this.settings();
    if (next !== null && settings.duress && tryDecrypt(record.decoy, next)) {
      throw new StoreError("The passphrase must differ from the duress passphrase.");
    }
    // A duress passphrase belongs to a passphrase: removing the passphrase removes it too.
    const keepDecoy = next !== null && settings.duress ? record.decoy : undefined;
    const nextSettings: SecuritySettings =
      next === null
        ? { duress: false, autoLockMinutes: null }
        : {
            duress: keepDecoy !== undefined,
            autoLockMinutes:
              record.protection === "passphrase" ? settings.autoLockMinutes : DEFAULT_AUTO_LOCK_MINUTES,
          };
    await this.rekey(next, keepDecoy, nextSettings);
  }

  /** Sets (or, with null, removes) the duress passphrase. Needs a passphrase. */
  async setDuress(passphrase: string | null): Promise<void> {
    const record = this.openRecord();
    if (record.protection !== "passphrase") {
      throw new StoreError("Set a passphrase first: the duress passphrase is typed where it is asked.");
    }
    if (passphrase !== null) {
      if (typeof passphrase !== "string" || passphrase.length === 0) {
        throw new StoreError("A duress passphrase cannot be empty.");
      }
      if (tryDecrypt(record.wrapped, passphrase)) {
        throw new StoreError("The duress passphrase must differ from the passphrase.");
      }
    }
    const decoy = newDecoy(passphrase, this.options.logN);
    const settings = { ...(await this.settings()), duress: passphrase !== null };
    const sealer = this.sealerOrThrow();
    await this.inner.batch([
      { op: "put", key: VAULT_KEY, value: { ...record, decoy, generation: record.generation + 1 } },
      { op: "put", key: SETTINGS_KEY, value: await sealer.sealValue(kvAd(SETTINGS_KEY), settings) },
    ]);
    this.record = { ...record, decoy, generation: record.generation + 1 };
  }

  async setAutoLock(minutes: number | null): Promise<void> {
    const record = this.openRecord();
    if (record.protection !== "passphrase") {
      throw new StoreError("Set a passphrase first: without one there is nothing to lock.");
    }
    if (minutes !== null && (!Number.isInteger(minutes) || minutes < 1 || minutes > 24 * 60)) {
      throw new StoreError("Choose between 1 minute and 24 hours, or never.");
    }
    await this.put(SETTINGS_KEY, { ...(await this.settings()), autoLockMinutes: minutes });
  }

  /**
   * Erases the device: the key first (record overwritten, kept keys destroyed, the write-ahead log
   * truncated: from then on nothing stored opens), then the files. Returns how long, in
   * milliseconds, the data stayed readable after the call.
   */
  async erase(): Promise<number> {
    const started = performance.now();
    this.sealed = null;
    this.key = null;
    this.record = null;
    if (!this.erased) {
      await this.inner.batch([
        { op: "put", key: VAULT_KEY, value: { v: VAULT_RECORD_VERSION, erased: true } },
      ]);
      await this.options.keys.forgetAll();
      await this.inner.scrub();
    }
    const unreadable = performance.now() - started;
    this.erased = true;
    await this.inner.close().catch(() => {});
    await this.options.destroyInner();
    return unreadable;
  }

  /**
   * Reads the record again (another process or tab may have changed the protection or the key):
   * a new key is loaded when the device holds it, and the vault locks when only a passphrase opens it.
   */
  async refresh(): Promise<void> {
    if (this.erased) return;
    const value = await this.inner.get(VAULT_KEY);
    // No record yet: an older store still waiting for its passphrase to be sealed.
    if (value === undefined && this.record === null) return;
    if (value === undefined || isErasedMark(value)) {
      this.sealed = null;
      this.key = null;
      this.record = null;
      this.erased = true;
      return;
    }
    const record = readVaultRecord(value, this.options.label);
    if (this.record && record.generation === this.record.generation) {
      this.record = record;
      return;
    }
    this.record = record;
    this.sealed = null;
    this.key = null;
    if (record.protection === "device")
      await this.openWithKey(record, await this.options.keys.load(record.device ?? ""));
  }

  // --- Store ---

  get<T = unknown>(key: string): Promise<T | undefined> {
    return this.store().get<T>(key);
  }

  list<T = unknown>(prefix: string, options?: { limit?: number }): Promise<{ key: string; value: T }[]> {
    return this.store().list<T>(prefix, options);
  }

  getBlob(key: string): Promise<Uint8Array | undefined> {
    return this.store().getBlob(key);
  }

  seen(group: string, ids: string[]): Promise<Set<string>> {
    return this.store().seen(group, ids);
  }

  getRumor(group: string, id: string): Promise<StoredRumor | undefined> {
    return this.store().getRumor(group, id);
  }

  rumors(query: RumorQuery): Promise<StoredRumor[]> {
    return this.store().rumors(query);
  }

  countRumors(query: RumorQuery): Promise<number> {
    return this.store().countRumors(query);
  }

  outbox(): Promise<OutboxRow[]> {
    return this.store().outbox();
  }

  async dump(): Promise<StoreDump> {
    const d = await this.store().dump();
    return { ...d, kv: d.kv.filter((r) => r.key !== SETTINGS_KEY) };
  }

  async batch(ops: WriteOp[]): Promise<void> {
    const store = this.store();
    if (Array.isArray(ops)) for (const op of ops) refuseReserved(op);
    await store.batch(ops);
    // A superseded epoch state (its secrets) or a deleted message must not stay readable in the
    // write-ahead log or in pages the log has not yet replaced in the database.
    if (Array.isArray(ops) && ops.some(forgetsSomething)) await this.inner.scrub();
  }

  scrub(options?: { rebuild?: boolean }): Promise<void> {
    return this.erased ? Promise.resolve() : this.inner.scrub(options);
  }

  async close(): Promise<void> {
    this.closed = true;
    this.sealed = null;
    this.key = null;
    if (!this.erased) await this.inner.close();
  }

  // --- inside ---

  /** Opens a store that has its record already (true); false when there is something to write. */
  private async loadExisting(): Promise<boolean> {
    const value = await this.inner.get(VAULT_KEY);
    if (value === undefined || isErasedMark(value)) return false;
    const record = readVaultRecord(value, this.options.label);
    this.record = record;
    if (record.protection === "device") {
      await this.openWithKey(record, await this.options.keys.load(record.device ?? ""));
    }
    return true;
  }

  /** Reads the record and opens what opens without a passphrase; seals an older store first. */
  private async load(): Promise<void> {
    const value = await this.inner.get(VAULT_KEY);
    if (value !== undefined && isErasedMark(value)) {
      // An erase that stopped after destroying the key: finish it, and start afresh.
      await this.inner.close();
      await this.options.destroyInner();
      this.inner = await this.options.openInner();
      return this.load();
    }
    if (value !== undefined) {
      const record = readVaultRecord(value, this.options.label);
      this.record = record;
      if (record.protection === "device")
        await this.openWithKey(record, await this.options.keys.load(record.device ?? ""));
      return;
    }
    const dump = await this.inner.dump();
    const legacy = this.options.legacy;
    if (isEmpty(dump) || !legacy?.needsPassphrase(dump)) {
      await this.seal(dump, null);
      return;
    }
    // An older store whose account was under a passphrase: it is sealed when the passphrase comes.
    this.record = null;
  }

  private async migrateLegacy(passphrase: string): Promise<void> {
    const dump = await this.inner.dump();
    await this.seal(dump, passphrase);
  }

  /**
   * Seals a store that has no vault record yet (new, or written before encryption at rest) under a
   * new data key, in one transaction with the record.
   */
  private async seal(plainDump: StoreDump, passphrase: string | null): Promise<void> {
    let dump = plainDump;
    if (!isEmpty(dump) && this.options.legacy) {
      try {
        dump = this.options.legacy.open(dump, passphrase);
      } catch (e) {
        if (passphrase !== null) throw new StoreError("Wrong passphrase.", "wrong-passphrase");
        throw e;
      }
    }
    const fresh = await this.newKey(passphrase, undefined);
    const ops: WriteOp[] = [];
    const groups = new Set([...dump.seen.map((s) => s.group), ...dump.rumors.map((r) => r.group)]);
    for (const group of groups) ops.push({ op: "dropGroup", group });
    ops.push(...(await sealRecords(fresh.sealer, dump)));
    for (const s of dump.seen)
      ops.push({ op: "markSeen", group: s.group, ids: [await fresh.sealer.seenId(s.group, s.id)], at: s.at });
    const settings: SecuritySettings = {
      duress: false,
      autoLockMinutes: passphrase === null ? null : DEFAULT_AUTO_LOCK_MINUTES,
    };
    ops.push({
      op: "put",
      key: SETTINGS_KEY,
      value: await fresh.sealer.sealValue(kvAd(SETTINGS_KEY), settings),
    });
    ops.push({ op: "put", key: VAULT_KEY, value: fresh.record });
    await this.inner.batch(ops);
    // The plain copies are gone from the tables; make sure they are gone from the files too.
    if (!isEmpty(dump)) await this.inner.scrub({ rebuild: true });
    this.adopt(fresh);
  }

  /** A new data key for the whole store, re-sealing every record in one transaction. */
  private async rekey(
    passphrase: string | null,
    decoy: string | undefined,
    settings: SecuritySettings,
  ): Promise<void> {
    const old = this.openRecord();
    const opened = await openDump(this.sealerOrThrow(), await this.innerDump());
    const blindSecret = await this.blindSecret(old);
    const fresh = await this.newKey(passphrase, decoy, blindSecret, old.generation + 1);
    const ops = await sealRecords(fresh.sealer, opened);
    ops.push({
      op: "put",
      key: SETTINGS_KEY,
      value: await fresh.sealer.sealValue(kvAd(SETTINGS_KEY), settings),
    });
    ops.push({ op: "put", key: VAULT_KEY, value: fresh.record });
    await this.inner.batch(ops);
    await this.inner.scrub({ rebuild: true });
    if (old.protection === "device" && old.device) await this.options.keys.forget(old.device);
    this.adopt(fresh);
  }

  private async newKey(
    passphrase: string | null,
    decoy: string | undefined,
    blindSecret: Uint8Array = randomBytes(DATA_KEY_BYTES),
    generation = 1,
  ): Promise<{ record: VaultRecord; key: DataKey; sealer: Sealer }> {
    // A valid secp256k1 scalar, which NIP-49 requires of what it wraps; as random as any 32 bytes.
    const raw = generateSecretKey();
    const keys = this.options.keys;
    const key = await keys.fromRaw(raw, blindSecret);
    const sealer = new Sealer(key);
    const blind = toBase64(await key.seal(blindSecret, "blind"));
    const base = { v: VAULT_RECORD_VERSION, format: LATEST_FORMAT, generation, blind, failed: 0 } as const;
    const record: VaultRecord =
      passphrase === null
        ? { ...base, protection: "device", device: await keys.keep(raw, blindSecret) }
        : {
            ...base,
            protection: "passphrase",
            wrapped: encryptSecretKey(raw, passphrase, this.logN()),
            decoy: decoy ?? newDecoy(null, this.options.logN),
          };
    raw.fill(0);
    return { record, key, sealer };
  }

  private adopt(fresh: { record: VaultRecord; key: DataKey; sealer: Sealer }): void {
    this.record = fresh.record;
    this.key = fresh.key;
    this.sealed = new SealedStore(this.inner, fresh.sealer, [VAULT_KEY]);
  }

  private async openWith(record: VaultRecord, raw: Uint8Array): Promise<void> {
    // The blinding secret is sealed under the data key: open it with a key made of `raw` alone.
    const probe = await this.options.keys.fromRaw(raw, new Uint8Array(DATA_KEY_BYTES));
    const blindSecret = await probe.open(fromBase64(record.blind), "blind");
    const key = await this.options.keys.fromRaw(raw, blindSecret);
    raw.fill(0);
    blindSecret.fill(0);
    await this.openWithKey(record, key);
  }

  private async openWithKey(record: VaultRecord, key: DataKey): Promise<void> {
    this.record = record;
    this.key = key;
    this.sealed = new SealedStore(this.inner, new Sealer(key), [VAULT_KEY]);
  }

  private async blindSecret(record: VaultRecord): Promise<Uint8Array> {
    if (!this.key) throw locked();
    return this.key.open(fromBase64(record.blind), "blind");
  }

  /** After an erase under duress: a new, empty store with a key the device holds. */
  private async reset(): Promise<void> {
    this.inner = await this.options.openInner();
    this.erased = false;
    await this.seal(emptyDump(), null);
  }

  private async settings(): Promise<SecuritySettings> {
    const stored = await this.store().get<Partial<SecuritySettings>>(SETTINGS_KEY);
    return {
      duress: stored?.duress === true,
      autoLockMinutes: typeof stored?.autoLockMinutes === "number" ? stored.autoLockMinutes : null,
    };
  }

  private async put(key: string, value: unknown): Promise<void> {
    await this.store().batch([{ op: "put", key, value }]);
  }

  private async writeRecord(record: VaultRecord, bump: boolean): Promise<void> {
    const next = bump ? { ...record, generation: record.generation + 1 } : record;
    await this.inner.batch([{ op: "put", key: VAULT_KEY, value: next }]);
    this.record = next;
  }

  private async innerDump(): Promise<StoreDump> {
    const d = await this.inner.dump();
    return { ...d, kv: d.kv.filter((r) => r.key !== VAULT_KEY && r.key !== SETTINGS_KEY) };
  }

  private openRecord(): VaultRecord {
    this.checkUsable();
    if (this.locked || this.record === null) throw locked();
    return this.record;
  }

  private sealerOrThrow(): Sealer {
    if (!this.key) throw locked();
    return new Sealer(this.key);
  }

  private store(): SealedStore {
    this.checkUsable();
    if (this.sealed === null) throw locked();
    return this.sealed;
  }

  private checkUsable(): void {
    if (this.erased) throw new StoreError("This device was erased.", "closed");
    if (this.closed) throw new StoreError("The Rally database is closed", "closed");
  }

  private logN(): { logN?: number } {
    return this.options.logN !== undefined ? { logN: this.options.logN } : {};
  }
}

/** Every record of a plain dump as writes of its sealed form (processed ids are left to the caller). */
async function sealRecords(sealer: Sealer, dump: StoreDump): Promise<WriteOp[]> {
  const ops: WriteOp[] = [];
  for (const r of dump.kv) {
    if (r.key === VAULT_KEY || r.key === SETTINGS_KEY) continue;
    ops.push({ op: "put", key: r.key, value: await sealer.sealValue(kvAd(r.key), r.value) });
  }
  for (const b of dump.blobs)
    ops.push({ op: "putBlob", key: b.key, data: await sealer.sealBlob(b.key, b.data) });
  for (const r of dump.rumors) ops.push({ op: "putRumor", rumor: await sealer.sealRumor(r) });
  for (const o of dump.outbox) {
    ops.push({ op: "putOutbox", id: o.id, value: await sealer.sealValue(outboxAd(o.id), o.value) });
  }
  return ops;
}

/** True for a write after which something secret must be gone from the files. */
function forgetsSomething(op: WriteOp): boolean {
  switch (op?.op) {
    case "putBlob":
      return typeof op.key === "string" && op.key.endsWith("/epoch");
    case "deleteBlob":
    case "deleteBlobPrefix":
    case "deleteRumor":
    case "dropGroup":
      return true;
    default:
      return false;
  }
}

/** The record and the protection's settings are the vault's own: nothing above writes them. */
function refuseReserved(op: WriteOp): void {
  const touches =
    ((op?.op === "put" || op?.op === "delete") && (op.key === VAULT_KEY || op.key === SETTINGS_KEY)) ||
    (op?.op === "deletePrefix" &&
      typeof op.prefix === "string" &&
      op.prefix.length > 0 &&
      (VAULT_KEY.startsWith(op.prefix) || SETTINGS_KEY.startsWith(op.prefix)));
  if (touches) throw new StoreError(`The records "${VAULT_KEY}" and "${SETTINGS_KEY}" belong to the vault.`);
}

function tryDecrypt(ncryptsec: string | undefined, passphrase: string): Uint8Array | null {
  if (!ncryptsec || passphrase.length === 0) return null;
  try {
    return decryptSecretKey(ncryptsec, passphrase);
  } catch {
    return null;
  }
}

/** An `ncryptsec` only `passphrase` opens; with null, one under a random passphrase nobody keeps. */
function newDecoy(passphrase: string | null, logN: number | undefined): string {
  const secret = passphrase ?? toBase64(randomBytes(24));
  return encryptSecretKey(generateSecretKey(), secret, logN !== undefined ? { logN } : {});
}

function randomBytes(n: number): Uint8Array {
  return crypto.getRandomValues(new Uint8Array(n));
}

function isErasedMark(value: unknown): boolean {
  return (value as { erased?: unknown } | null)?.erased === true;
}

function isEmpty(d: StoreDump): boolean {
  return (
    d.kv.every((r) => r.key === VAULT_KEY) &&
    d.blobs.length === 0 &&
    d.seen.length === 0 &&
    d.rumors.length === 0 &&
    d.outbox.length === 0
  );
}

function emptyDump(): StoreDump {
  return { kv: [], blobs: [], seen: [], rumors: [], outbox: [] };
}

function locked(): StoreError {
  return new StoreError("This device is locked: unlock it with its passphrase first.", "locked");
}
