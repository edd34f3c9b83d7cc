// The order front ends sort by (`@rally/client`'s compareWritten and compareEntries): the
// protocol's one comparison, time, then the author's milliseconds, then id.
import { compareOrder } from "@rally/protocol/app";
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { compareEntries, compareWritten } from "../../src/group/historyOrder.ts";

const T = 1_700_000_000;

describe("the order of what people wrote", () => {
  it("is the protocol's compareOrder over a view's fields", () => {
    const key = fc.record({
      createdAt: fc.integer({ min: T, max: T + 2 }),
      ms: fc.option(fc.integer({ min: 0, max: 999 }), { nil: undefined }),
      id: fc.constantFrom("a", "b", "c"),
    });
    fc.assert(
      fc.property(key, key, (a, b) => {
        expect(Math.sign(compareWritten(a, b))).toBe(
          Math.sign(
            compareOrder(
              { created_at: a.createdAt, ms: a.ms, id: a.id },
              { created_at: b.createdAt, ms: b.ms, id: b.id },
            ),
          ),
        );
      }),
    );
  });

  it("puts polls of one second newest first as they were made", () => {
    const polls = [
      { id: "z", createdAt: T, ms: 5 },
      { id: "a", createdAt: T, ms: 700 },
      { id: "m", createdAt: T - 1, ms: 999 },
      { id: "b", createdAt: T },
    ];
    expect([...polls].sort((x, y) => compareWritten(y, x)).map((p) => p.id)).toEqual(["a", "z", "b", "m"]);
  });

  it("orders a history's messages of one second by ms after the epoch rule, a notice's ms ignored", () => {
    const lines = [
      { type: "message" as const, id: "a", createdAt: T, ms: 900 },
      { type: "message" as const, id: "c", createdAt: T, ms: 100 },
      { type: "notice" as const, id: "n", createdAt: T, ms: 999, epoch: 2 },
      { type: "message" as const, id: "b", createdAt: T, ms: 50, epoch: 1 },
    ];
    expect([...lines].sort(compareEntries).map((l) => l.id)).toEqual(["b", "n", "c", "a"]);
  });
});
