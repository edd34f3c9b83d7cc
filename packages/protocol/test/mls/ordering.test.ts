/** Commit ordering: earliest created_at, then lowest id, whatever order candidates are listed in. */
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { compareCommits, orderForProcessing, pickWinningCommit } from "../../src/mls/index.ts";

describe("commit ordering", () => {
  it("picks the earliest, then the lowest id", () => {
    const a = { createdAt: 100, id: "bb" };
    const b = { createdAt: 100, id: "aa" };
    const c = { createdAt: 99, id: "ff" };
    expect(pickWinningCommit([a, b])).toBe(b);
    expect(pickWinningCommit([a, b, c])).toBe(c);
    expect(pickWinningCommit([])).toBeUndefined();
    expect(compareCommits(a, a)).toBe(0);
  });

  it("the winner does not depend on the order of candidates", () => {
    const candidates = fc.uniqueArray(
      fc.record({ createdAt: fc.integer({ min: 0, max: 5 }), id: fc.stringMatching(/^[0-9a-f]{2}$/) }),
      { minLength: 1, maxLength: 8, selector: (x) => x.id },
    );
    fc.assert(
      fc.property(
        candidates.chain((c) => fc.tuple(fc.constant(c), fc.shuffledSubarray(c, { minLength: c.length }))),
        ([cands, shuffled]) => {
          const winner = pickWinningCommit(shuffled);
          expect(winner).toEqual(pickWinningCommit(cands));
          for (const c of cands)
            expect(compareCommits(winner as (typeof cands)[0], c)).toBeLessThanOrEqual(0);
        },
      ),
    );
  });

  it("orders a batch by epoch: proposals, then application messages, then commits (winner first)", () => {
    const g = "00" as never;
    const msgs = [
      { id: "c2", createdAt: 5, info: { kind: "commit" as const, groupId: g, epoch: 1 } },
      { id: "a1", createdAt: 1, info: { kind: "application" as const, groupId: g, epoch: 1 } },
      { id: "c1", createdAt: 4, info: { kind: "commit" as const, groupId: g, epoch: 1 } },
      { id: "x0", createdAt: 9, info: { kind: "application" as const, groupId: g, epoch: 0 } },
      { id: "p1", createdAt: 7, info: { kind: "proposal" as const, groupId: g, epoch: 1 } },
      { id: "w", createdAt: 0, info: { kind: "welcome" as const } },
    ];
    expect(orderForProcessing(msgs).map((m) => m.id)).toEqual(["x0", "p1", "a1", "c1", "c2", "w"]);
  });
});
