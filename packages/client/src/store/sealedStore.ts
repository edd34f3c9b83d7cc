/**
 * A `Store` whose records are sealed under the data key (`sealing.ts`) on their way into another
 * store (SQLite or IndexedDB) and opened on their way out. It answers exactly as the store beneath
 * it would for plain records: the shared conformance suite runs over it too.
 *
 * Every write of a batch is sealed before the batch reaches the store beneath, so the batch stays
 * one transaction (IndexedDB commits a transaction as soon as it waits for anything else).
 *
 * Runs in: Node and browsers.
 */
import type { Sealer } from "./sealing.ts";
import type { OutboxRow, RumorQuery, Store, StoreDump, StoredRumor, WriteOp } from "./store.ts";

export class SealedStore implements Store {
  readonly kind: string;

  constructor(
    private readonly inner: Store,
    private readonly sealer: Sealer,
    /** Records of the store beneath that are not sealed and not shown (the vault's own record). */
    private readonly hidden: readonly string[] = [],
  ) {
    this.kind = inner.kind;
  }

  async get<T = unknown>(key: string): Promise<T | undefined> {
    const stored = await this.inner.get<string>(key);
    return stored === undefined ? undefined : this.sealer.openValue<T>(kvAd(key), stored);
  }

  async list<T = unknown>(
    prefix: string,
    options?: { limit?: number },
  ): Promise<{ key: string; value: T }[]> {
    const rows = (await this.inner.list<string>(prefix, options)).filter((r) => !this.hidden.includes(r.key));
    return Promise.all(
      rows.map(async (r) => ({ key: r.key, value: await this.sealer.openValue<T>(kvAd(r.key), r.value) })),
    );
  }

  async getBlob(key: string): Promise<Uint8Array | undefined> {
    const sealed = await this.inner.getBlob(key);
    return sealed === undefined ? undefined : this.sealer.openBlob(key, sealed);
  }

  async seen(group: string, ids: string[]): Promise<Set<string>> {
    const byBlind = new Map<string, string>();
    for (const id of new Set(ids)) {
      if (typeof id === "string") byBlind.set(await this.sealer.seenId(group, id), id);
    }
    const found = await this.inner.seen(group, [...byBlind.keys()]);
    const out = new Set<string>();
    for (const b of found) {
      const id = byBlind.get(b);
      if (id !== undefined) out.add(id);
    }
    return out;
  }

  async getRumor(group: string, id: string): Promise<StoredRumor | undefined> {
    const r = await this.inner.getRumor(group, id);
    return r === undefined ? undefined : this.sealer.openRumor(r);
  }

  async rumors(query: RumorQuery): Promise<StoredRumor[]> {
    const rows = await this.inner.rumors(await this.blindQuery(query));
    return Promise.all(rows.map((r) => this.sealer.openRumor(r)));
  }

  async countRumors(query: RumorQuery): Promise<number> {
    return this.inner.countRumors(await this.blindQuery(query));
  }

  async outbox(): Promise<OutboxRow[]> {
    const rows = await this.inner.outbox();
    return Promise.all(
      rows.map(async (r) => ({
        ...r,
        value: await this.sealer.openOutboxValue(r.id, outboxAd(r.id), r.value),
      })),
    );
  }

  async batch(ops: WriteOp[]): Promise<void> {
    // Anything that is not a list goes to the store beneath unchanged, to be refused there.
    if (!Array.isArray(ops)) return this.inner.batch(ops);
    const sealed: WriteOp[] = [];
    for (const op of ops) sealed.push(await sealOp(this.sealer, op));
    return this.inner.batch(sealed);
  }

  /** Every record, opened. */
  async dump(): Promise<StoreDump> {
    const d = await this.inner.dump();
    return openDump(this.sealer, { ...d, kv: d.kv.filter((r) => !this.hidden.includes(r.key)) });
  }

  scrub(options?: { rebuild?: boolean }): Promise<void> {
    return this.inner.scrub(options);
  }

