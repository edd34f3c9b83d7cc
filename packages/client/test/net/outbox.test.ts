// The durable outbox over a real SQLite store, the real relay pool and real `rally relay`
// processes: persisted before sending, retried until a relay comes up, final refusals, ordering
// by dependency, lingering for the other relays, and surviving a killed client process.
import { spawn } from "node:child_process";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import type { NostrEvent } from "nostr-tools/core";
import { afterEach, describe, expect, it } from "vitest";
import WebSocket from "ws";
import { Outbox, type OutboxChange, type Publisher } from "../../src/net/outbox.ts";
import type { OutboxEntry } from "../../src/net/outboxSchedule.ts";
import { RelayPool } from "../../src/net/relayPool.ts";
import { openHomeStore } from "../../src/platform/node/sqliteStore.ts";
import type { OutboxRow } from "../../src/store/store.ts";
import { freePort, signed, startRelay, waitFor } from "./helpers.ts";

const repoRoot = resolve(fileURLToPath(new URL(".", import.meta.url)), "../../../..");
const cleanups: (() => Promise<void> | void)[] = [];
afterEach(async () => {
  for (const c of cleanups.splice(0).reverse()) await c();
});

const FAST = { backoff: { initialMs: 100, maxMs: 400, factor: 2, jitter: 0.5 }, lingerMs: 30_000 };

function home(): string {
  const dir = mkdtempSync(join(tmpdir(), "rally-outbox-test-"));
  cleanups.push(() => rmSync(dir, { recursive: true, force: true }));
  return dir;
}

function setup(rules: Partial<typeof FAST> = FAST) {
  const store = openHomeStore(home());
  const pool = new RelayPool({ WebSocket, publishTimeoutMs: 3000, log: () => {} });
  // The real pool, watched: which events were handed to it, and whether the store held them then.
  const sends: { id: string; relay: string; storedFirst: boolean }[] = [];
  const publisher: Publisher = {
    async publish(event, relays, options) {
      const rows = await store.outbox();
      for (const relay of relays)
        sends.push({ id: event.id, relay, storedFirst: rows.some((r) => r.id === event.id) });
      return pool.publish(event, relays, options);
    },
  };
  const outbox = new Outbox({ store, pool: publisher, rules, publishTimeoutMs: 3000 });
  const changes: OutboxChange[] = [];
  outbox.onChange((c) => changes.push(c));
  cleanups.push(async () => {
    await outbox.stop();
    pool.close();
    await store.close();
  });
  return { store, pool, outbox, sends, changes };
}

async function relayHas(url: string, id: string): Promise<boolean> {
  const reader = new RelayPool({ WebSocket, log: () => {} });
  try {
    let found = false;
    const sub = reader.subscribe([url], [{ ids: [id] }], { onEvent: () => (found = true) });
    await sub.eose;
    sub.close();
    return found;
  } finally {
    reader.close();
  }
}

const entryOf = (rows: OutboxRow[], id: string) =>
  rows.find((r) => r.id === id)?.value as OutboxEntry | undefined;

async function relayOn(port: number) {
  const r = await startRelay({ args: ["--port", String(port)] });
  cleanups.push(() => r.stop());
  return r;
}

