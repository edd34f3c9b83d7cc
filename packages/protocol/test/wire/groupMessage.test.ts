import { hkdfSync } from "node:crypto";
import { chacha20poly1305 } from "@noble/ciphers/chacha.js";
import { bytesToHex, concatBytes, hexToBytes } from "@noble/hashes/utils.js";
import { base64 } from "@scure/base";
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { generateSecretKey, signEvent, verifyEventSignature } from "../../src/identity/index.ts";
import {
  deriveGroupMessageKeys,
  groupMessageFilter,
  KIND_GROUP_MESSAGE,
  MAX_GROUP_MESSAGE_BYTES,
  MarmotError,
  paddedSize,
  routingTag,
  unwrapGroupMessage,
  wrapGroupMessage,
} from "../../src/wire/index.ts";
import { clone, codeOf, counterRandom } from "./helpers.ts";

const SECRET = Uint8Array.from({ length: 32 }, (_, i) => i);
const OTHER_EPOCH = Uint8Array.from({ length: 32 }, (_, i) => i + 1);
const NOW = 1_750_000_000;
// docs/PROTOCOL.md, "Test vector": exporter secret 00 01 02 … 1f.
const VECTOR_KEY = "65fbc9f79ea745f5699a5872e05d2c829ee3356c2e4d0c28eededefc9e0e07e0";
const VECTOR_TAG = "5fd0c4d3901d1bb6e61f4315e783ecfa542dd74fb9a26a2e4bd67bb76140c42d";

function bytes(n: number, fill = 0xab): Uint8Array {
  return new Uint8Array(n).fill(fill);
}

/** Builds a signed kind 445 event around an arbitrary padded plaintext (to test the receiver). */
function forge(padded: Uint8Array, secret = SECRET, tag = routingTag(SECRET)): object {
  const oneTime = generateSecretKey();
  const pubkey = signEvent({ kind: 1, created_at: 0, tags: [], content: "" }, oneTime).pubkey;
  const nonce = bytes(12, 9);
  const aad = concatBytes(new TextEncoder().encode("rally/v1 445"), hexToBytes(pubkey));
  const ct = chacha20poly1305(deriveGroupMessageKeys(secret).key, nonce, aad).encrypt(padded);
  return signEvent(
    {
      kind: KIND_GROUP_MESSAGE,
      created_at: NOW,
      tags: [["h", tag]],
      content: base64.encode(concatBytes(nonce, ct)),
    },
    oneTime,
  );
}

function framed(length: number, message: Uint8Array, total: number): Uint8Array {
  const out = new Uint8Array(total);
  new DataView(out.buffer).setUint32(0, length, false);
  out.set(message, 4);
  return out;
}

describe("key derivation", () => {
  it("matches RFC 5869 HKDF computed by Node's own crypto, and the vector in PROTOCOL.md", () => {
    const keys = deriveGroupMessageKeys(SECRET);
    const node = (info: string) =>
      Buffer.from(hkdfSync("sha256", SECRET, Buffer.from("rally/v1"), Buffer.from(info), 32)).toString("hex");
    expect(bytesToHex(keys.key)).toBe(node("rally/v1 group-message key"));
    expect(keys.routingTag).toBe(node("rally/v1 routing tag"));
    expect(bytesToHex(keys.key)).toBe(VECTOR_KEY);
    expect(keys.routingTag).toBe(VECTOR_TAG);
    expect(routingTag(SECRET)).toBe(keys.routingTag);
  });

  it("gives every epoch its own key and routing tag, unrelated to each other", () => {
    const a = deriveGroupMessageKeys(SECRET);
    const b = deriveGroupMessageKeys(OTHER_EPOCH);
    expect(a.routingTag).not.toBe(b.routingTag);
    expect(bytesToHex(a.key)).not.toBe(bytesToHex(b.key));
    expect(a.routingTag).not.toBe(bytesToHex(a.key));
  });

  it("refuses exporter secrets shorter than 32 or longer than 64 bytes", () => {
    expect(codeOf(() => routingTag(new Uint8Array(31)))).toBe("bad-parameter");
    expect(codeOf(() => routingTag(new Uint8Array(65)))).toBe("bad-parameter");
    expect(codeOf(() => routingTag(new Uint8Array(64)))).toBe("no error");
    expect(codeOf(() => unwrapGroupMessage({}, { key: new Uint8Array(31), routingTag: "x" }))).toBe(
      "bad-parameter",
    );
  });
});

