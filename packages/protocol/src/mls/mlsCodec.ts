/**
 * Strict decoding of ts-mls structures: the whole input must be one value (ts-mls's own `decode`
 * ignores trailing bytes), size is capped before parsing, and any failure — including exceptions
 * from deep inside the decoder — becomes a `malformed` engine error.
 */

import { type Decoder, type MlsMessage, mlsMessageDecoder } from "ts-mls";
import { fail } from "./errors.ts";

/** Largest MLS message the engine parses (a commit adding 5,000 members is about 2 MB). */
export const MAX_MLS_MESSAGE_BYTES = 32 * 1024 * 1024;

export function decodeExact<T>(decoder: Decoder<T>, bytes: Uint8Array, what: string, max: number): T {
  if (!(bytes instanceof Uint8Array)) fail("bad-parameter", `The ${what} must be bytes.`);
  if (bytes.length > max) fail("malformed", `The ${what} is larger than ${max} bytes.`);
  let result: [T, number] | undefined;
  try {
    result = decoder(bytes, 0);
  } catch (e) {
    fail("malformed", `The ${what} is damaged or not what was expected.`, e);
  }
  if (result === undefined) fail("malformed", `The ${what} is damaged or not what was expected.`);
  if (result[1] !== bytes.length) fail("malformed", `The ${what} has trailing bytes.`);
  return result[0];
}

export function decodeMlsMessage(bytes: Uint8Array, what = "MLS message"): MlsMessage {
  return decodeExact(mlsMessageDecoder, bytes, what, MAX_MLS_MESSAGE_BYTES);
}