describe("Outbox", { timeout: 120_000 }, () => {
  it("stores an entry before sending it, and retries until its relay comes up", async () => {
    const port = await freePort();
    const url = `ws://127.0.0.1:${port}`;
    const { store, outbox, sends } = setup();
    await outbox.start();
    const ev = signed(1, "typed while the relay was down");
    const queued = await outbox.enqueue(ev, [url]);
    expect(queued.state).toBe("pending");
    expect(entryOf(await store.outbox(), ev.id)?.event).toEqual(JSON.parse(JSON.stringify(ev)));

    await waitFor(
      async () => (entryOf(await store.outbox(), ev.id)?.relays[`${url}/`]?.attempts ?? 0) >= 3,
      "three failed attempts",
    );
    const stored = entryOf(await store.outbox(), ev.id);
    expect(stored?.state).toBe("pending");
    expect(stored?.relays[`${url}/`]?.message).toMatch(/could not connect/);

    await relayOn(port);
    await waitFor(
      async () => (await store.outbox()).length === 0,
      "the entry to be sent and removed",
      30_000,
    );
    expect(await relayHas(url, ev.id)).toBe(true);
    expect(sends.length).toBeGreaterThanOrEqual(4);
    expect(sends.every((s) => s.storedFirst)).toBe(true);
  });

  it("fails an entry for good on invalid:, reports why, and stops sending it", async () => {
    const r = await startRelay();
    cleanups.push(() => r.stop());
    const { store, outbox, sends, changes } = setup();
    await outbox.start();
    const good = signed(1, "fine");
    const tampered = { ...signed(1, "signed"), content: "changed" } as NostrEvent;
    await outbox.enqueue(tampered, [r.url]);
    await outbox.enqueue(good, [r.url]);
    await waitFor(async () => entryOf(await store.outbox(), tampered.id)?.state === "failed", "the failure");
    const failed = entryOf(await store.outbox(), tampered.id);
    expect(failed?.error).toMatch(new RegExp(`^${r.url}/: invalid:`));
    expect(changes.some((c) => !c.removed && c.entry.id === tampered.id && c.entry.state === "failed")).toBe(
      true,
    );
    await waitFor(async () => entryOf(await store.outbox(), good.id) === undefined, "the good one to go");
    const attempts = sends.filter((s) => s.id === tampered.id).length;
    await new Promise((res) => setTimeout(res, 800));
    expect(sends.filter((s) => s.id === tampered.id).length).toBe(attempts);
    expect(attempts).toBe(1);

    expect(await outbox.retry(tampered.id)).toBe(1);
    expect((await outbox.get(tampered.id))?.state).toBe("pending");
    await waitFor(async () => (await outbox.get(tampered.id))?.state === "failed", "failing again");
    await outbox.discard(tampered.id);
    expect(await store.outbox()).toEqual([]);
  });

  it("sends B only after A is acknowledged, and fails B if A is discarded", async () => {
    const portX = await freePort();
    const x = `ws://127.0.0.1:${portX}`;
    const y = await startRelay();
    cleanups.push(() => y.stop());
    const { store, outbox, sends } = setup();
    await outbox.start();
    const commit = signed(445, "commit");
    const welcome = signed(1, "welcome"); // kind 1: gift wraps are served only to their recipient
    await outbox.enqueue(commit, [x]);
    await outbox.enqueue(welcome, [y.url], { after: [commit.id] });
    await waitFor(() => sends.filter((s) => s.id === commit.id).length >= 2, "the commit to be tried twice");
    expect(sends.some((s) => s.id === welcome.id)).toBe(false);
    expect(await relayHas(y.url, welcome.id)).toBe(false);

    await relayOn(portX);
    await waitFor(async () => (await store.outbox()).length === 0, "both to be sent", 30_000);
    const firstWelcome = sends.findIndex((s) => s.id === welcome.id);
    const lastCommit = sends.map((s) => s.id).lastIndexOf(commit.id);
    expect(firstWelcome).toBeGreaterThan(lastCommit);
    expect(await relayHas(y.url, welcome.id)).toBe(true);
    expect(await relayHas(x, commit.id)).toBe(true);

    // A dependency that is discarded takes its dependents with it.
    const dead = `ws://127.0.0.1:${await freePort()}`;
    const a = signed(445, "a");
    const b = signed(1, "b");
    await outbox.enqueue(a, [dead]);
    await outbox.enqueue(b, [y.url], { after: [a.id] });
    await outbox.discard(a.id);
    const bEntry = await outbox.get(b.id);
    expect(bEntry?.state).toBe("failed");
    expect(bEntry?.error).toMatch(/discarded/);
  });

  it("is done at the first OK and keeps trying the other relays while it lingers", async () => {
    const up = await startRelay();
    cleanups.push(() => up.stop());
    const portDown = await freePort();
    const down = `ws://127.0.0.1:${portDown}`;
    const { store, outbox } = setup();
    await outbox.start();
    const ev = signed(1, "to both");
    await outbox.enqueue(ev, [up.url, down]);
    await waitFor(
      async () => entryOf(await store.outbox(), ev.id)?.state === "done",
      "done on the live relay",
    );
    const entry = entryOf(await store.outbox(), ev.id);
    expect(entry?.relays[`${up.url}/`]?.status).toBe("ok");
    expect(entry?.relays[`${down}/`]?.status).toBe("pending");
    await relayOn(portDown);
    await waitFor(async () => (await store.outbox()).length === 0, "the second relay to get it", 30_000);
    expect(await relayHas(down, ev.id)).toBe(true);
  });

  it("stores an entry in the caller's own atomic batch, and queues one event once", async () => {
    const r = await startRelay();
    cleanups.push(() => r.stop());
    const { store, outbox } = setup();
    const ev = signed(445, "commit with its state");
    const { op } = Outbox.prepare(ev, [r.url]);
    await store.batch([{ op: "putBlob", key: "mls/g/epoch", data: Uint8Array.from([1]) }, op]);
    await outbox.enqueue(ev, [r.url]); // the same event again: still one entry
    expect((await store.outbox()).length).toBe(1);
    const report = await outbox.flush({ timeoutMs: 15_000 });
    expect(report).toEqual({ done: 1, failed: 0, pending: 0 });
    expect(await store.outbox()).toEqual([]);
    expect(await relayHas(r.url, ev.id)).toBe(true);
  });

  it("flush returns with what is still pending when no relay answers in time", async () => {
    const { store, outbox } = setup();
    const ev = signed(1, "nowhere to go");
    await outbox.enqueue(ev, [`ws://127.0.0.1:${await freePort()}`]);
    const report = await outbox.flush({ timeoutMs: 1500 });
    expect(report).toEqual({ done: 0, failed: 0, pending: 1 });
    expect(entryOf(await store.outbox(), ev.id)?.state).toBe("pending");
  });

  it("survives a killed client process: the next process sends what it queued", async () => {
    const port = await freePort();
    const url = `ws://127.0.0.1:${port}`;
    const dir = home();
    const fixture = fileURLToPath(new URL("./fixtures/outboxProcess.ts", import.meta.url));
    const run = (args: string[]) =>
      spawn(process.execPath, ["--import", "tsx", fixture, ...args], {
        cwd: repoRoot,
        stdio: ["ignore", "pipe", "pipe"],
      });

    const first = run(["enqueue", dir, url]);
    let out = "";
    first.stdout.on("data", (d) => (out += d));
    first.stderr.on("data", (d) => (out += d));
    const exited = new Promise((res) => first.once("exit", res));
    await waitFor(() => out.includes('"queued"'), `the first process to queue (output: ${out})`, 30_000);
    const { queued } = JSON.parse(out.trim().split("\n").pop() as string) as { queued: string };
    first.kill("SIGKILL");
    await exited;

    await relayOn(port);
    const second = run(["resume", dir]);
    let out2 = "";
    second.stdout.on("data", (d) => (out2 += d));
    second.stderr.on("data", (d) => (out2 += d));
    const code = await new Promise((res) => second.once("exit", res));
    expect(code, out2).toBe(0);
    expect(JSON.parse(out2.trim().split("\n").pop() as string)).toEqual({
      done: 1,
      failed: 0,
      pending: 0,
      left: 0,
    });
    expect(await relayHas(url, queued)).toBe(true);
  });
});
