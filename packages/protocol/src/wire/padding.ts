/**
 * Size buckets that hide how long a message is (docs/PROTOCOL.md, "Padding"). A plaintext of n
 * bytes becomes u32be(n) ‖ plaintext ‖ zeros, filled up to the smallest bucket that holds 4 + n:
 * 256 B, 1 KiB, 4 KiB, 16 KiB, 64 KiB, then multiples of 64 KiB. The length prefix makes the
 * padding unambiguous (a message may itself end in zero bytes), and decoding is canonical: the
 * total must be exactly the bucket for the stated length and every pad byte must be zero.
 */

import { fail } from "./errors.ts";

export const PADDING_BUCKETS: readonly number[] = [256, 1024, 4096, 16384, 65536];
/** Past the last bucket, sizes grow in steps of this many bytes. */
export const PADDING_STEP = 65536;
const PREFIX = 4;

/** Total padded size for a plaintext of `length` bytes (prefix included). */
export function paddedSize(length: number): number {
  const framed = length + PREFIX;
  for (const bucket of PADDING_BUCKETS) if (framed <= bucket) return bucket;
  return Math.ceil(framed / PADDING_STEP) * PADDING_STEP;
}

/** Pads `plaintext`; throws `too-large` if the padded form would exceed `maxPadded` bytes. */
export function pad(plaintext: Uint8Array, maxPadded: number, what: string): Uint8Array {
  const size = paddedSize(plaintext.length);
  if (size > maxPadded) {
    return fail("too-large", `The ${what} is ${plaintext.length} bytes; at most ${maxPadded - PREFIX} fit.`);
  }
  const out = new Uint8Array(size);
  new DataView(out.buffer).setUint32(0, plaintext.length, false);
  out.set(plaintext, PREFIX);
  return out;
}

/** Removes padding, refusing any non-canonical form with `bad-padding`. Returns a view into `padded`. */
export function unpad(padded: Uint8Array, what: string): Uint8Array {
  if (padded.length < PREFIX) return fail("bad-padding", `The ${what} is too short to hold its length.`);
  const length = new DataView(padded.buffer, padded.byteOffset, padded.byteLength).getUint32(0, false);
  if (PREFIX + length > padded.length) return fail("bad-padding", `The ${what}'s length prefix overruns it.`);
  if (paddedSize(length) !== padded.length) {
    return fail("bad-padding", `The ${what} is not padded to the bucket its length calls for.`);
  }
  let nonZero = 0;
  for (let i = PREFIX + length; i < padded.length; i++) nonZero |= padded[i]!;
  if (nonZero !== 0) return fail("bad-padding", `The ${what}'s padding is not all zero bytes.`);
  return padded.subarray(PREFIX, PREFIX + length);
}
