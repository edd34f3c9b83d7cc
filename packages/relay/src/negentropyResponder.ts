/**
 * The relay's half of Negentropy protocol V1 (NIP-77 appendix): given the relay's sealed set of
 * (created_at, id) records and one message from the client, the message to send back.
 *
 * The set, its ordering, lower-bound search and range fingerprints are nostr-tools' `nip77`
 * (`NegentropyStorageVector`, a port of hoytech's reference storage), and the client side of the
 * exchange is nostr-tools' `Negentropy`. That class only plays the initiator: handed a range in
 * `IdList` mode it never lists its own ids back, so a relay built on it would tell a client with
 * fewer than 32 records in a range that it lacks nothing. The responder here is written from the
 * NIP-77 appendix, with a decoder that refuses bad input instead of throwing.
 *
 * Spec: https://github.com/nostr-protocol/nips/blob/master/77.md ("Appendix: Negentropy Protocol V1").
 */
import { err, ok, type Result } from "@rally/protocol/nostr";
import type { nip77 } from "nostr-tools";

export type NegentropyStorage = nip77.NegentropyStorageVector;

/** "The current protocol version is 1, represented by the byte 0x61." */
export const NEGENTROPY_V1 = 0x61;
const MODE_SKIP = 0;
const MODE_FINGERPRINT = 1;
const MODE_ID_LIST = 2;
const ID_SIZE = 32;
const FINGERPRINT_SIZE = 16;
/** Ranges split into this many buckets; fewer than twice as many records are listed instead. */
const BUCKETS = 16;
/** nostr-tools stands for the infinity timestamp with Number.MAX_VALUE; its storage compares so. */
const INFINITY = Number.MAX_VALUE;

interface Bound {
  timestamp: number;
  id: Uint8Array;
}

/** Reads the client's message; every read checks what is left, so bad input is an error, not a throw. */
class Reader {
  private pos = 0;
  private lastTimestamp = 0;
  constructor(private readonly bytes: Uint8Array) {}

  get done(): boolean {
    return this.pos >= this.bytes.length;
  }

  byte(): number {
    if (this.pos >= this.bytes.length)
      throw new NegentropyInputError("message ends in the middle of a range");
    return this.bytes[this.pos++]!;
  }

  take(n: number): Uint8Array {
    if (this.bytes.length - this.pos < n)
      throw new NegentropyInputError("message ends in the middle of a range");
    const out = this.bytes.subarray(this.pos, this.pos + n);
    this.pos += n;
    return out;
  }

  /** "base-128 digits, most significant digit first"; refused past 2^53, which no count reaches. */
  varint(): number {
    let n = 0;
    for (;;) {
      const b = this.byte();
      n = n * 128 + (b & 0x7f);
      if (n > Number.MAX_SAFE_INTEGER) throw new NegentropyInputError("a number in the message is too large");
      if ((b & 0x80) === 0) return n;
    }
  }

  /** "The infinity timestamp is encoded as 0. All other values are encoded as 1 + offset." */
  bound(): Bound {
    const encoded = this.varint();
    let timestamp: number;
    if (encoded === 0 || this.lastTimestamp === INFINITY) timestamp = INFINITY;
    else {
      timestamp = this.lastTimestamp + encoded - 1;
      if (timestamp > Number.MAX_SAFE_INTEGER) throw new NegentropyInputError("a timestamp is too large");
    }
    this.lastTimestamp = timestamp;
    const len = this.varint();
    if (len > ID_SIZE) throw new NegentropyInputError(`a bound's id prefix is longer than ${ID_SIZE} bytes`);
    return { timestamp, id: this.take(len) };
  }
}

/** Builds the answer; timestamps are offsets from the previous bound written, as the reader expects. */
class Writer {
  private chunks: number[] = [];
  private lastTimestamp = 0;

  get length(): number {
    return this.chunks.length;
  }

  varint(n: number): void {
    const digits: number[] = [n % 128];
    for (n = Math.floor(n / 128); n > 0; n = Math.floor(n / 128)) digits.push((n % 128) | 0x80);
    for (let i = digits.length - 1; i >= 0; i--) this.chunks.push(digits[i]!);
  }

  bytes(b: Uint8Array): void {
    for (const x of b) this.chunks.push(x);
  }

  bound(b: Bound): void {
    if (b.timestamp === INFINITY) {
      this.lastTimestamp = INFINITY;
      this.varint(0);
    } else {
      this.varint(b.timestamp - this.lastTimestamp + 1);
      this.lastTimestamp = b.timestamp;
    }
    this.varint(b.id.length);
    this.bytes(b.id);
  }

  append(other: Writer): void {
    for (const x of other.chunks) this.chunks.push(x);
    this.lastTimestamp = other.lastTimestamp;
  }

  /** A writer for the next range, continuing this one's timestamp offsets. */
  fork(): Writer {
    const w = new Writer();
    w.lastTimestamp = this.lastTimestamp;
    return w;
  }

  toHex(): string {
    return Buffer.from(this.chunks).toString("hex");
  }
}

class NegentropyInputError extends Error {}

/**
 * "the shortest possible prefix to separate the first record of this Range from the last record of
 * the previous Range": no id when the timestamps differ, else the common prefix plus one byte.
 */
function minimalBound(prev: Bound, curr: Bound): Bound {
  if (curr.timestamp !== prev.timestamp) return { timestamp: curr.timestamp, id: new Uint8Array(0) };
  let shared = 0;
  while (shared < ID_SIZE && curr.id[shared] === prev.id[shared]) shared++;
  return { timestamp: curr.timestamp, id: curr.id.subarray(0, shared + 1) };
}

