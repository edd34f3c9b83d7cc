/**
 * The outbox's rules for an event a relay refused for its time (`outboxSchedule.ts`): such a
 * refusal is not final, the entry stays pending, and it may be sent as a copy stamped again only
 * while no relay may hold the first version; the copy keeps the entry's id as its handle.
 */
import { finalizeEvent, generateSecretKey } from "nostr-tools/pure";
import { describe, expect, it } from "vitest";
import {
  applyOutcome,
  canRestamp,
  classifyOutcome,
  dueRelays,
  isTimeRefusal,
  newEntry,
  type OutboxRules,
  refusedForTime,
  restampedEntry,
} from "../../src/net/outboxSchedule.ts";
import type { PublishOutcome } from "../../src/net/relayConnection.ts";

const sk = generateSecretKey();
const at = (created_at: number, content = "hello") =>
  finalizeEvent({ kind: 445, created_at, tags: [["h", "ab".repeat(32)]], content }, sk);
const A = "ws://a.example/";
const B = "ws://b.example/";
const rules: OutboxRules = {
  backoff: { initialMs: 1000, maxMs: 60_000, factor: 2, jitter: 0 },
  lingerMs: 5000,
};
const refused = (message: string): PublishOutcome => ({ ok: false, status: "rejected", message });
const RALLY_FUTURE = "invalid: created_at is more than 900 seconds in the future; check your clock";
const future = refused(RALLY_FUTURE);
const ok: PublishOutcome = { ok: true, status: "ok", message: "" };
const timeout: PublishOutcome = {
  ok: false,
  status: "timeout",
  message: "error: no answer from the relay in 8000 ms",
};
const down: PublishOutcome = { ok: false, status: "unreachable", message: "error: could not connect" };

describe("isTimeRefusal", () => {
  it("knows relays' words for an event dated too far ahead or back", () => {
    for (const m of [
      RALLY_FUTURE,
      "invalid: created_at too early",
      "invalid: created_at too late",
      "invalid: event too much in the future",
      "invalid: event too old",
      "invalid: timestamp out of range",
      "invalid: event is too far in the future",
    ]) {
      expect(isTimeRefusal(m), m).toBe(true);
    }
  });

  it("is not any other refusal, nor time words under another prefix", () => {
    for (const m of [
      "invalid: bad signature",
      "invalid: event too large (300000 bytes; limit 262144)",
      "blocked: created_at too early",
      "error: clock service down",
      "rate-limited: slow down",
      "created_at is more than 900 seconds in the future",
      "",
    ]) {
      expect(isTimeRefusal(m), m).toBe(false);
    }
    expect(isTimeRefusal(undefined)).toBe(false);
  });
});

describe("a refusal for time", () => {
  it("is its own class, not final", () => {
    expect(classifyOutcome(future)).toBe("time");
    expect(classifyOutcome(refused("invalid: event too old"))).toBe("time");
    expect(classifyOutcome(refused("invalid: bad signature"))).toBe("final");
  });

  it("keeps the entry pending with backoff and the relay's words, never failed nor done", () => {
    let e = newEntry(at(100), [A], { now: 0 });
    for (let i = 0; i < 12; i++) e = applyOutcome(e, A, future, i * 1000, rules);
    expect(e.state).toBe("pending");
    expect(e.relays[A]).toMatchObject({ status: "pending", attempts: 12, message: RALLY_FUTURE });
    expect(e.relays[A]?.nextAt).toBe(11_000 + 60_000);
    expect(refusedForTime(e)).toBe(true);
    // Taken at last once its time is inside the relay's window: done.
    e = applyOutcome(e, A, ok, 80_000, rules);
    expect(e.state).toBe("done");
  });

  it("beside a final refusal elsewhere, the entry still waits for the relay that refused for time", () => {
    let e = newEntry(at(100), [A, B], { now: 0 });
    e = applyOutcome(e, B, refused("blocked: not here"), 5, rules);
    e = applyOutcome(e, A, future, 5, rules);
    expect(e.state).toBe("pending");
    expect(dueRelays(e, 5 + 1000, rules)).toEqual([A]);
  });
});

describe("canRestamp", () => {
  it("is true once a relay refused for time and no relay took it", () => {
    const e = newEntry(at(100), [A, B], { now: 0 });
    expect(canRestamp(e)).toBe(false);
    expect(canRestamp(applyOutcome(e, A, future, 1, rules))).toBe(true);
    // Another relay unreachable does not matter: it never got the event.
    expect(canRestamp(applyOutcome(applyOutcome(e, A, future, 1, rules), B, down, 1, rules))).toBe(true);
  });

  it("is false when some relay may hold the first version", () => {
    const e = applyOutcome(newEntry(at(100), [A, B], { now: 0 }), A, future, 1, rules);
    // B took it: the message is out; A is retried unchanged (a second version would be a duplicate).
    expect(canRestamp(applyOutcome(e, B, ok, 1, rules))).toBe(false);
    // B never answered: it may have stored it.
    expect(canRestamp(applyOutcome(e, B, timeout, 1, rules))).toBe(false);
  });

  it("is false for other refusals and for entries no longer pending", () => {
    const e = newEntry(at(100), [A], { now: 0 });
    expect(canRestamp(applyOutcome(e, A, refused("rate-limited: slow down"), 1, rules))).toBe(false);
    expect(canRestamp(applyOutcome(e, A, refused("invalid: bad signature"), 1, rules))).toBe(false);
  });
});

describe("restampedEntry", () => {
  it("carries the new event under the old handle, every pending relay due now, old answers dropped", () => {
    const first = at(2_000);
    let e = newEntry(first, [A, B], { now: 0, after: ["commit"], label: "group g" });
    e = applyOutcome(e, A, future, 10, rules);
    e = applyOutcome(e, B, down, 10, rules);
    const again = at(800);
    const r = restampedEntry(e, again, 50);
    expect(r.id).toBe(first.id);
    expect(r.event).toEqual(JSON.parse(JSON.stringify(again)));
    expect(r).toMatchObject({ after: ["commit"], label: "group g", state: "pending", createdAt: 0 });
    expect(r.relays[A]).toEqual({ status: "pending", attempts: 1, nextAt: 50 });
    expect(r.relays[B]).toEqual({ status: "pending", attempts: 1, nextAt: 50 });
    expect(canRestamp(r)).toBe(false);
    expect(refusedForTime(r)).toBe(false);
    // The input is untouched.
    expect(e.event.id).toBe(first.id);
    expect(e.relays[A]?.message).toBe(RALLY_FUTURE);
  });

  it("keeps a relay's final answer", () => {
    let e = newEntry(at(2_000), [A, B], { now: 0 });
    e = applyOutcome(e, B, refused("blocked: not here"), 1, rules);
    e = applyOutcome(e, A, future, 1, rules);
    const r = restampedEntry(e, at(800), 5);
    expect(r.relays[B]).toEqual(e.relays[B]);
  });

  it("refuses a malformed event in plain words", () => {
    const e = applyOutcome(newEntry(at(2_000), [A], { now: 0 }), A, future, 1, rules);
    expect(() => restampedEntry(e, { ...at(800), id: "short" }, 5)).toThrow(/cannot stamp this event again/);
  });
});
