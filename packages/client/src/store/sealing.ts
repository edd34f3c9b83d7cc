/**
 * How each kind of stored record is sealed under the data key (`dataKey.ts`), and opened again.
 * What stays readable is only what the store must compare or order by: record keys (local group
 * ids, event ids, relay addresses of sync cursors), rumor kinds and times (seconds and the
 * milliseconds within them), and the outbox order.
 * Every value, blob, rumor body and name is sealed; a rumor's author and a processed event's id are
 * blinded (keyed hash), so queries by them still match while the files name no one.
 *
 * Runs in: Node and browsers (pure, over a `DataKey`).
 */
import { fromBase64, toBase64 } from "./base64.ts";
import type { DataKey } from "./dataKey.ts";
import { type StoredRumor, StoreError } from "./store.ts";

/** Sealed kv and outbox values are text: this prefix, then base64. */
const VALUE_PREFIX = "s1:";
const PUBKEY_CHARS = 64;
/**
 * A rumor's refs travel sealed between its author and its body, fenced by this character (no JSON
 * text begins with a control character, so a body without refs reads as before).
 */
const REFS_FENCE = "\u0001";
const BLIND_CACHE = 4096;
/**
 * Opened rumors kept in memory, by place and sealed text: screens read a group's history again and
 * again, and opening costs more than reading. Dropped with the key when the device locks.
 */
const RUMOR_CACHE = 50_000;

const utf8 = new TextEncoder();
const text = new TextDecoder("utf-8", { fatal: true });

export class Sealer {
  private readonly blinds = new Map<string, string>();
  private readonly opened = new Map<string, { sealed: string; rumor: StoredRumor }>();
  private readonly openedOutbox = new Map<string, { sealed: unknown; value: unknown }>();

  constructor(private readonly key: DataKey) {}

  /** A kv or outbox value, sealed as text bound to its place (`ad`). */
  async sealValue(ad: string, value: unknown): Promise<string> {
    let json: string | undefined;
    try {
      json = JSON.stringify(value);
    } catch (e) {
      throw new StoreError(`value for ${ad} cannot be stored as JSON: ${(e as Error).message}`);
    }
    if (json === undefined)
      throw new StoreError(`value for ${ad} cannot be stored as JSON (got ${typeof value})`);
    return VALUE_PREFIX + toBase64(await this.key.seal(utf8.encode(json), ad));
  }

  async openValue<T>(ad: string, stored: unknown): Promise<T> {
    if (typeof stored !== "string" || !stored.startsWith(VALUE_PREFIX)) throw damaged(ad);
    const plain = await this.openBytes(fromBase64(stored.slice(VALUE_PREFIX.length)), ad);
    return JSON.parse(text.decode(plain)) as T;
  }

  /**
   * An outbox record's value, opened once per sealed text: the outbox is read whole each time the
   * device lock is taken, and sent entries stay a while, so a device sending many messages in a
   * row opened every one of them again for each send (46 ms a send after 1,500). The value is
   * frozen, as it is shared between reads; entries are replaced, never changed in place.
   */
  async openOutboxValue(id: string, ad: string, stored: unknown): Promise<unknown> {
    const hit = this.openedOutbox.get(id);
    if (hit !== undefined && hit.sealed === stored) return hit.value;
    const value = deepFreeze(await this.openValue<unknown>(ad, stored));
    if (this.openedOutbox.size >= RUMOR_CACHE) this.openedOutbox.clear();
    this.openedOutbox.set(id, { sealed: stored, value });
    return value;
  }

  sealBlob(key: string, data: Uint8Array): Promise<Uint8Array> {
    return this.key.seal(data, `blob ${key}`);
  }

  openBlob(key: string, sealed: Uint8Array): Promise<Uint8Array> {
    return this.openBytes(sealed, `blob ${key}`);
  }

  /**
   * The author, the refs and the body sealed together; the author and refs columns hold their
   * blinded forms (a ref is blinded per group, so the files do not show what reacts to what).
   */
  async sealRumor(r: StoredRumor): Promise<StoredRumor> {
    const refs = r.refs && r.refs.length > 0 ? REFS_FENCE + r.refs.join("") + REFS_FENCE : "";
    const body = await this.key.seal(utf8.encode(r.pubkey + refs + r.json), rumorAd(r.group, r.id));
    const out: StoredRumor = { ...r, pubkey: await this.author(r.pubkey), json: toBase64(body) };
    if (r.refs && r.refs.length > 0) out.refs = await Promise.all(r.refs.map((x) => this.ref(r.group, x)));
    return out;
  }

  async openRumor(r: StoredRumor): Promise<StoredRumor> {
    const ad = rumorAd(r.group, r.id);
    const hit = this.opened.get(ad);
    if (hit !== undefined && hit.sealed === r.json) {
      const { ms: _, ...rumor } = hit.rumor;
      return {
        ...rumor,
        kind: r.kind,
        created_at: r.created_at,
        ...(r.ms !== undefined ? { ms: r.ms } : {}),
      };
    }
    let plain: string;
    try {
      plain = text.decode(await this.openBytes(fromBase64(r.json), ad));
    } catch (e) {
      throw e instanceof StoreError ? e : damaged(ad);
    }
    const rumor: StoredRumor = {
      ...r,
      pubkey: plain.slice(0, PUBKEY_CHARS),
      json: plain.slice(PUBKEY_CHARS),
    };
    delete rumor.refs;
    if (plain[PUBKEY_CHARS] === REFS_FENCE) {
      const end = plain.indexOf(REFS_FENCE, PUBKEY_CHARS + 1);
      if (end < 0) throw damaged(ad);
      const joined = plain.slice(PUBKEY_CHARS + 1, end);
      const refs: string[] = [];
      for (let i = 0; i < joined.length; i += PUBKEY_CHARS) refs.push(joined.slice(i, i + PUBKEY_CHARS));
      if (refs.length > 0) rumor.refs = refs;
      rumor.json = plain.slice(end + 1);
    }
    if (this.opened.size >= RUMOR_CACHE) this.opened.clear();
    this.opened.set(ad, { sealed: r.json, rumor });
    return { ...rumor };
  }

  /** What the author column holds for this person. */
  author(pubkey: string): Promise<string> {
    return this.blind(`author ${pubkey}`);
  }

  /** What the refs index holds for a rumor id acted on in this group. */
  ref(group: string, id: string): Promise<string> {
    return this.blind(`ref ${group} ${id}`);
  }

  /** What the processed-events table holds for this event id in this group. */
  seenId(group: string, id: string): Promise<string> {
    return this.blind(`seen ${group} ${id}`);
  }

  private async blind(input: string): Promise<string> {
    const cached = this.blinds.get(input);
    if (cached !== undefined) return cached;
    const out = await this.key.blind(input);
    if (this.blinds.size >= BLIND_CACHE) this.blinds.clear();
    this.blinds.set(input, out);
    return out;
  }

  private async openBytes(sealed: Uint8Array, ad: string): Promise<Uint8Array> {
    try {
      return await this.key.open(sealed, ad);
    } catch {
      throw damaged(ad);
    }
  }
}

function deepFreeze<T>(value: T): T {
  if (typeof value === "object" && value !== null && !Object.isFrozen(value)) {
    Object.freeze(value);
    for (const v of Object.values(value)) deepFreeze(v);
  }
  return value;
}

function rumorAd(group: string, id: string): string {
  return `rumor ${group} ${id}`;
}

function damaged(where: string): StoreError {
  return new StoreError(
    `A record in the Rally database (${where.split(" ")[0]}) does not open with this device's key: it is damaged or was not written by this device.`,
    "io",
  );
}