/** A differing range: small ones as the list of our ids, larger ones as 16 fingerprinted buckets. */
function splitRange(storage: NegentropyStorage, lower: number, upper: number, upperBound: Bound, o: Writer) {
  const n = upper - lower;
  if (n < BUCKETS * 2) {
    o.bound(upperBound);
    o.varint(MODE_ID_LIST);
    o.varint(n);
    for (let i = lower; i < upper; i++) o.bytes(storage.getItem(i).id);
    return;
  }
  const perBucket = Math.floor(n / BUCKETS);
  const withExtra = n % BUCKETS;
  let curr = lower;
  for (let b = 0; b < BUCKETS; b++) {
    const size = perBucket + (b < withExtra ? 1 : 0);
    const fingerprint = storage.fingerprint(curr, curr + size);
    curr += size;
    o.bound(curr === upper ? upperBound : minimalBound(storage.getItem(curr - 1), storage.getItem(curr)));
    o.varint(MODE_FINGERPRINT);
    o.bytes(fingerprint);
  }
}

function equalBytes(a: Uint8Array, b: Uint8Array): boolean {
  if (a.length !== b.length) return false;
  for (let i = 0; i < a.length; i++) if (a[i] !== b[i]) return false;
  return true;
}

const HEX = /^(?:[0-9a-fA-F]{2})*$/;

/**
 * The relay's answer (hex) to one client message (hex), or why the message is refused. The answer
 * stays under about `frameSizeLimit` bytes (before hex): past it, the rest of the set is summed up in
 * one fingerprint and the client asks again. `storage` must be sealed.
 */
export function answerNegentropy(
  storage: NegentropyStorage,
  messageHex: string,
  frameSizeLimit = 60_000,
): Result<string> {
  if (messageHex.length === 0 || !HEX.test(messageHex))
    return err("the negentropy message must be non-empty hex with an even number of digits");
  try {
    return ok(answer(storage, new Reader(Buffer.from(messageHex, "hex")), frameSizeLimit));
  } catch (e) {
    if (e instanceof NegentropyInputError) return err(e.message);
    throw e;
  }
}

function answer(storage: NegentropyStorage, query: Reader, frameSizeLimit: number): string {
  const out = new Writer();
  const version = query.byte();
  out.varint(NEGENTROPY_V1);
  if (version < 0x60 || version > 0x6f)
    throw new NegentropyInputError("not a negentropy message (bad version byte)");
  // "If a server receives a message with a protocol version that it cannot handle, it should reply
  // with a single byte containing the highest protocol version it supports".
  if (version !== NEGENTROPY_V1) return out.toHex();

  const size = storage.size();
  let prevBound: Bound = { timestamp: 0, id: new Uint8Array(0) };
  let prevIndex = 0;
  /** Index of the records up to which `out` has ranges (a pending skip is not written yet). */
  let writtenIndex = 0;
  let skip = false;
  /** The frame is full: close with one fingerprint for the rest. */
  let full = false;
  // Keep room for the closing fingerprint range.
  const exceeded = (n: number) => n > frameSizeLimit - 200;

  while (!query.done) {
    let o = out.fork();
    const flushSkip = () => {
      if (!skip) return;
      skip = false;
      o.bound(prevBound);
      o.varint(MODE_SKIP);
    };
    const currBound = query.bound();
    const mode = query.varint();
    const lower = prevIndex;
    let upper = storage.findLowerBound(prevIndex, size, currBound);

    if (mode === MODE_SKIP) {
      skip = true;
    } else if (mode === MODE_FINGERPRINT) {
      const theirs = query.take(FINGERPRINT_SIZE);
      if (equalBytes(theirs, storage.fingerprint(lower, upper))) skip = true;
      else {
        flushSkip();
        splitRange(storage, lower, upper, currBound, o);
      }
    } else if (mode === MODE_ID_LIST) {
      // The client listed its ids: answer with ours, and the client works out the difference.
      const count = query.varint();
      query.take(count * ID_SIZE);
      flushSkip();
      let endBound = currBound;
      const ids: Uint8Array[] = [];
      for (let i = lower; i < upper; i++) {
        if (exceeded(out.length + o.length + (ids.length + 1) * ID_SIZE + 64)) {
          // Too many for one frame: list up to here; the closing fingerprint covers the rest.
          endBound = storage.getItem(i);
          upper = i;
          full = true;
          break;
        }
        ids.push(storage.getItem(i).id);
      }
      o.bound(endBound);
      o.varint(MODE_ID_LIST);
      o.varint(ids.length);
      for (const id of ids) o.bytes(id);
      out.append(o);
      writtenIndex = upper;
      o = out.fork();
    } else {
      throw new NegentropyInputError(`unknown range mode ${mode}`);
    }

    if (full || exceeded(out.length + o.length)) {
      // Everything from the last range written to the end, as one fingerprint: the client compares
      // it with its own and asks for that part again.
      out.bound({ timestamp: INFINITY, id: new Uint8Array(0) });
      out.varint(MODE_FINGERPRINT);
      out.bytes(storage.fingerprint(writtenIndex, size));
      break;
    }
    if (o.length > 0) {
      out.append(o);
      writtenIndex = upper;
    }
    prevIndex = upper;
    prevBound = currBound;
  }
  return out.toHex();
}
