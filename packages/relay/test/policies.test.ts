/** Relay policies as plain functions, without a socket. */
import type { NostrEvent, PubkeyHex } from "@rally/protocol/nostr";
import { describe, expect, it } from "vitest";
import { DEFAULT_LIMITS, resolveLimits } from "../src/limits.ts";
import { refuseAuthEvents, requireAuth } from "../src/policies/auth.ts";
import { defaultPolicies } from "../src/policies/defaults.ts";
import { maxEventSize, maxFutureCreatedAt } from "../src/policies/eventLimits.ts";
import { refuseExpired } from "../src/policies/expiration.ts";
import { privateInbox } from "../src/policies/privateInbox.ts";
import { protectedEvents } from "../src/policies/protectedEvents.ts";
import { checkFilter, rejectEvent, rewriteFilters } from "../src/policies/types.ts";
import { TokenBucket } from "../src/rateLimit.ts";

const ALICE = "a".repeat(64) as PubkeyHex;
const BOB = "b".repeat(64) as PubkeyHex;
const NOW = 1_000_000;
const ev = (over: Partial<NostrEvent> = {}): NostrEvent =>
  ({
    id: "e".repeat(64),
    pubkey: ALICE,
    created_at: NOW,
    kind: 1,
    tags: [],
    content: "",
    sig: "f".repeat(128),
    ...over,
  }) as NostrEvent;
const anon = { authed: new Set<PubkeyHex>(), now: NOW, bytes: 100 };
const asAlice = { ...anon, authed: new Set([ALICE]) };
const asBob = { ...anon, authed: new Set([BOB]) };

describe("event policies", () => {
  it("max-event-size: n bytes pass, n+1 fail", () => {
    const p = maxEventSize(100);
    expect(p.rejectEvent!(ev(), { ...anon, bytes: 100 })).toBeUndefined();
    expect(p.rejectEvent!(ev(), { ...anon, bytes: 101 })).toMatch(/^invalid: event too large/);
  });

  it("max-future-created-at: allows skew up to the window", () => {
    const p = maxFutureCreatedAt(60);
    expect(p.rejectEvent!(ev({ created_at: NOW + 60 }), anon)).toBeUndefined();
    expect(p.rejectEvent!(ev({ created_at: NOW + 61 }), anon)).toMatch(/^invalid: created_at/);
    expect(p.rejectEvent!(ev({ created_at: 0 }), anon)).toBeUndefined();
  });

  it("NIP-40: refuses expired and malformed expirations", () => {
    const p = refuseExpired();
    expect(p.rejectEvent!(ev({ tags: [["expiration", String(NOW + 1)]] }), anon)).toBeUndefined();
    expect(p.rejectEvent!(ev({ tags: [["expiration", String(NOW)]] }), anon)).toBe(
      "invalid: event has already expired",
    );
    expect(p.rejectEvent!(ev({ tags: [["expiration", "x"]] }), anon)).toMatch(/^invalid: /);
  });

  it("NIP-70: protected events only from the authenticated author", () => {
    const p = protectedEvents();
    const e = ev({ tags: [["-"]] });
    expect(p.rejectEvent!(e, anon)).toMatch(/^auth-required: /);
    expect(p.rejectEvent!(e, asBob)).toMatch(/^restricted: /);
    expect(p.rejectEvent!(e, asAlice)).toBeUndefined();
    expect(p.rejectEvent!(ev(), anon)).toBeUndefined();
  });

  it("AUTH events stay out of EVENT; require-auth refuses anonymous writes and reads", () => {
    expect(refuseAuthEvents().rejectEvent!(ev({ kind: 22242 }), anon)).toMatch(/^invalid: /);
    const r = requireAuth();
    expect(r.rejectEvent!(ev(), anon)).toMatch(/^auth-required: /);
    expect(r.rejectEvent!(ev(), asAlice)).toBeUndefined();
    expect(r.checkFilter!({}, anon)).toEqual({ reject: expect.stringMatching(/^auth-required: /) });
  });

  it("runs in order; the first refusal wins", () => {
    const policies = defaultPolicies(DEFAULT_LIMITS);
    const e = ev({ tags: [["expiration", "1"], ["-"]], created_at: NOW + 10_000 });
    expect(rejectEvent(policies, e, anon)).toMatch(/^invalid: created_at/);
    expect(rejectEvent(policies, ev(), anon)).toBeUndefined();
    expect(rejectEvent(defaultPolicies(DEFAULT_LIMITS, { authRequired: true }), ev(), anon)).toMatch(
      /^auth-required/,
    );
  });
});

