import fc from "fast-check";
import { finalizeEvent, generateSecretKey } from "nostr-tools/pure";
import { describe, expect, it } from "vitest";
import {
  applyOutcome,
  classifyOutcome,
  DEFAULT_RULES,
  dependencyState,
  dueRelays,
  housekeeping,
  newEntry,
  nextWakeAt,
  type OutboxEntry,
  type OutboxRules,
} from "../../src/net/outboxSchedule.ts";
import type { PublishOutcome } from "../../src/net/relayConnection.ts";

const sk = generateSecretKey();
const ev = (n = 0) =>
  finalizeEvent({ kind: 445, created_at: 1_700_000_000 + n, tags: [], content: `c${n}` }, sk);
const A = "ws://a.example/";
const B = "ws://b.example/";
const rules: OutboxRules = {
  backoff: { initialMs: 1000, maxMs: 60_000, factor: 2, jitter: 0 },
  lingerMs: 5000,
};
const ok: PublishOutcome = { ok: true, status: "ok", message: "" };
const dup: PublishOutcome = { ok: true, status: "duplicate", message: "duplicate: have it" };
const invalid: PublishOutcome = { ok: false, status: "rejected", message: "invalid: bad signature" };
const blocked: PublishOutcome = { ok: false, status: "rejected", message: "blocked: not here" };
const limited: PublishOutcome = { ok: false, status: "rejected", message: "rate-limited: slow down" };
const timeout: PublishOutcome = { ok: false, status: "timeout", message: "error: no answer" };
const down: PublishOutcome = { ok: false, status: "unreachable", message: "error: could not connect" };

describe("newEntry", () => {
  it("normalises and de-duplicates relays, all due now", () => {
    const e = newEntry(ev(), ["ws://A.example", "ws://a.example/", B], {
      now: 10,
      label: "g1",
      after: ["x", "x"],
    });
    expect(Object.keys(e.relays)).toEqual([A, B]);
    expect(e.relays[A]).toEqual({ status: "pending", attempts: 0, nextAt: 10 });
    expect(e).toMatchObject({ id: e.event.id, state: "pending", createdAt: 10, label: "g1", after: ["x"] });
  });

  it("refuses bad input in plain words", () => {
    expect(() => newEntry(ev(), [])).toThrow(/no relay/);
    expect(() => newEntry(ev(), ["http//nope nope"])).toThrow(/not a relay address/);
    expect(() => newEntry(ev(), ["ftp://x"])).toThrow(/not a relay address/);
    expect(() => newEntry({ ...ev(), id: "short" }, [A])).toThrow(/cannot queue this event: event id/);
    const e = ev();
    expect(() => newEntry(e, [A], { after: [e.id] })).toThrow(/depends on itself/);
  });
});

describe("classifyOutcome", () => {
  it("treats invalid/blocked/restricted/pow as final, the rest as worth retrying", () => {
    expect([ok, dup, invalid, blocked, limited, timeout, down].map(classifyOutcome)).toEqual([
      "ok",
      "ok",
      "final",
      "final",
      "retry",
      "retry",
      "retry",
    ]);
    const r = (message: string): PublishOutcome => ({ ok: false, status: "rejected", message });
    expect(classifyOutcome(r("restricted: no"))).toBe("final");
    expect(classifyOutcome(r("pow: difficulty 20 needed"))).toBe("final");
    expect(classifyOutcome(r("auth-required: log in"))).toBe("retry");
    expect(classifyOutcome(r("error: database locked"))).toBe("retry");
    expect(classifyOutcome(r("whatever"))).toBe("retry");
  });
});

describe("applyOutcome", () => {
  it("is done at the first OK and keeps the other relays pending", () => {
    const e = newEntry(ev(), [A, B], { now: 0 });
    const d = applyOutcome(e, A, ok, 50, rules);
    expect(d.state).toBe("done");
    expect(d.doneAt).toBe(50);
    expect(d.relays[A]).toMatchObject({ status: "ok", attempts: 1 });
    expect(d.relays[B]).toMatchObject({ status: "pending", attempts: 0 });
    expect(e.state).toBe("pending"); // not mutated
    expect(applyOutcome(d, B, ok, 60, rules).doneAt).toBe(50);
  });

  it("backs off exponentially on retryable failures", () => {
    let e = newEntry(ev(), [A], { now: 0 });
    const waits: number[] = [];
    let now = 0;
    for (const o of [timeout, down, limited, down]) {
      e = applyOutcome(e, A, o, now, rules);
      waits.push((e.relays[A]?.nextAt ?? 0) - now);
      now = e.relays[A]?.nextAt ?? 0;
    }
    expect(waits).toEqual([1000, 2000, 4000, 8000]);
    expect(e.relays[A]).toMatchObject({
      status: "pending",
      attempts: 4,
      message: "error: could not connect",
    });
    expect(e.state).toBe("pending");
  });

  it("fails the entry only when every relay refused it for good", () => {
    const e = newEntry(ev(), [A, B], { now: 0 });
    const one = applyOutcome(e, A, invalid, 1, rules);
    expect(one.state).toBe("pending");
    expect(one.relays[A]).toMatchObject({ status: "failed", message: "invalid: bad signature" });
    const two = applyOutcome(one, B, blocked, 2, rules);
    expect(two.state).toBe("failed");
    expect(two.error).toBe(`${A}: invalid: bad signature; ${B}: blocked: not here`);
    expect(applyOutcome(two, B, ok, 3, rules)).toBe(two); // a settled relay ignores late answers
    expect(applyOutcome(e, "ws://unknown/", ok, 3, rules)).toBe(e);
  });

  it("property: done exactly when some relay said OK; never mutates; attempts count answers", () => {
    const outcomes = [ok, dup, invalid, blocked, limited, timeout, down];
    fc.assert(
      fc.property(
        fc.array(fc.tuple(fc.constantFrom(A, B), fc.integer({ min: 0, max: outcomes.length - 1 })), {
          maxLength: 12,
        }),
        (steps) => {
          let e = newEntry(ev(), [A, B], { now: 0 });
          let t = 0;
          for (const [relay, i] of steps) {
            const before = JSON.stringify(e);
            const next = applyOutcome(e, relay, outcomes[i] as PublishOutcome, ++t, rules);
            expect(JSON.stringify(e)).toBe(before);
            e = next;
          }
          const anyOk = Object.values(e.relays).some((d) => d.status === "ok");
          const allFailed = Object.values(e.relays).every((d) => d.status === "failed");
          expect(e.state).toBe(anyOk ? "done" : allFailed ? "failed" : "pending");
        },
      ),
    );
  });
});

