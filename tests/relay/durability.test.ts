/**
 * Durability: `OK true` means committed. Events are published from several connections with many
 * in flight; the relay is killed with SIGKILL while events are still arriving; restarted on the
 * same data directory (or the same PostgreSQL database) it must hold every event it acknowledged.
 * Runs on both stores: SQLite, and PostgreSQL in a private cluster.
 */
import fs from "node:fs";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { type PostgresHandle, startPostgres } from "../helpers/postgres.ts";
import { type RelayHandle, startRelay } from "../helpers/relay.ts";
import { NostrSocket, newSigner } from "./support/nostrSocket.ts";

const RATE = ["--events-per-second", "1000000"];
const dataDirs: string[] = [];
let cluster: PostgresHandle | undefined;
afterAll(async () => {
  for (const dir of dataDirs) fs.rmSync(dir, { recursive: true, force: true });
  await cluster?.stop();
});

describe.each(["SQLite", "PostgreSQL"] as const)("kill -9 durability on %s", (store) => {
  // PostgreSQL: each test its own database, the same one again after the restart.
  let ARGS = RATE;
  beforeAll(async () => {
    if (store === "PostgreSQL") cluster ??= await startPostgres();
  });
  const useFreshStore = async () => {
    ARGS = store === "PostgreSQL" ? [...RATE, "--db", await cluster!.createDatabase()] : RATE;
  };

  it("keeps every acknowledged event across a SIGKILL mid-stream", async () => {
    await useFreshStore();
    const first: RelayHandle = await startRelay({ args: ARGS });
    const dataDir = first.dataDir;
    dataDirs.push(dataDir);
    const author = newSigner();
    const sockets = await Promise.all([0, 1, 2].map(() => NostrSocket.open(first.url)));
    const acked = new Set<string>();
    const refused: string[] = [];
    for (const s of sockets) trackOks(s, acked, refused);

    // Far more events in flight than the relay can verify and commit before the kill.
    const events = Array.from({ length: 3000 }, (_, i) =>
      author.sign({ kind: 1, content: `event ${i}`, tags: [["t", "durability"]] }),
    );
    events.forEach((e, i) => {
      sockets[i % sockets.length]!.send(["EVENT", e]);
    });
    while (acked.size < 300) await new Promise((r) => setTimeout(r, 2));
    await first.kill();
    const ackedAtKill = new Set(acked);
    expect(refused).toEqual([]);
    expect(ackedAtKill.size).toBeGreaterThanOrEqual(300);
    expect(ackedAtKill.size).toBeLessThan(events.length);

    const second = await startRelay({ dataDir, args: ARGS });
    try {
      const s = await NostrSocket.open(second.url);
      const { events: stored } = await s.req("all", { authors: [author.pubkey], limit: 5000 });
      const ids = new Set(stored.map((e) => e.id as string));
      expect([...ackedAtKill].filter((id) => !ids.has(id))).toEqual([]);
      await s.close();
    } finally {
      await second.stop();
    }
  });

  it("commits queued events on SIGTERM before exiting", async () => {
    await useFreshStore();
    const relay = await startRelay({ args: ARGS, keepData: true });
    const dir = relay.dataDir;
    const author = newSigner();
    const s = await NostrSocket.open(relay.url);
    const acked = new Set<string>();
    trackOks(s, acked, []);
    const events = Array.from({ length: 1000 }, (_, i) => author.sign({ kind: 1, content: String(i) }));
    for (const e of events) s.send(["EVENT", e]);
    while (acked.size < 50) await new Promise((r) => setTimeout(r, 2));
    await relay.stop();
    const ackedAtStop = new Set(acked);
    const again = await startRelay({ dataDir: dir, ownData: true, args: ARGS });
    try {
      const c = await NostrSocket.open(again.url);
      const { events: stored } = await c.req("all", { authors: [author.pubkey], limit: 5000 });
      const ids = new Set(stored.map((e) => e.id as string));
      expect([...ackedAtStop].filter((id) => !ids.has(id))).toEqual([]);
      await c.close();
    } finally {
      await again.stop();
    }
  });
});

function trackOks(s: NostrSocket, acked: Set<string>, refused: string[]): void {
  s.ws.on("message", (data) => {
    const m = JSON.parse(data.toString()) as unknown[];
    if (m[0] !== "OK") return;
    if (m[2] === true) acked.add(m[1] as string);
    else refused.push(String(m[3]));
  });
}
