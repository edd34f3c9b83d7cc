/** The group data extension codec: round trips, limits at n−1/n/n+1, strict decoding, fuzz. */
import fc from "fast-check";
import { generateSecretKey, getPublicKey } from "nostr-tools/pure";
import { describe, expect, it } from "vitest";
import { MAX_ADMINS, MAX_DESCRIPTION_BYTES, MAX_NAME_BYTES, MAX_RELAYS } from "../../src/mls/groupData.ts";
import { decodeGroupData, encodeGroupData, type GroupData, isMlsEngineError } from "../../src/mls/index.ts";
import type { PubkeyHex } from "../../src/nostr/event.ts";

const keys = Array.from({ length: MAX_ADMINS + 1 }, () => getPublicKey(generateSecretKey()) as PubkeyHex);
const base: GroupData = { name: "Tenants", description: "", admins: [keys[0] as PubkeyHex], relays: [] };

function codeOf(f: () => unknown): string {
  try {
    f();
    return "ok";
  } catch (e) {
    if (isMlsEngineError(e)) return e.code;
    throw e;
  }
}

describe("group data codec", () => {
  it("round-trips", () => {
    const data: GroupData = {
      name: "Mieterverein Süd 🏠",
      description: "Treffen jeden Dienstag",
      admins: keys.slice(0, 3),
      relays: ["wss://relay.example.org", "ws://127.0.0.1:7777/path?x=1"],
    };
    expect(decodeGroupData(encodeGroupData(data))).toEqual(data);
  });

  it("carries the disappearing-messages timer as version 2, and only the offered values", () => {
    for (const disappearAfter of [3600, 86_400, 604_800, 2_419_200]) {
      const bytes = encodeGroupData({ ...base, disappearAfter });
      expect(bytes[0]).toBe(2);
      expect(decodeGroupData(bytes)).toEqual({ ...base, disappearAfter });
    }
    // Off is version 1, the same bytes as a group that never had a timer.
    expect(encodeGroupData({ ...base, disappearAfter: null })).toEqual(encodeGroupData(base));
    expect(decodeGroupData(encodeGroupData({ ...base, disappearAfter: null }))).toEqual(base);
    for (const bad of [0, 1, 3599, 7200, 10_800, 2_419_201]) {
      expect(codeOf(() => encodeGroupData({ ...base, disappearAfter: bad }))).toBe("bad-group-data");
    }
    // A version 2 value with a timer outside the list is refused on reading too.
    const hour = encodeGroupData({ ...base, disappearAfter: 3600 });
    const odd = hour.slice();
    odd[odd.length - 1] = 0x11;
    expect(codeOf(() => decodeGroupData(odd))).toBe("bad-group-data");
  });

  it("limits hold at n−1, n, n+1", () => {
    const name = (n: number) => ({ ...base, name: "x".repeat(n) });
    expect(codeOf(() => encodeGroupData(name(MAX_NAME_BYTES - 1)))).toBe("ok");
    expect(codeOf(() => encodeGroupData(name(MAX_NAME_BYTES)))).toBe("ok");
    expect(codeOf(() => encodeGroupData(name(MAX_NAME_BYTES + 1)))).toBe("bad-group-data");
    const desc = (n: number) => ({ ...base, description: "d".repeat(n) });
    expect(codeOf(() => encodeGroupData(desc(MAX_DESCRIPTION_BYTES)))).toBe("ok");
    expect(codeOf(() => encodeGroupData(desc(MAX_DESCRIPTION_BYTES + 1)))).toBe("bad-group-data");
    const admins = (n: number) => ({ ...base, admins: keys.slice(0, n) });
    expect(codeOf(() => encodeGroupData(admins(0)))).toBe("bad-group-data");
    expect(codeOf(() => encodeGroupData(admins(1)))).toBe("ok");
    expect(codeOf(() => encodeGroupData(admins(MAX_ADMINS)))).toBe("ok");
    expect(codeOf(() => encodeGroupData(admins(MAX_ADMINS + 1)))).toBe("bad-group-data");
    const relays = (n: number) => ({
      ...base,
      relays: Array.from({ length: n }, (_, i) => `wss://r${i}.example`),
    });
    expect(codeOf(() => encodeGroupData(relays(MAX_RELAYS)))).toBe("ok");
    expect(codeOf(() => encodeGroupData(relays(MAX_RELAYS + 1)))).toBe("bad-group-data");
  });

  it("refuses bad values", () => {
    expect(codeOf(() => encodeGroupData({ ...base, name: "   " }))).toBe("bad-group-data");
    expect(
      codeOf(() => encodeGroupData({ ...base, admins: [base.admins[0], base.admins[0]] as PubkeyHex[] })),
    ).toBe("bad-group-data");
    expect(codeOf(() => encodeGroupData({ ...base, admins: ["ff".repeat(32) as PubkeyHex] }))).toBe(
      "bad-group-data",
    );
    expect(codeOf(() => encodeGroupData({ ...base, relays: ["https://not.a.relay"] }))).toBe(
      "bad-group-data",
    );
    expect(codeOf(() => encodeGroupData({ ...base, relays: ["wss://a.example", "wss://a.example"] }))).toBe(
      "bad-group-data",
    );
  });

  it("decoding is strict: versions, trailing bytes, long-form lengths, invalid UTF-8", () => {
    const bytes = encodeGroupData(base);
    expect(codeOf(() => decodeGroupData(Uint8Array.from([3, ...bytes.subarray(1)])))).toBe("bad-group-data");
    // Version 2 must carry its timer; version 1 must not.
    expect(codeOf(() => decodeGroupData(Uint8Array.from([2, ...bytes.subarray(1)])))).toBe("malformed");
    expect(codeOf(() => decodeGroupData(Uint8Array.from([...bytes, 0])))).toBe("malformed");
    // name length 7 written in the 2-byte varint form instead of 1 byte
    const longForm = Uint8Array.from([1, 0x40, 7, ...bytes.subarray(2)]);
    expect(codeOf(() => decodeGroupData(longForm))).toBe("malformed");
    const badUtf8 = bytes.slice();
    badUtf8[2] = 0xff;
    expect(codeOf(() => decodeGroupData(badUtf8))).toBe("bad-group-data");
    for (let cut = 0; cut < bytes.length; cut++) {
      expect(codeOf(() => decodeGroupData(bytes.subarray(0, cut)))).toMatch(/malformed|bad-group-data/);
    }
  });

  it("random bytes only ever give typed errors", () => {
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 400 }), (bytes) => {
        const code = codeOf(() => decodeGroupData(bytes));
        return code === "ok" || code === "malformed" || code === "bad-group-data";
      }),
      { numRuns: 500 },
    );
  });

  it("any valid value round-trips", () => {
    fc.assert(
      fc.property(
        fc.record({
          name: fc.string({ minLength: 1, maxLength: 60 }).filter((s) => s.trim().length > 0),
          description: fc.string({ maxLength: 200 }),
          admins: fc.uniqueArray(fc.constantFrom(...keys.slice(0, 10)), { minLength: 1, maxLength: 5 }),
          relays: fc.uniqueArray(
            fc.stringMatching(/^[a-z0-9]{1,12}$/).map((h) => `wss://${h}.example`),
            { maxLength: 4 },
          ),
        }),
        (data) => {
          expect(decodeGroupData(encodeGroupData(data))).toEqual(data);
        },
      ),
      { numRuns: 200 },
    );
  });
});