describe("scheduling", () => {
  it("dueRelays: pending relays whose time has come, lingering after done", () => {
    let e = newEntry(ev(), [A, B], { now: 0 });
    expect(dueRelays(e, 0, rules)).toEqual([A, B]);
    e = applyOutcome(e, B, down, 0, rules); // B next at 1000
    expect(dueRelays(e, 999, rules)).toEqual([A]);
    e = applyOutcome(e, A, ok, 500, rules); // done at 500
    expect(dueRelays(e, 1000, rules)).toEqual([B]);
    expect(dueRelays(e, 500 + rules.lingerMs, rules)).toEqual([]); // linger over
    expect(dueRelays({ ...e, state: "failed" }, 1000, rules)).toEqual([]);
  });

  it("dependencyState: waits for pending, fails with failed, ignores gone", () => {
    const a = newEntry(ev(1), [A], { now: 0 });
    const b = newEntry(ev(2), [A], { now: 0, after: [a.id, "gone"] });
    const look = (m: OutboxEntry[]) => (id: string) => m.find((x) => x.id === id);
    expect(dependencyState(b, look([a, b]))).toBe("waiting");
    expect(dependencyState(b, look([applyOutcome(a, A, ok, 1, rules), b]))).toBe("ready");
    expect(dependencyState(b, look([applyOutcome(a, A, invalid, 1, rules), b]))).toBe("failed");
    expect(dependencyState(b, look([b]))).toBe("ready");
  });

  it("housekeeping: failure runs down a chain; done entries go when finished or linger ends", () => {
    const a = applyOutcome(newEntry(ev(1), [A], { now: 0 }), A, invalid, 1, rules);
    const b = newEntry(ev(2), [A], { now: 0, after: [a.id] });
    const c = newEntry(ev(3), [A], { now: 0, after: [b.id] });
    const hk = housekeeping([c, b, a], 10, rules);
    expect(hk.updated.map((e) => [e.id, e.state]).sort()).toEqual(
      [
        [b.id, "failed"],
        [c.id, "failed"],
      ].sort(),
    );
    expect(hk.updated.find((e) => e.id === b.id)?.error).toContain(a.id);

    const finished = applyOutcome(newEntry(ev(4), [A], { now: 0 }), A, ok, 5, rules);
    const lingering = applyOutcome(newEntry(ev(5), [A, B], { now: 0 }), A, ok, 5, rules);
    expect(housekeeping([finished, lingering], 6, rules).removed).toEqual([finished.id]);
    expect(housekeeping([finished, lingering], 5 + rules.lingerMs, rules).removed).toEqual([
      finished.id,
      lingering.id,
    ]);
  });

  it("nextWakeAt: earliest retry of a ready entry, or end of a linger", () => {
    const a = applyOutcome(newEntry(ev(1), [A], { now: 0 }), A, down, 100, rules); // next 1100
    const waiting = newEntry(ev(2), [B], { now: 0, after: [a.id] }); // due 0 but blocked
    expect(nextWakeAt([a, waiting], rules)).toBe(1100);
    const done = applyOutcome(newEntry(ev(3), [A, B], { now: 0 }), A, ok, 10, rules);
    const doneB = applyOutcome(done, B, down, 10, rules); // B next 1010, linger ends 5010
    expect(nextWakeAt([doneB], rules)).toBe(1010);
    expect(nextWakeAt([], rules)).toBeNull();
    expect(
      nextWakeAt([applyOutcome(newEntry(ev(4), [A], { now: 0 }), A, invalid, 1, rules)], rules),
    ).toBeNull();
    expect(DEFAULT_RULES.lingerMs).toBeGreaterThan(0);
  });
});
