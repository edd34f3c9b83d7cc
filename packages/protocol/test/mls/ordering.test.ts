/**
 * Commit ordering: admins' commits first, then the lowest event id, whatever order candidates are
 * listed in; the sender-chosen `created_at` plays no part (F8).
 */
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { compareCommits, orderForProcessing, pickWinningCommit } from "../../src/mls/index.ts";

describe("commit ordering", () => {
  it("picks an admin's commit first, then the lowest id", () => {
    const a = { byAdmin: false, id: "bb" };
    const b = { byAdmin: false, id: "aa" };
    const c = { byAdmin: true, id: "ff" };
    expect(pickWinningCommit([a, b])).toBe(b);
    expect(pickWinningCommit([a, b, c])).toBe(c);
    expect(pickWinningCommit([])).toBeUndefined();
    expect(compareCommits(a, a)).toBe(0);
  });

  it("F8: a member's commit dated earlier does not beat an admin's", () => {
    const admins = { byAdmin: true, id: "ff", createdAt: 2_000 };
    const early = { byAdmin: false, id: "00", createdAt: 1 };
    expect(pickWinningCommit([early, admins])).toBe(admins);
    expect(compareCommits(admins, early)).toBeLessThan(0);
  });

  it("the winner does not depend on the order of candidates", () => {
    const candidates = fc.uniqueArray(
      fc.record({ byAdmin: fc.boolean(), id: fc.stringMatching(/^[0-9a-f]{2}$/) }),
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

  it("orders a batch by epoch: proposals, then application messages, then commits, each by id", () => {
    const g = "00" as never;
    const msgs = [
      { id: "c2", createdAt: 1, info: { kind: "commit" as const, groupId: g, epoch: 1 } },
      { id: "a1", createdAt: 1, info: { kind: "application" as const, groupId: g, epoch: 1 } },
      { id: "c1", createdAt: 9, info: { kind: "commit" as const, groupId: g, epoch: 1 } },
      { id: "x0", createdAt: 9, info: { kind: "application" as const, groupId: g, epoch: 0 } },
      { id: "p1", createdAt: 7, info: { kind: "proposal" as const, groupId: g, epoch: 1 } },
      { id: "w", createdAt: 0, info: { kind: "welcome" as const } },
    ];
    expect(orderForProcessing(msgs).map((m) => m.id)).toEqual(["x0", "p1", "a1", "c1", "c2", "w"]);
  });
});
