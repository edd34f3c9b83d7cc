/**
 * The device lock (`deviceLock.ts`, `sqliteDeviceLock.ts`): two holders on one home exclude each
 * other, a waiter is told after a second and gives up with a plain-words `busy` error; and, over a
 * real relay, two engines on the same home (same SQLite file, same process) sending in random
 * interleavings never encrypt two messages at the same sender generation — the other member reads
 * every one of them (a reused generation would be refused as already used, and the message lost).
 *
 * Two engines in one process barely interleave by themselves (SQLite calls are synchronous), while
 * two processes are interleaved by the OS at any point. So each engine's store waits a generated
 * number of milliseconds before each call: fast-check chooses where the engines' reads and writes
 * fall between each other's, as a scheduler would.
 */
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import fc from "fast-check";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import WebSocket from "ws";
import { type RelayHandle, startRelay } from "../../../../tests/helpers/relay.ts";
import type { WebSocketConstructor } from "../../src/net/websocket.ts";
import { openNodeRally as createNodeClient } from "../../src/platform/node/nodeClient.ts";
import { nodeCryptoBackend } from "../../src/platform/node/nodeCrypto.ts";
import { openHomeVault } from "../../src/platform/node/nodeVault.ts";
import { sqliteDeviceLock } from "../../src/platform/node/sqliteDeviceLock.ts";
import { createRallyClient, type Rally } from "../../src/rallyClient.ts";
import type { Store } from "../../src/store/store.ts";

let root: string;

beforeAll(() => {
  root = fs.mkdtempSync(path.join(os.tmpdir(), "rally-device-lock-"));
});

afterAll(() => {
  fs.rmSync(root, { recursive: true, force: true });
});

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** The real store, each call made after the next of `pauses` (ms, cycled). */
function scheduled(store: Store, pauses: number[]): Store {
  let i = 0;
  return new Proxy(store, {
    get(target, prop, receiver) {
      const value = Reflect.get(target, prop, receiver);
      if (typeof value !== "function" || prop === "close") return value;
      return async (...args: unknown[]) => {
        const pause = pauses[i++ % pauses.length] ?? 0;
        if (pause > 0) await sleep(pause);
        return (value as (...a: unknown[]) => unknown).apply(target, args);
      };
    },
  });
}

/** An engine on `home` as `createNodeClient` builds it, over a scheduled store. */
async function writer(home: string, pauses: number[]): Promise<Rally> {
  return createRallyClient({
    store: scheduled(await openHomeVault(home), pauses),
    deviceLock: sqliteDeviceLock(home),
    WebSocket: WebSocket as unknown as WebSocketConstructor,
    mlsCrypto: nodeCryptoBackend(),
    fetchTimeoutMs: 8_000,
  });
}

describe("sqliteDeviceLock", () => {
  it("lets one holder in at a time, in turn, across two locks on one home", async () => {
    const home = path.join(root, "turns");
    const a = sqliteDeviceLock(home);
    const b = sqliteDeviceLock(home);
    const log: string[] = [];
    const hold = async (lock: typeof a, who: string) => {
      for (let i = 0; i < 5; i++) {
        const release = await lock.acquire();
        log.push(`${who}+`);
        await sleep(3);
        log.push(`${who}-`);
        await release();
      }
    };
    await Promise.all([hold(a, "a"), hold(b, "b")]);
    // Every entry is directly followed by the same holder's exit: never two inside at once.
    for (let i = 0; i < log.length; i += 2) expect(log[i + 1]).toBe(log[i]!.replace("+", "-"));
    expect(log.filter((x) => x === "a+")).toHaveLength(5);
    expect(log.filter((x) => x === "b+")).toHaveLength(5);
    a.close();
    b.close();
  });

  it("says after a moment that it waits, and gives up with a plain-words busy error", async () => {
    const home = path.join(root, "busy");
    const holder = sqliteDeviceLock(home);
    let told = 0;
    const waiter = sqliteDeviceLock(home, { timeoutMs: 400, noticeAfterMs: 100, onWait: () => told++ });
    const release = await holder.acquire();
    const err = await waiter.acquire().then(
      () => null,
      (e: unknown) => e as { code?: string; message: string },
    );
    expect(err?.code).toBe("busy");
    expect(err?.message).toMatch(/another Rally command on this device is still changing your groups/i);
    expect(told).toBe(1);
    await release();
    // Free again: the waiter gets it at once.
    const again = await waiter.acquire();
    await again();
    holder.close();
    waiter.close();
  });

  it("gives the lock back when its holder closes", async () => {
    const home = path.join(root, "close");
    const holder = sqliteDeviceLock(home);
    await holder.acquire();
    holder.close();
    const other = sqliteDeviceLock(home, { timeoutMs: 200 });
    const release = await other.acquire();
    await release();
    other.close();
  });
});

