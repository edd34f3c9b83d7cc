/**
 * Signature checks on worker threads (`verifyPool.ts`): a flood over several connections gets the
 * very answers a relay checking on its own thread gives, stored events are answered in the order
 * they were sent, forged events are refused, and a worker that dies mid-batch is replaced while its
 * events are checked on the relay thread.
 */
import { finalizeEvent, generateSecretKey } from "nostr-tools/pure";
import { afterEach, describe, expect, it } from "vitest";
import WebSocket from "ws";
import { silentLog } from "../src/log.ts";
import { loadNativeVerifier } from "../src/nativeVerifier.ts";
import { type RelayServer, startRelayServer } from "../src/server.ts";
import { VerifyPool } from "../src/verifyPool.ts";

const servers: RelayServer[] = [];
afterEach(async () => {
  for (const s of servers.splice(0)) await s.close();
});

type Frame = unknown[];

const now = Math.floor(Date.now() / 1000);

/** One connection's messages: valid events, forgeries, a repeat, a future one, a malformed one. */
function script(
  conn: number,
  count: number,
): { frames: string[]; expectOks: number; ephemeral: Set<string> } {
  const sk = generateSecretKey();
  const frames: string[] = [];
  const ephemeral = new Set<string>();
  let expectOks = 0;
  for (let i = 0; i < count; i++) {
    const e = finalizeEvent(
      { kind: 1, content: `c${conn} #${i}`, tags: [["t", `c${conn}`]], created_at: now - i },
      sk,
    );
    const push = (ev: unknown) => {
      frames.push(JSON.stringify(["EVENT", ev]));
      expectOks++;
    };
    switch (i % 10) {
      case 3: // forged signature: another event's
        push({ ...e, sig: finalizeEvent({ kind: 1, content: "other", tags: [], created_at: now }, sk).sig });
        break;
      case 5: // changed content, same id: the id no longer matches
        push({ ...e, content: `${e.content} changed` });
        break;
      case 7: // sent twice
        push(e);
        push(e);
        break;
      case 8: {
        // ephemeral: forwarded, never stored
        const eph = finalizeEvent(
          { kind: 20001, content: `eph ${conn} ${i}`, tags: [], created_at: now },
          sk,
        );
        ephemeral.add(eph.id);
        push(eph);
        break;
      }
      case 9: // far in the future: refused by policy before any check
        push(finalizeEvent({ kind: 1, content: `late ${i}`, tags: [], created_at: now + 86_400 }, sk));
        break;
      default:
        push(e);
    }
    if (i === count / 2) {
      // Not an event at all: a NOTICE, in its place among the answers.
      frames.push(JSON.stringify(["EVENT", { id: "zz" }]));
    }
  }
  return { frames, expectOks, ephemeral };
}

/** Sends every frame at once on its own connection and collects the answers until all came. */
function flood(url: string, frames: string[], expectOks: number): Promise<Frame[]> {
  return new Promise((resolve, reject) => {
    const ws = new WebSocket(url);
    const got: Frame[] = [];
    let oks = 0;
    ws.on("open", () => {
      for (const f of frames) ws.send(f);
    });
    ws.on("message", (d) => {
      const m = JSON.parse(d.toString()) as Frame;
      if (m[0] === "AUTH") return;
      got.push(m);
      if (m[0] === "OK") oks++;
      if (oks === expectOks) {
        ws.close();
        resolve(got);
      }
    });
    ws.on("error", reject);
  });
}

async function runFlood(server: RelayServer, scripts: ReturnType<typeof script>[]) {
  return Promise.all(scripts.map((s) => flood(server.url, s.frames, s.expectOks)));
}

/** id → [accepted, message] per connection, and the ids of stored events in the order answered. */
function answers(got: Frame[], ephemeral: Set<string>) {
  const byId = new Map<string, [boolean, string][]>();
  const storedOrder: string[] = [];
  for (const m of got) {
    if (m[0] !== "OK") continue;
    const [, id, ok, msg] = m as [string, string, boolean, string];
    byId.set(id, [...(byId.get(id) ?? []), [ok, msg]]);
    if (ok && msg === "" && !ephemeral.has(id)) storedOrder.push(id);
  }
  return { byId, storedOrder };
}

const limits = { eventsPerSecond: 1, eventBurst: 5000 };