describe("wrap and unwrap", () => {
  it("round-trips and pads to the buckets at each boundary", () => {
    for (const [n, bucket] of [
      [1, 256],
      [252, 256],
      [253, 1024],
      [1020, 1024],
      [1021, 4096],
      [16380, 16384],
      [16381, 65536],
      [65532, 65536],
      [65533, 131072],
      [MAX_GROUP_MESSAGE_BYTES, 131072],
    ] as const) {
      const message = bytes(n, n & 0xff);
      const event = wrapGroupMessage({ exporterSecret: SECRET, mlsMessage: message, now: NOW });
      expect(base64.decode(event.content).length).toBe(12 + bucket + 16);
      expect(paddedSize(n)).toBe(bucket);
      expect(unwrapGroupMessage(event, SECRET)).toEqual(message);
    }
  });

  it("keeps a trailing zero byte of the message (the length prefix is unambiguous)", () => {
    const message = Uint8Array.from([1, 0, 0, 0]);
    const event = wrapGroupMessage({ exporterSecret: SECRET, mlsMessage: message });
    expect(unwrapGroupMessage(event, deriveGroupMessageKeys(SECRET))).toEqual(message);
  });

  it("refuses a message one byte over the largest bucket, and an empty one", () => {
    const code = codeOf(() =>
      wrapGroupMessage({ exporterSecret: SECRET, mlsMessage: bytes(MAX_GROUP_MESSAGE_BYTES + 1) }),
    );
    expect(code).toBe("too-large");
    expect(codeOf(() => wrapGroupMessage({ exporterSecret: SECRET, mlsMessage: new Uint8Array(0) }))).toBe(
      "bad-parameter",
    );
  });

  it("signs each event with a fresh one-time key and carries only the routing tag", () => {
    const a = wrapGroupMessage({ exporterSecret: SECRET, mlsMessage: bytes(10), now: NOW });
    const b = wrapGroupMessage({ exporterSecret: SECRET, mlsMessage: bytes(10), now: NOW });
    expect(a.pubkey).not.toBe(b.pubkey);
    expect(a.content).not.toBe(b.content);
    expect(a.tags).toEqual([["h", routingTag(SECRET)]]);
    expect(a.kind).toBe(445);
    expect(a.created_at).toBe(NOW);
    expect(verifyEventSignature(a)).toBe(true);
  });

  it("carries a NIP-40 expiration when asked, and still opens", () => {
    const message = bytes(10);
    const e = wrapGroupMessage({
      exporterSecret: SECRET,
      mlsMessage: message,
      now: NOW,
      expiration: NOW + 3600,
    });
    expect(e.tags).toEqual([
      ["h", routingTag(SECRET)],
      ["expiration", String(NOW + 3600)],
    ]);
    expect(unwrapGroupMessage(e, SECRET)).toEqual(message);
    expect(
      codeOf(() => wrapGroupMessage({ exporterSecret: SECRET, mlsMessage: message, expiration: 1.5 })),
    ).toBe("bad-parameter");
  });

  it("is deterministic given the one-time key and randomness", () => {
    const key = generateSecretKey(counterRandom(5));
    const a = wrapGroupMessage({
      exporterSecret: SECRET,
      mlsMessage: bytes(3),
      now: NOW,
      oneTimeKey: key,
      random: counterRandom(9),
    });
    const b = wrapGroupMessage({
      exporterSecret: SECRET,
      mlsMessage: bytes(3),
      now: NOW,
      oneTimeKey: key,
      random: counterRandom(9),
    });
    // BIP-340 signatures use fresh auxiliary randomness; everything they sign is identical.
    expect({ ...a, sig: "" }).toEqual({ ...b, sig: "" });
  });

  it("builds the subscription filter", () => {
    expect(groupMessageFilter(["aa"], 5)).toEqual({ kinds: [445], "#h": ["aa"], since: 5 });
    expect(groupMessageFilter(["aa", "bb"])).toEqual({ kinds: [445], "#h": ["aa", "bb"] });
  });
});