describe("two engines on one home", { timeout: 600_000 }, () => {
  let relay: RelayHandle;
  const open: Rally[] = [];
  let aliceHome = "";
  let bob: Rally;
  let group = "";

  beforeAll(async () => {
    relay = await startRelay();
    aliceHome = path.join(root, "alice");
    const alice = await createNodeClient({ home: aliceHome, fetchTimeoutMs: 8_000 });
    open.push(alice);
    await alice.createAccount({ name: "Alice", relays: [relay.url] });
    bob = await createNodeClient({ home: path.join(root, "bob"), fetchTimeoutMs: 8_000 });
    open.push(bob);
    await bob.createAccount({ name: "Bob", relays: [relay.url] });
    await alice.deliver(8_000);
    await bob.deliver(8_000);
    group = (await alice.createGroup({ name: "Two tabs" })).id;
    await alice.invite(group, (await bob.account())!.npub);
    await bob.sync();
    for (const inv of await bob.invites()) await bob.acceptInvite(inv.id);
    await bob.deliver(8_000);
    await alice.close();
    open.splice(open.indexOf(alice), 1);
  }, 300_000);

  afterAll(async () => {
    for (const c of open) await c.close().catch(() => undefined);
    await relay?.stop();
  });

  it("never encrypt two messages at one sender generation, whatever the interleaving", async () => {
    let run = 0;
    await fc.assert(
      fc.asyncProperty(
        // Per writer: a pause (ms) before each message, and the pauses before its store calls.
        fc.tuple(
          fc.array(fc.integer({ min: 0, max: 6 }), { minLength: 1, maxLength: 4 }),
          fc.array(fc.integer({ min: 0, max: 6 }), { minLength: 1, maxLength: 4 }),
          fc.array(fc.integer({ min: 0, max: 4 }), { minLength: 1, maxLength: 12 }),
          fc.array(fc.integer({ min: 0, max: 4 }), { minLength: 1, maxLength: 12 }),
        ),
        async ([pausesA, pausesB, storeA, storeB]) => {
          run++;
          const writers = [await writer(aliceHome, storeA), await writer(aliceHome, storeB)];
          const texts: string[] = [];
          try {
            await Promise.all(
              [pausesA, pausesB].map(async (pauses, w) => {
                for (const [i, pause] of pauses.entries()) {
                  if (pause > 0) await sleep(pause);
                  const text = `run ${run} writer ${w} message ${i}`;
                  texts.push(text);
                  await writers[w]!.sendChat(group, text);
                }
              }),
            );
            const report = await writers[0]!.deliver(8_000);
            expect(report.pending + report.failed).toBe(0);
          } finally {
            for (const w of writers) await w.close();
          }
          await bob.sync();
          const seen = new Set((await bob.chat(group, { limit: 1_000 })).map((m) => m.text));
          expect(texts.filter((t) => !seen.has(t))).toEqual([]);
        },
      ),
      { numRuns: 12 },
    );
  });
});
