import { bytesToHex, hexToBytes } from "@noble/hashes/utils.js";
import fc from "fast-check";
import * as nip19 from "nostr-tools/nip19";
import { describe, expect, it } from "vitest";
import {
  generatePerson,
  generateSecretKey,
  IdentityError,
  isPubkeyHex,
  npubEncode,
  parsePubkey,
  parseSecretKey,
  personFromSecretKey,
  signEvent,
  verifyEventSignature,
} from "../../src/identity/index.ts";
import vectors from "./vectors.json" with { type: "json" };

const V = vectors.nip06[0]!;

function codeOf(fn: () => unknown): string {
  try {
    fn();
  } catch (e) {
    if (e instanceof IdentityError) return e.code;
    throw e;
  }
  return "no error";
}

/** An x coordinate with no point on secp256k1 (found by scanning small x). */
function offCurveX(): string {
  for (let x = 1; ; x++) {
    const hex = x.toString(16).padStart(64, "0");
    if (!isPubkeyHex(hex)) return hex;
  }
}

describe("parsePubkey", () => {
  it("reads npub, nostr:npub, nprofile and hex in either case", () => {
    expect(parsePubkey(V.npub)).toBe(V.publicKey);
    expect(parsePubkey(`  nostr:${V.npub} `)).toBe(V.publicKey);
    expect(parsePubkey(nip19.nprofileEncode({ pubkey: V.publicKey, relays: ["wss://r.example"] }))).toBe(
      V.publicKey,
    );
    expect(parsePubkey(V.publicKey.toUpperCase())).toBe(V.publicKey);
  });

  it("refuses damaged, off-curve, wrong-length and secret input with plain errors", () => {
    const damaged = `${V.npub.slice(0, -1)}${V.npub.endsWith("q") ? "p" : "q"}`;
    expect(() => parsePubkey(damaged)).toThrow(/damaged/);
    expect(codeOf(() => parsePubkey(offCurveX()))).toBe("bad-pubkey");
    expect(codeOf(() => parsePubkey(V.publicKey.slice(1)))).toBe("bad-pubkey");
    expect(codeOf(() => parsePubkey(`${V.publicKey}0`))).toBe("bad-pubkey");
    expect(codeOf(() => parsePubkey(""))).toBe("bad-pubkey");
    expect(codeOf(() => parsePubkey(null as unknown as string))).toBe("bad-pubkey");
    expect(codeOf(() => parsePubkey(nip19.noteEncode(V.publicKey)))).toBe("bad-pubkey");
    let message = "";
    try {
      parsePubkey(V.nsec);
    } catch (e) {
      message = (e as Error).message;
    }
    expect(message).toMatch(/secret key/);
    expect(message).not.toContain(V.nsec);
  });

  it("round-trips every generated key through npub", () => {
    fc.assert(
      fc.property(fc.uint8Array({ minLength: 32, maxLength: 32 }), (seed) => {
        const person = generatePerson(() => seed);
        expect(parsePubkey(npubEncode(person.pubkey))).toBe(person.pubkey);
      }),
      { numRuns: 30 },
    );
  });
});

describe("secret keys", () => {
  it("reads nsec and hex", () => {
    expect(bytesToHex(parseSecretKey(V.nsec))).toBe(V.privateKey);
    expect(bytesToHex(parseSecretKey(V.privateKey.toUpperCase()))).toBe(V.privateKey);
  });

  it("refuses zero, the curve order and beyond, wrong lengths and npubs", () => {
    expect(codeOf(() => parseSecretKey("00".repeat(32)))).toBe("bad-secret-key");
    const n = "fffffffffffffffffffffffffffffffebaaedce6af48a03bbfd25e8cd0364141";
    expect(codeOf(() => parseSecretKey(n))).toBe("bad-secret-key");
    const nMinus1 = "fffffffffffffffffffffffffffffffebaaedce6af48a03bbfd25e8cd0364140";
    expect(bytesToHex(parseSecretKey(nMinus1))).toBe(nMinus1);
    expect(codeOf(() => parseSecretKey("ff".repeat(32)))).toBe("bad-secret-key");
    expect(codeOf(() => parseSecretKey("ab".repeat(31)))).toBe("bad-secret-key");
    expect(codeOf(() => parseSecretKey(V.npub))).toBe("bad-secret-key");
    expect(codeOf(() => parseSecretKey(`${V.nsec.slice(0, -1)}x`))).toBe("bad-secret-key");
    expect(codeOf(() => personFromSecretKey(new Uint8Array(31)))).toBe("bad-secret-key");
  });

  it("retries a random source that yields an out-of-range key", () => {
    const outputs = [new Uint8Array(32).fill(0xff), hexToBytes(V.privateKey)];
    const key = generateSecretKey(() => outputs.shift()!);
    expect(bytesToHex(key)).toBe(V.privateKey);
    expect(codeOf(() => generateSecretKey(() => new Uint8Array(32)))).toBe("bad-secret-key");
  });

  it("copies the secret key so zeroing the input leaves the person intact", () => {
    const sk = hexToBytes(V.privateKey);
    const person = personFromSecretKey(sk);
    sk.fill(0);
    expect(bytesToHex(person.secretKey)).toBe(V.privateKey);
  });
});

describe("signEvent", () => {
  it("signs a copy that verifies and leaves the template untouched", () => {
    const person = personFromSecretKey(hexToBytes(V.privateKey));
    const template = { kind: 1, created_at: 1_700_000_000, tags: [["t", "x"]], content: "hi" };
    const frozen = JSON.stringify(template);
    const event = signEvent(template, person.secretKey);
    expect(JSON.stringify(template)).toBe(frozen);
    expect(event.pubkey).toBe(person.pubkey);
    expect(verifyEventSignature(event)).toBe(true);
    expect(verifyEventSignature({ ...event, content: "ho" })).toBe(false);
    expect(verifyEventSignature({ ...event, sig: "00".repeat(64) })).toBe(false);
    expect(verifyEventSignature(null as never)).toBe(false);
  });
});
