// The order of a group's records within one second: the author's milliseconds (`ms` tag), read
// strictly, then the id; and a device's stamps that only go up.
import fc from "fast-check";
import { getEventHash } from "nostr-tools/pure";
import { describe, expect, test } from "vitest";
import {
  buildChatMessage,
  chatViews,
  compareOrder,
  MS_TAG,
  makeRumor,
  nextStamp,
  orderKeyOf,
  parseMs,
  parseRumor,
  reduceGroup,
  rumorMs,
  withMs,
} from "../../src/app/index.ts";
import { alice, bob, from } from "./people.ts";

const T = 1_700_000_000;
const ctx = { admins: [alice.pk], members: [alice.pk, bob.pk] };

describe("the ms tag", () => {
  test("reads 0 to 999 written plainly", () => {
    for (const [text, ms] of [
      ["0", 0],
      ["1", 1],
      ["42", 42],
      ["999", 999],
    ] as const)
      expect(parseMs(text)).toBe(ms);
  });

  test("anything else counts as 0, and never throws", () => {
    for (const bad of [
      "1000",
      "-1",
      "07",
      "00",
      "5.5",
      "1e2",
      " 5",
      "5 ",
      "+5",
      "0x10",
      "",
      "٣",
      "99999999999999999999",
      undefined,
      null,
      5,
      {},
      [],
    ])
      expect(parseMs(bad)).toBe(0);
    const odd = (tags: unknown) => rumorMs({ tags } as { tags: string[][] });
    expect(odd(undefined)).toBe(0);
    expect(odd("ms")).toBe(0);
    expect(odd([null, 3, ["ms"]])).toBe(0);
    expect(
      odd([
        ["ms", "12", "extra"],
        ["ms", "500"],
      ]),
    ).toBe(12);
  });

  test("never moves a record out of its second", () => {
    fc.assert(
      fc.property(fc.string(), fc.string(), (x, y) => {
        const a = { created_at: T, ms: parseMs(x), id: "f".repeat(64) };
        const b = { created_at: T + 1, ms: parseMs(y), id: "0".repeat(64) };
        expect(compareOrder(a, b)).toBeLessThan(0);
        expect(compareOrder(b, a)).toBeGreaterThan(0);
      }),
    );
  });

  test("a rumor without it counts as 0", () => {
    const r = makeRumor({ pubkey: alice.pk, createdAt: T, kind: 9, tags: [], content: "hi" });
    expect(orderKeyOf(r)).toEqual({ created_at: T, ms: 0, id: r.id });
  });

  test("withMs puts the tag last, replaces an old one and computes the id again", () => {
    const r = makeRumor({
      pubkey: alice.pk,
      createdAt: T,
      kind: 9,
      tags: [
        ["ms", "3"],
        ["t", "x"],
      ],
      content: "hi",
    });
    const s = withMs(r, 250);
    expect(s.tags).toEqual([
      ["t", "x"],
      [MS_TAG, "250"],
    ]);
    const { id, ...rest } = s;
    expect(id).toBe(getEventHash(rest));
    expect(parseRumor(s).ok).toBe(true);
    expect(rumorMs(withMs(r, 5000))).toBe(999);
    expect(rumorMs(withMs(r, -3))).toBe(0);
  });
});

describe("compareOrder", () => {
  test("time, then milliseconds, then id", () => {
    const k = (created_at: number, ms: number | undefined, id: string) => ({ created_at, ms, id });
    const sorted = [
      k(T, 0, "b".repeat(64)),
      k(T, undefined, "c".repeat(64)),
      k(T, 1, "a".repeat(64)),
      k(T, 999, "0".repeat(64)),
      k(T + 1, 0, "0".repeat(64)),
    ];
    const shuffled = [sorted[3], sorted[4], sorted[1], sorted[0], sorted[2]] as typeof sorted;
    expect(shuffled.sort(compareOrder)).toEqual(sorted);
    expect(compareOrder(sorted[0]!, { ...sorted[0]! })).toBe(0);
  });

  test("is a total order", () => {
    const key = fc.record({
      created_at: fc.integer({ min: T, max: T + 2 }),
      ms: fc.integer({ min: 0, max: 3 }),
      id: fc.constantFrom("a", "b", "c").map((c) => c.repeat(64)),
    });
    fc.assert(
      fc.property(key, key, key, (a, b, c) => {
        expect(Math.sign(compareOrder(a, b)) + Math.sign(compareOrder(b, a))).toBe(0);
        if (compareOrder(a, b) <= 0 && compareOrder(b, c) <= 0)
          expect(compareOrder(a, c)).toBeLessThanOrEqual(0);
      }),
    );
  });
});

describe("nextStamp", () => {
  test("the clock's milliseconds when the rumor is dated in the clock's second", () => {
    expect(nextStamp(T, T * 1000 + 437, null)).toEqual({ created_at: T, ms: 437 });
  });

  test("0 for a rumor dated in another second", () => {
    expect(nextStamp(T + 1, T * 1000 + 437, null)).toEqual({ created_at: T + 1, ms: 0 });
  });

  test("never at or below the last stamp of the same second", () => {
    expect(nextStamp(T, T * 1000 + 5, { created_at: T, ms: 5 })).toEqual({ created_at: T, ms: 6 });
    expect(nextStamp(T, T * 1000 + 5, { created_at: T, ms: 80 })).toEqual({ created_at: T, ms: 81 });
    expect(nextStamp(T, T * 1000 + 90, { created_at: T, ms: 80 })).toEqual({ created_at: T, ms: 90 });
    expect(nextStamp(T, T * 1000 + 5, { created_at: T - 1, ms: 999 })).toEqual({ created_at: T, ms: 5 });
  });

  test("stays within its second: 999 at most", () => {
    expect(nextStamp(T, T * 1000 + 999, { created_at: T, ms: 999 })).toEqual({ created_at: T, ms: 999 });
  });

  test("a loop of sends within one millisecond keeps its order", () => {
    let last = null;
    const keys = [];
    for (let i = 0; i < 50; i++) {
      const s = nextStamp(T, T * 1000 + 700, last);
      keys.push({ created_at: s.created_at, ms: s.ms, id: String(49 - i).padStart(64, "0") });
      last = s;
    }
    expect([...keys].sort(compareOrder)).toEqual(keys);
  });
});

describe("the reducer", () => {
  test("orders chat of one second by the authors' milliseconds, whatever the ids", () => {
    const sent = ["1. chairs", "2. tables", "3. food", "4. music", "5. cleanup"].map((text, i) =>
      withMs(buildChatMessage({ pubkey: i % 2 ? bob.pk : alice.pk, createdAt: T, text }), 100 + i),
    );
    // The ids alone would put them in some other order.
    const byId = [...sent].sort((a, b) => (a.id < b.id ? -1 : 1)).map((r) => r.content);
    expect(byId).not.toEqual(sent.map((r) => r.content));
    const state = reduceGroup(
      [...sent].reverse().map((r) => from(r)),
      ctx,
    );
    expect(chatViews(state, alice.pk).map((m) => m.text)).toEqual(sent.map((r) => r.content));
    expect(state.messages.map((m) => m.ms)).toEqual([100, 101, 102, 103, 104]);
  });
});