describe("refusals", () => {
  const good = wrapGroupMessage({ exporterSecret: SECRET, mlsMessage: bytes(100), now: NOW });

  it("sends another epoch's message to wrong-routing-tag before any signature check", () => {
    let verified = 0;
    const verify = () => {
      verified++;
      return true;
    };
    expect(codeOf(() => unwrapGroupMessage(good, OTHER_EPOCH, { verify }))).toBe("wrong-routing-tag");
    expect(verified).toBe(0);
  });

  it("refuses a forged signature and a changed field", () => {
    expect(codeOf(() => unwrapGroupMessage({ ...good, sig: "00".repeat(64) }, SECRET))).toBe("bad-signature");
    expect(codeOf(() => unwrapGroupMessage({ ...good, created_at: NOW + 1 }, SECRET))).toBe("bad-signature");
  });

  it("refuses a ciphertext made with another key, and one copied under a new signer", () => {
    const wrongKey = forge(framed(1, bytes(1), 256), OTHER_EPOCH);
    expect(codeOf(() => unwrapGroupMessage(wrongKey, SECRET))).toBe("decrypt-failed");
    // A relay copies a genuine ciphertext into an event of its own: the one-time pubkey is in the
    // associated data, so the copy does not decrypt.
    const copy = signEvent(
      { kind: 445, created_at: NOW, tags: good.tags, content: good.content },
      generateSecretKey(),
    );
    expect(codeOf(() => unwrapGroupMessage(copy, SECRET))).toBe("decrypt-failed");
  });

  it("refuses non-canonical padding", () => {
    expect(codeOf(() => unwrapGroupMessage(forge(framed(1, bytes(1), 256)), SECRET))).toBe("no error");
    const nonZeroPad = framed(1, bytes(1), 256);
    nonZeroPad[255] = 1;
    expect(codeOf(() => unwrapGroupMessage(forge(nonZeroPad), SECRET))).toBe("bad-padding");
    expect(codeOf(() => unwrapGroupMessage(forge(framed(253, bytes(252), 256)), SECRET))).toBe("bad-padding");
    // 10 bytes would fit in 256: a 1024-byte frame is not the canonical bucket.
    expect(codeOf(() => unwrapGroupMessage(forge(framed(10, bytes(10), 1024)), SECRET))).toBe("bad-padding");
    // Plaintext that is not a bucket size at all is refused before decoding.
    expect(codeOf(() => unwrapGroupMessage(forge(framed(10, bytes(10), 300)), SECRET))).toBe("bad-padding");
  });

  it("refuses oversized or undecodable content before verifying", () => {
    const verify = () => {
      throw new Error("must not verify");
    };
    const huge = { ...good, content: "A".repeat(174_801) };
    expect(codeOf(() => unwrapGroupMessage(huge, SECRET, { verify }))).toBe("too-large");
    expect(codeOf(() => unwrapGroupMessage({ ...good, content: "abc" }, SECRET, { verify }))).toBe(
      "bad-padding",
    );
    const bad = signEvent(
      { kind: 445, created_at: NOW, tags: good.tags, content: `${"!".repeat(379)}=` },
      generateSecretKey(),
    );
    expect(codeOf(() => unwrapGroupMessage(bad, SECRET))).toBe("bad-encoding");
  });

  it("refuses wrong shapes and tags", () => {
    const tag = routingTag(SECRET);
    const resign = (tags: string[][], kind = 445) =>
      signEvent({ kind, created_at: NOW, tags, content: good.content }, generateSecretKey());
    expect(
      codeOf(() =>
        unwrapGroupMessage(
          resign([
            ["h", tag],
            ["p", tag],
          ]),
          SECRET,
        ),
      ),
    ).toBe("bad-tag");
    expect(
      codeOf(() =>
        unwrapGroupMessage(
          resign([
            ["h", tag],
            ["h", tag],
          ]),
          SECRET,
        ),
      ),
    ).toBe("bad-tag");
    expect(codeOf(() => unwrapGroupMessage(resign([["h", tag.toUpperCase()]]), SECRET))).toBe("bad-tag");
    expect(codeOf(() => unwrapGroupMessage(resign([["h", tag, "extra"]]), SECRET))).toBe("bad-tag");
    expect(codeOf(() => unwrapGroupMessage(resign([]), SECRET))).toBe("bad-tag");
    // NIP-40 expiration: only second, only decimal seconds, only once. A well-formed one passes the
    // tag checks (then fails decryption here: the payload was signed again under a new key).
    const withExpiration = (value: string) =>
      resign([
        ["h", tag],
        ["expiration", value],
      ]);
    expect(codeOf(() => unwrapGroupMessage(withExpiration(String(NOW + 3600)), SECRET))).toBe(
      "decrypt-failed",
    );
    expect(codeOf(() => unwrapGroupMessage(withExpiration("soon"), SECRET))).toBe("bad-tag");
    expect(codeOf(() => unwrapGroupMessage(withExpiration("0123"), SECRET))).toBe("bad-tag");
    expect(
      codeOf(() =>
        unwrapGroupMessage(
          resign([
            ["expiration", String(NOW + 3600)],
            ["h", tag],
          ]),
          SECRET,
        ),
      ),
    ).toBe("bad-tag");
    expect(
      codeOf(() =>
        unwrapGroupMessage(
          resign([
            ["h", tag],
            ["expiration", String(NOW)],
            ["expiration", String(NOW)],
          ]),
          SECRET,
        ),
      ),
    ).toBe("bad-tag");
    expect(codeOf(() => unwrapGroupMessage(resign([["h", tag]], 1), SECRET))).toBe("wrong-kind");
    const { sig: _sig, ...unsigned } = good;
    expect(codeOf(() => unwrapGroupMessage(unsigned, SECRET))).toBe("malformed");
    expect(codeOf(() => unwrapGroupMessage(null, SECRET))).toBe("malformed");
    expect(codeOf(() => unwrapGroupMessage("event", SECRET))).toBe("malformed");
    expect(codeOf(() => unwrapGroupMessage({ ...good, tags: "h" }, SECRET))).toBe("malformed");
  });

  it("never throws anything but a MarmotError, whatever it is given (fuzz)", () => {
    const fields = ["id", "pubkey", "created_at", "kind", "tags", "content", "sig"] as const;
    fc.assert(
      fc.property(fc.constantFrom(...fields), fc.anything(), (field, value) => {
        const mutated: Record<string, unknown> = clone(good);
        mutated[field] = value;
        try {
          unwrapGroupMessage(mutated, SECRET);
        } catch (e) {
          expect(e).toBeInstanceOf(MarmotError);
        }
      }),
      { numRuns: 300 },
    );
    fc.assert(
      fc.property(fc.anything(), (value) => {
        expect(() => unwrapGroupMessage(value, SECRET)).toThrow(MarmotError);
      }),
      { numRuns: 300 },
    );
  });
});
