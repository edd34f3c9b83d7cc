/**
 * Byte encodings with strict decoders: standard padded base64 (RFC 4648 §4) and URL-safe unpadded
 * base64 (§5) through `@scure/base`, which refuses non-canonical input; lowercase hex; UTF-8 that
 * refuses invalid sequences. Every decoder checks the encoded length against the decoded maximum
 * before decoding, so an oversized field costs nothing.
 */

import { base64, base64urlnopad } from "@scure/base";
import { isLowerHex } from "../nostr/event.ts";
import { fail } from "./errors.ts";

/** `TextEncoder`/`TextDecoder` exist in every runtime Rally targets; typed here because this package
 * compiles without DOM or Node types. */
interface Utf8Globals {
  TextEncoder: new () => { encode(s: string): Uint8Array };
  TextDecoder: new (label: string, options: { fatal: boolean }) => { decode(b: Uint8Array): string };
}
const globals = globalThis as unknown as Utf8Globals;
const encoder = new globals.TextEncoder();
const decoder = new globals.TextDecoder("utf-8", { fatal: true });

export function utf8Encode(text: string): Uint8Array {
  return encoder.encode(text);
}

/** Decodes UTF-8, refusing invalid byte sequences (no silent U+FFFD). */
export function utf8Decode(bytes: Uint8Array, what: string): string {
  try {
    return decoder.decode(bytes);
  } catch {
    return fail("bad-encoding", `The ${what} is not valid UTF-8 text.`);
  }
}

/** Length of the base64 text (with padding) of `n` bytes. */
export function base64Length(n: number): number {
  return 4 * Math.ceil(n / 3);
}

export function encodeBase64(bytes: Uint8Array): string {
  return base64.encode(bytes);
}

/** Decodes standard padded base64 of at most `maxBytes` bytes. */
export function decodeBase64(text: unknown, maxBytes: number, what: string): Uint8Array {
  if (typeof text !== "string") return fail("malformed", `The ${what} must be text.`);
  if (text.length > base64Length(maxBytes))
    return fail("too-large", `The ${what} is larger than ${maxBytes} bytes.`);
  let bytes: Uint8Array;
  try {
    bytes = base64.decode(text);
  } catch {
    return fail("bad-encoding", `The ${what} is not valid base64.`);
  }
  if (bytes.length > maxBytes) return fail("too-large", `The ${what} is larger than ${maxBytes} bytes.`);
  return bytes;
}

export function encodeBase64Url(bytes: Uint8Array): string {
  return base64urlnopad.encode(bytes);
}

/** Decodes URL-safe base64 without padding, of at most `maxBytes` bytes. */
export function decodeBase64Url(text: string, maxBytes: number, what: string): Uint8Array {
  if (text.length > Math.ceil((maxBytes * 4) / 3)) return fail("too-large", `The ${what} is too long.`);
  try {
    return base64urlnopad.decode(text);
  } catch {
    return fail("bad-encoding", `The ${what} is damaged: it is not valid base64url.`);
  }
}

/** True for 64 lowercase hex characters (event ids, pubkeys, 32-byte values). */
export const isHex64 = (value: unknown): value is string => isLowerHex(value, 64);

/** Compares two byte strings in time independent of where they differ. */
export function equalBytes(a: Uint8Array, b: Uint8Array): boolean {
  if (a.length !== b.length) return false;
  let diff = 0;
  for (let i = 0; i < a.length; i++) diff |= a[i]! ^ b[i]!;
  return diff === 0;
}

/** Bytes a relay counts for `["EVENT", event]`: the frame a client sends to publish it. */
export function eventFrameBytes(event: object): number {
  return utf8Encode(JSON.stringify(["EVENT", event])).length;
}

/**
 * True when text holds control characters (C0, DEL, C1) or bidirectional overrides and isolates,
 * which could hide or disguise what a name shows.
 */
export function hasUnsafeChars(text: string): boolean {
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    if (
      c < 0x20 ||
      (c >= 0x7f && c <= 0x9f) ||
      (c >= 0x202a && c <= 0x202e) ||
      (c >= 0x2066 && c <= 0x2069)
    ) {
      return true;
    }
  }
  return false;
}