describe("signature checks on worker threads", () => {
  // Native only where bcrypto's binding was built (an optional dependency; `nativeVerifier.ts`).
  const backends = loadNativeVerifier() ? (["wasm", "native"] as const) : (["wasm"] as const);
  it.each(backends)(
    "answers a flood over several connections exactly as checks on the relay thread do (%s workers)",
    async (backend) => {
      const scripts = [0, 1, 2, 3].map((c) => script(c, 180));
      const plain = await startRelayServer({
        port: 0,
        log: silentLog,
        limits,
        verifyWorkers: 0,
        verifier: "js",
      });
      servers.push(plain);
      // helpAbove 0: the relay thread takes part of every turn's events too, as when workers are behind.
      const pool = new VerifyPool({ size: 2, backend, maxBatch: 64, helpAbove: 0 });
      const pooled = await startRelayServer({ port: 0, log: silentLog, limits, verifyPool: pool });
      servers.push(pooled);

      const before = await runFlood(plain, scripts);
      const after = await runFlood(pooled, scripts);
      expect(pool.stats.batches).toBeGreaterThan(1);
      expect(pool.stats.helped).toBeGreaterThan(0);

      for (let c = 0; c < scripts.length; c++) {
        const a = answers(before[c]!, scripts[c]!.ephemeral);
        const b = answers(after[c]!, scripts[c]!.ephemeral);
        expect(b.byId).toEqual(a.byId);
        expect([...after[c]!].sort()).toEqual([...before[c]!].sort());
        // Stored events are answered in the order they were sent, on both.
        const sent = scripts[c]!.frames.map((f) => (JSON.parse(f) as [string, { id: string }])[1].id);
        expect(b.storedOrder.length).toBeGreaterThan(50);
        const inSendOrder = (ids: string[]) => ids.map((id) => sent.indexOf(id));
        expect(inSendOrder(b.storedOrder)).toEqual([...inSendOrder(b.storedOrder)].sort((x, y) => x - y));
        expect(b.storedOrder).toEqual(a.storedOrder);
        // Every kind of answer came up (the reasons are the relay thread's own, compared above).
        const msgs = [...b.byId.values()].flat().map(([ok, msg]) => `${ok} ${msg}`);
        expect(msgs).toContain("false invalid: bad signature");
        expect(msgs).toContain("false invalid: event id does not match the event's content");
        expect(msgs.some((m) => m.startsWith("true duplicate:"))).toBe(true);
        expect(after[c]!.some((m) => m[0] === "NOTICE")).toBe(true);
      }
      expect(pooled.stats().eventsSaved).toBe(plain.stats().eventsSaved);
    },
  );

  it("replaces a worker that dies mid-batch and checks its events on the relay thread", async () => {
    const pool = new VerifyPool({ size: 1, backend: "wasm", maxBatch: 2000 });
    const server = await startRelayServer({
      port: 0,
      log: silentLog,
      limits,
      verifyPool: pool,
    });
    servers.push(server);
    const sk = generateSecretKey();
    const frames: string[] = [];
    const forged = new Set<string>();
    for (let i = 0; i < 1500; i++) {
      const e = finalizeEvent({ kind: 1, content: `crash ${i}`, tags: [], created_at: now - i }, sk);
      if (i % 100 === 0) {
        forged.add(e.id);
        frames.push(
          JSON.stringify(["EVENT", { ...e, sig: e.sig.replace(/^./, e.sig[0] === "a" ? "b" : "a") }]),
        );
      } else frames.push(JSON.stringify(["EVENT", e]));
    }
    const answered = flood(server.url, frames, frames.length);
    // Crash the worker while it holds a batch.
    while (pool.inFlight === 0 || pool.stats.batches === 0) await new Promise((r) => setImmediate(r));
    await pool.crashOne();
    const got = await answered;
    expect(pool.stats.replaced).toBe(1);
    expect(pool.stats.checkedHere).toBeGreaterThan(0);
    const oks = got.filter((m) => m[0] === "OK") as [string, string, boolean, string][];
    expect(oks).toHaveLength(1500);
    for (const [, id, ok, msg] of oks) {
      if (forged.has(id)) expect([ok, msg]).toEqual([false, "invalid: bad signature"]);
      else expect([ok, msg]).toEqual([true, ""]);
    }
    // In the order sent, across the crash.
    const sent = frames
      .map((f) => (JSON.parse(f) as [string, { id: string }])[1].id)
      .filter((id) => !forged.has(id));
    expect(oks.filter((m) => m[2]).map((m) => m[1])).toEqual(sent);
    // The new worker takes the next events.
    const batches = pool.stats.batches;
    const next = finalizeEvent({ kind: 1, content: "after", tags: [], created_at: now }, sk);
    const [ok] = await flood(server.url, [JSON.stringify(["EVENT", next])], 1);
    expect(ok).toEqual(["OK", next.id, true, ""]);
    expect(pool.stats.batches).toBe(batches + 1);
    expect(pool.stats.replaced).toBe(1);
  });

  it("decides rate limits as messages arrive, as checks on the relay thread do", async () => {
    const few = { eventsPerSecond: 1, eventBurst: 6 };
    const plain = await startRelayServer({ port: 0, log: silentLog, limits: few });
    servers.push(plain);
    const pooled = await startRelayServer({ port: 0, log: silentLog, limits: few, verifyWorkers: 1 });
    servers.push(pooled);
    const sk = generateSecretKey();
    const frames = Array.from({ length: 12 }, (_, i) =>
      JSON.stringify([
        "EVENT",
        finalizeEvent({ kind: 1, content: `rate ${i}`, tags: [], created_at: now }, sk),
      ]),
    );
    const a = await flood(plain.url, frames, 12);
    const b = await flood(pooled.url, frames, 12);
    const outcome = (got: Frame[]) => got.map((m) => `${m[2]} ${String(m[3]).split(":")[0]}`).sort();
    expect(outcome(b)).toEqual(outcome(a));
    expect(outcome(b).filter((o) => o === "false rate-limited").length).toBeGreaterThanOrEqual(5);
  });

  it("lets a stopping relay finish the checks in flight", async () => {
    const pool = new VerifyPool({ size: 1, backend: "wasm" });
    const server = await startRelayServer({ port: 0, log: silentLog, verifyPool: pool });
    const sk = generateSecretKey();
    const ws = new WebSocket(server.url);
    await new Promise((r) => ws.once("open", r));
    const frames = Array.from({ length: 300 }, (_, i) =>
      JSON.stringify([
        "EVENT",
        finalizeEvent({ kind: 1, content: `stop ${i}`, tags: [], created_at: now }, sk),
      ]),
    );
    for (const f of frames) ws.send(f);
    while (pool.inFlight === 0) await new Promise((r) => setImmediate(r));
    const held = pool.inFlight;
    await server.close();
    expect(pool.inFlight).toBe(0);
    // Every event held by a worker when the relay began to stop was checked and stored.
    expect(server.stats().eventsSaved).toBeGreaterThanOrEqual(held);
    ws.terminate();
  });
});