describe("private inbox (gift wraps)", () => {
  const p = privateInbox();
  const ctxAnon = { authed: new Set<PubkeyHex>(), now: NOW };
  const ctxAlice = { authed: new Set([ALICE]), now: NOW };

  it("requires auth and an own #p for filters naming kind 1059", () => {
    expect(p.checkFilter!({ kinds: [1059], "#p": [ALICE] }, ctxAnon)).toEqual({
      reject: expect.stringMatching(/^auth-required: /),
    });
    expect(p.checkFilter!({ kinds: [1059], "#p": [BOB] }, ctxAlice)).toEqual({
      reject: expect.stringMatching(/^restricted: /),
    });
    expect(p.checkFilter!({ kinds: [1059], "#p": [ALICE, BOB] }, ctxAlice)).toHaveProperty("reject");
    expect(p.checkFilter!({ kinds: [1059] }, ctxAlice)).toHaveProperty("reject");
    expect(p.checkFilter!({ kinds: [1059, 1], "#p": [ALICE] }, ctxAlice)).toBeUndefined();
  });

  it("hides the kind from filters that do not name kinds, unless #p is the asker's own", () => {
    expect(p.checkFilter!({ ids: ["x".repeat(64)] }, ctxAnon)).toEqual({ hideKinds: [1059] });
    expect(p.checkFilter!({ "#p": [BOB] }, ctxAlice)).toEqual({ hideKinds: [1059] });
    expect(p.checkFilter!({ "#p": [ALICE] }, ctxAlice)).toBeUndefined();
    expect(p.checkFilter!({ kinds: [445], "#h": ["x"] }, ctxAnon)).toBeUndefined();
  });

  it("narrows an authenticated filter without #p to the asker's own keys for kind 1059", () => {
    expect(p.rewriteFilter!({ kinds: [1059], limit: 5 }, ctxAlice)).toEqual([
      { kinds: [1059], limit: 5, "#p": [ALICE] },
    ]);
    // Other kinds in the same filter keep their meaning, in a filter of their own.
    expect(p.rewriteFilter!({ kinds: [1, 1059], authors: [BOB] }, ctxAlice)).toEqual([
      { kinds: [1059], authors: [BOB], "#p": [ALICE] },
      { kinds: [1], authors: [BOB] },
    ]);
    // Anonymous, with #p already, or not naming the kind: left as asked (checkFilter decides).
    expect(p.rewriteFilter!({ kinds: [1059] }, ctxAnon)).toBeUndefined();
    expect(p.rewriteFilter!({ kinds: [1059], "#p": [BOB] }, ctxAlice)).toBeUndefined();
    expect(p.rewriteFilter!({ kinds: [1] }, ctxAlice)).toBeUndefined();
    expect(p.rewriteFilter!({ ids: ["x".repeat(64)] }, ctxAlice)).toBeUndefined();
    const rewritten = rewriteFilters([p], [{ kinds: [1059] }, { kinds: [7] }], ctxAlice);
    expect(rewritten).toEqual([{ kinds: [1059], "#p": [ALICE] }, { kinds: [7] }]);
    for (const f of rewritten) expect(checkFilter([p], f, ctxAlice)).toEqual({ hideKinds: [] });
  });

  it("combines with other policies through checkFilter", () => {
    expect(checkFilter([p, privateInbox([4])], {}, ctxAnon)).toEqual({ hideKinds: [1059, 4] });
    expect(checkFilter([p], { kinds: [1] }, ctxAnon)).toEqual({ hideKinds: [] });
  });
});

describe("limits and rate limits", () => {
  it("validates limits", () => {
    expect(resolveLimits({ maxSubscriptions: 5 }).maxSubscriptions).toBe(5);
    expect(resolveLimits({ eventsPerSecond: Infinity }).eventsPerSecond).toBe(Infinity);
    expect(() => resolveLimits({ maxFilters: 0 })).toThrow(RangeError);
    expect(() => resolveLimits({ maxLimit: 1.5 })).toThrow(RangeError);
  });

  it("token bucket: a burst, then the sustained rate", () => {
    let t = 0;
    const b = new TokenBucket(2, 3, () => t);
    expect([b.take(), b.take(), b.take(), b.take()]).toEqual([true, true, true, false]);
    t = 499;
    expect(b.take()).toBe(false);
    t = 500;
    expect(b.take()).toBe(true);
    expect(b.take()).toBe(false);
    t = 100_000;
    expect([b.take(), b.take(), b.take(), b.take()]).toEqual([true, true, true, false]);
    expect(new TokenBucket(Infinity, 1, () => 0).take()).toBe(true);
  });
});