  close(): Promise<void> {
    return this.inner.close();
  }

  private async blindQuery(q: RumorQuery): Promise<RumorQuery> {
    if (q === null || typeof q !== "object") return q;
    const out: RumorQuery = { ...q };
    if (Array.isArray(q.authors)) out.authors = await this.blindAll(q.authors);
    if (Array.isArray(q.excludeAuthors)) out.excludeAuthors = await this.blindAll(q.excludeAuthors);
    if (Array.isArray(q.refs)) {
      const group = q.group;
      out.refs = await Promise.all(
        q.refs.map((r) => (isEventId(r) && typeof group === "string" ? this.sealer.ref(group, r) : r)),
      );
    }
    return out;
  }

  private blindAll(pubkeys: readonly string[]): Promise<string[]> {
    return Promise.all(pubkeys.map((p) => (typeof p === "string" ? this.sealer.author(p) : p)));
  }
}

/** One write with its data sealed; malformed ops pass through for the store beneath to refuse. */
export async function sealOp(sealer: Sealer, op: WriteOp): Promise<WriteOp> {
  switch (op?.op) {
    case "put":
      if (typeof op.key !== "string" || op.value === undefined) return op;
      return { op: "put", key: op.key, value: await sealer.sealValue(kvAd(op.key), op.value) };
    case "putBlob":
      if (typeof op.key !== "string" || !(op.data instanceof Uint8Array)) return op;
      return { op: "putBlob", key: op.key, data: await sealer.sealBlob(op.key, op.data) };
    case "markSeen":
      if (typeof op.group !== "string" || !Array.isArray(op.ids)) return op;
      return {
        ...op,
        // Only well-formed ids are blinded: anything else goes on as it is, to be refused beneath.
        ids: await Promise.all(op.ids.map((id) => (isEventId(id) ? sealer.seenId(op.group, id) : id))),
      };
    case "putRumor": {
      const r = op.rumor;
      if (!isRumorLike(r)) return op;
      return { op: "putRumor", rumor: await sealer.sealRumor(r) };
    }
    case "putOutbox":
      if (typeof op.id !== "string" || op.value === undefined) return op;
      return { op: "putOutbox", id: op.id, value: await sealer.sealValue(outboxAd(op.id), op.value) };
    default:
      return op;
  }
}

function isEventId(id: unknown): id is string {
  return typeof id === "string" && /^[0-9a-f]{64}$/.test(id);
}

function isRumorLike(r: unknown): r is StoredRumor {
  const x = r as StoredRumor | null;
  return (
    x !== null &&
    typeof x === "object" &&
    typeof x.group === "string" &&
    typeof x.id === "string" &&
    typeof x.pubkey === "string" &&
    /^[0-9a-f]{64}$/.test(x.pubkey) &&
    typeof x.json === "string" &&
    (x.refs === undefined || (Array.isArray(x.refs) && x.refs.every(isEventId)))
  );
}

export function kvAd(key: string): string {
  return `kv ${key}`;
}

export function outboxAd(id: string): string {
  return `outbox ${id}`;
}

/** A dump of sealed records, opened (a blinded processed-event id cannot be opened: kept blinded). */
export async function openDump(sealer: Sealer, d: StoreDump): Promise<StoreDump> {
  return {
    kv: await Promise.all(
      d.kv.map(async (r) => ({ key: r.key, value: await sealer.openValue(kvAd(r.key), r.value) })),
    ),
    blobs: await Promise.all(
      d.blobs.map(async (b) => ({ key: b.key, data: await sealer.openBlob(b.key, b.data) })),
    ),
    seen: d.seen,
    rumors: await Promise.all(d.rumors.map((r) => sealer.openRumor(r))),
    outbox: await Promise.all(
      d.outbox.map(async (r) => ({ ...r, value: await sealer.openValue(outboxAd(r.id), r.value) })),
    ),
  };
}
