import { finalizeEvent, generateSecretKey } from "nostr-tools/pure";
import { describe, expect, it } from "vitest";
import { requeueFailed } from "../../src/net/outboxRetry.ts";
import {
  applyOutcome,
  DEFAULT_RULES,
  dueRelays,
  housekeeping,
  newEntry,
  type OutboxEntry,
} from "../../src/net/outboxSchedule.ts";
import type { PublishOutcome } from "../../src/net/relayConnection.ts";

const sk = generateSecretKey();
const ev = (n: number) =>
  finalizeEvent({ kind: 445, created_at: 1_700_000_000 + n, tags: [], content: `c${n}` }, sk);
const A = "ws://a.example/";
const B = "ws://b.example/";
const tooLarge: PublishOutcome = { ok: false, status: "rejected", message: "invalid: event too large" };
const blocked: PublishOutcome = { ok: false, status: "rejected", message: "blocked: not here" };
const ok: PublishOutcome = { ok: true, status: "ok", message: "" };

/** An entry every relay refused for good. */
function refused(n: number, after: string[] = []): OutboxEntry {
  let e = newEntry(ev(n), [A, B], { now: 100, after });
  e = applyOutcome(e, A, tooLarge, 200, DEFAULT_RULES, () => 0);
  return applyOutcome(e, B, blocked, 300, DEFAULT_RULES, () => 0);
}

describe("requeueFailed", () => {
  it("puts a refused entry back to pending, every relay due at once, its old answers gone", () => {
    const e = refused(1);
    expect(e.state).toBe("failed");
    const [again, ...rest] = requeueFailed([e], new Set([e.id]), 5000);
    expect(rest).toEqual([]);
    expect(again).toEqual({
      id: e.id,
      event: e.event,
      after: [],
      state: "pending",
      createdAt: 100,
      relays: {
        [A]: { status: "pending", attempts: 0, nextAt: 5000 },
        [B]: { status: "pending", attempts: 0, nextAt: 5000 },
      },
    });
    expect(dueRelays(again as OutboxEntry, 5000)).toEqual([A, B]);
    // Never mutates what it was given.
    expect(e.state).toBe("failed");
    expect(e.error).toMatch(/event too large/);
  });

  it("takes only the failed entries named (every failed one when none are named)", () => {
    const x = refused(1);
    const y = refused(2);
    const pending = newEntry(ev(3), [A], { now: 100 });
    const done = applyOutcome(newEntry(ev(4), [A], { now: 100 }), A, ok, 150);
    const all = [x, y, pending, done];
    expect(requeueFailed(all, new Set([y.id, pending.id, done.id, "unknown"]), 9).map((e) => e.id)).toEqual([
      y.id,
    ]);
    expect(requeueFailed(all, null, 9).map((e) => e.id)).toEqual([x.id, y.id]);
    expect(requeueFailed(all, new Set(), 9)).toEqual([]);
  });

  it("brings back the entries that failed only because they waited for it, along the chain", () => {
    const commit = refused(1);
    const chunk = refused(2);
    const welcome = newEntry(ev(3), [A], { now: 100, after: [commit.id] });
    const later = newEntry(ev(4), [A], { now: 100, after: [welcome.id] });
    const hk1 = housekeeping([commit, chunk, welcome, later], 400);
    expect(hk1.updated.map((e) => e.state)).toEqual(["failed", "failed"]);
    const all = [commit, chunk, ...hk1.updated];
    const again = requeueFailed(all, new Set([commit.id]), 500);
    expect(again.map((e) => e.id).sort()).toEqual([commit.id, welcome.id, later.id].sort());
    expect(again.every((e) => e.state === "pending" && e.error === undefined)).toBe(true);
    // Back to waiting: the welcome is not failed again while the commit is pending.
    expect(housekeeping([...again, chunk], 600).updated).toEqual([]);
  });
});
