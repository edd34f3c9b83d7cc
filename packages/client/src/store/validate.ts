/**
 * Input checks and shared semantics of the `Store` port, used by every adapter so that they
 * refuse the same things and order results the same way.
 *
 * Runs in: Node and browsers (pure).
 */
import { compareOrder } from "@rally/protocol/app";
import { type RumorQuery, type StoredRumor, StoreError } from "./store.ts";

const HEX64 = /^[0-9a-f]{64}$/;
const PRINTABLE_ASCII = /^[\x20-\x7e]+$/;
/** Keys are identifiers, not data: a cap keeps an index entry small. */
export const MAX_KEY_LENGTH = 1024;

export function checkKey(key: unknown, what = "key"): string {
  if (typeof key !== "string" || key.length === 0) throw new StoreError(`${what} must be a non-empty string`);
  if (key.length > MAX_KEY_LENGTH)
    throw new StoreError(`${what} is longer than ${MAX_KEY_LENGTH} characters`);
  // Printable ASCII only: keys are built from hex ids, names of our own and relay URLs (which are
  // ASCII once parsed), and one character set makes prefix order identical in every adapter.
  if (!PRINTABLE_ASCII.test(key)) throw new StoreError(`${what} must be printable ASCII`);
  return key;
}

/** Serialises a kv value; both adapters keep JSON text so they store exactly the same thing. */
export function encodeValue(key: string, value: unknown): string {
  let text: string | undefined;
  try {
    text = JSON.stringify(value);
  } catch (e) {
    throw new StoreError(`value for ${key} cannot be stored as JSON: ${(e as Error).message}`);
  }
  if (text === undefined)
    throw new StoreError(`value for ${key} cannot be stored as JSON (got ${typeof value})`);
  return text;
}

export function decodeValue<T>(text: string): T {
  return JSON.parse(text) as T;
}

export function checkBytes(data: unknown, key: string): Uint8Array {
  if (!(data instanceof Uint8Array)) throw new StoreError(`blob ${key} must be a Uint8Array`);
  return data;
}

export function checkTimestamp(n: unknown, what: string): number {
  if (typeof n !== "number" || !Number.isSafeInteger(n) || n < 0) {
    throw new StoreError(`${what} must be a non-negative integer (unix seconds)`);
  }
  return n;
}

/** Milliseconds within a second: a whole number from 0 to 999. */
export function checkMs(n: unknown, what: string): number {
  if (typeof n !== "number" || !Number.isInteger(n) || n < 0 || n > 999) {
    throw new StoreError(`${what} must be a whole number from 0 to 999 (milliseconds)`);
  }
  return n;
}

export function checkEventId(id: unknown, what = "event id"): string {
  if (typeof id !== "string" || !HEX64.test(id))
    throw new StoreError(`${what} must be 64 lowercase hex characters`);
  return id;
}

export function checkRumor(r: unknown): StoredRumor {
  if (typeof r !== "object" || r === null) throw new StoreError("rumor must be an object");
  const x = r as Record<string, unknown>;
  checkEventId(x.id, "rumor id");
  checkKey(x.group, "rumor group");
  if (typeof x.kind !== "number" || !Number.isInteger(x.kind) || x.kind < 0 || x.kind > 65535) {
    throw new StoreError("rumor kind must be an integer from 0 to 65535");
  }
  checkTimestamp(x.created_at, "rumor created_at");
  checkEventId(x.pubkey, "rumor pubkey");
  if (typeof x.json !== "string") throw new StoreError("rumor json must be a string");
  const out: StoredRumor = {
    id: x.id as string,
    group: x.group as string,
    kind: x.kind,
    created_at: x.created_at as number,
    pubkey: x.pubkey as string,
    json: x.json,
  };
  // Stored only when it says something: a rumor at 0 reads back as one without.
  if (x.ms !== undefined && checkMs(x.ms, "rumor ms") !== 0) out.ms = x.ms as number;
  if (x.refs !== undefined) {
    if (!Array.isArray(x.refs)) throw new StoreError("rumor refs must be a list of ids");
    const refs = [...new Set(x.refs.map((r) => checkEventId(r, "rumor ref")))];
    if (refs.length > 0) out.refs = refs;
  }
  return out;
}

export function checkQuery(q: RumorQuery): void {
  checkKey(q.group, "group");
  if (q.limit !== undefined && (!Number.isSafeInteger(q.limit) || q.limit < 0)) {
    throw new StoreError("limit must be a non-negative integer");
  }
  if (q.since !== undefined) checkTimestamp(q.since, "since");
  if (q.until !== undefined) checkTimestamp(q.until, "until");
  if (q.before !== undefined) {
    checkTimestamp(q.before.created_at, "before.created_at");
    if (q.before.ms !== undefined) checkMs(q.before.ms, "before.ms");
    if (typeof q.before.id !== "string") throw new StoreError("before.id must be a string");
  }
  for (const k of q.kinds ?? []) {
    if (!Number.isInteger(k)) throw new StoreError("kinds must be integers");
  }
  if (q.refs !== undefined && !Array.isArray(q.refs)) throw new StoreError("refs must be a list of ids");
}

/** Result order: newest first, the protocol's order reversed (time, then ms, then id). */
export function newestFirst(a: StoredRumor, b: StoredRumor): number {
  return compareOrder(b, a);
}

/** The naive reading of a query, for adapters that filter in memory and for tests. */
export function rumorMatches(q: RumorQuery, r: StoredRumor): boolean {
  if (r.group !== q.group) return false;
  if (q.kinds && !q.kinds.includes(r.kind)) return false;
  if (q.authors && !q.authors.includes(r.pubkey)) return false;
  if (q.excludeAuthors?.includes(r.pubkey)) return false;
  if (q.since !== undefined && r.created_at < q.since) return false;
  if (q.until !== undefined && r.created_at > q.until) return false;
  if (q.before) {
    if (compareOrder(r, q.before) >= 0) return false;
  }
  if (q.refs && !(r.refs ?? []).some((ref) => q.refs?.includes(ref))) return false;
  return true;
}

/**
 * The smallest string greater than every string starting with `prefix`, so that a prefix scan is
 * the half-open range [prefix, upper). Keys are printable ASCII (`checkKey`), so incrementing the
 * last character is exact and sorts the same in SQLite (UTF-8 bytes) and IndexedDB (UTF-16 units).
 */
export function prefixUpperBound(prefix: string): string {
  return prefix.slice(0, -1) + String.fromCharCode(prefix.charCodeAt(prefix.length - 1) + 1);
}
