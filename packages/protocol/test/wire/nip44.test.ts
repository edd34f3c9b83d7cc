/**
 * Gift wraps (welcomes, join requests) rest on NIP-44 v2 from nostr-tools. These are the spec's
 * official vectors run against that library, plus the size formula Rally uses to predict a gift
 * wrap's wire size before encrypting.
 */

import { bytesToHex, hexToBytes } from "@noble/hashes/utils.js";
import { decrypt, encrypt, getConversationKey, v2 } from "nostr-tools/nip44";
import { describe, expect, it } from "vitest";
import { nip44PayloadLength } from "../../src/wire/index.ts";
import vectors from "./nip44.vectors.json" with { type: "json" };

describe("NIP-44 v2 official vectors", () => {
  it("derives conversation keys", () => {
    for (const v of vectors.valid.get_conversation_key) {
      expect(bytesToHex(getConversationKey(hexToBytes(v.sec1), v.pub2))).toBe(v.conversation_key);
    }
  });

  it("refuses invalid keys", () => {
    for (const v of vectors.invalid.get_conversation_key) {
      expect(() => getConversationKey(hexToBytes(v.sec1), v.pub2), v.note).toThrow();
    }
  });

  it("pads lengths as specified", () => {
    for (const [len, padded] of vectors.valid.calc_padded_len) {
      expect(v2.utils.calcPaddedLen(len!)).toBe(padded);
    }
  });

  it("encrypts and decrypts, and Rally's size formula matches every payload", () => {
    for (const v of vectors.valid.encrypt_decrypt) {
      const key = hexToBytes(v.conversation_key);
      expect(encrypt(v.plaintext, key, hexToBytes(v.nonce))).toBe(v.payload);
      expect(decrypt(v.payload, key)).toBe(v.plaintext);
      expect(nip44PayloadLength(new TextEncoder().encode(v.plaintext).length)).toBe(v.payload.length);
    }
  });

  it("refuses invalid payloads", () => {
    for (const v of vectors.invalid.decrypt) {
      expect(() => decrypt(v.payload, hexToBytes(v.conversation_key)), v.note).toThrow();
    }
  });

  it("predicts the size of extended-length payloads too", () => {
    const key = hexToBytes(vectors.valid.encrypt_decrypt[0]!.conversation_key);
    for (const n of [65_535, 65_536, 70_000, 140_000]) {
      expect(encrypt("x".repeat(n), key).length).toBe(nip44PayloadLength(n));
    }
  });
});
