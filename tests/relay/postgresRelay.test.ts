/**
 * Several `rally relay` processes on one PostgreSQL database (a private cluster): an event accepted
 * by one reaches live subscribers on the others (LISTEN/NOTIFY), large events too; and when one
 * process is killed with SIGKILL mid-stream, the other keeps serving and every event either one
 * acknowledged is in the database.
 */
import { spawnSync } from "node:child_process";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { rallyBin, repoRoot, startServe } from "../e2e/helpers/serve.ts";
import { type PostgresHandle, startPostgres } from "../helpers/postgres.ts";
import { type RelayHandle, startRelay } from "../helpers/relay.ts";
import { NostrSocket, newSigner } from "./support/nostrSocket.ts";

const ARGS = ["--events-per-second", "1000000"];
let cluster: PostgresHandle;
const relays: RelayHandle[] = [];

beforeAll(async () => {
  cluster = await startPostgres();
});
afterAll(async () => {
  for (const r of relays) await r.stop();
  await cluster?.stop();
});

async function relayOn(db: string): Promise<RelayHandle> {
  const r = await startRelay({ args: [...ARGS, "--db", db] });
  relays.push(r);
  return r;
}

describe("relays sharing one PostgreSQL database", () => {
  it("send an event accepted by one to live subscribers on the other, both ways, once", async () => {
    const db = await cluster.createDatabase();
    const a = await relayOn(db);
    const b = await relayOn(db);
    const atA = await NostrSocket.open(a.url);
    const atB = await NostrSocket.open(b.url);
    const author = newSigner();
    // Rally's shapes: a group message by its routing tag, and a large one (over NOTIFY's 8,000 bytes).
    expect((await atB.req("group", { kinds: [445], "#h": ["g1"] })).events).toEqual([]);
    expect((await atA.req("mine", { authors: [author.pubkey] })).events).toEqual([]);

    const small = author.sign({ kind: 445, tags: [["h", "g1"]], content: "hello" });
    expect((await atA.publish(small))[2]).toBe(true);
    const live = await atB.next((m) => m[0] === "EVENT" && m[1] === "group");
    expect((live[2] as { id: string }).id).toBe(small.id);

    const large = author.sign({ kind: 445, tags: [["h", "g1"]], content: "x".repeat(50_000) });
    expect((await atA.publish(large))[2]).toBe(true);
    const liveLarge = await atB.next((m) => m[0] === "EVENT" && m[1] === "group");
    expect(liveLarge[2]).toEqual(large);

    // The other way: published on B, seen live on A; each relay sends its own subscriber one copy.
    const fromB = author.sign({ kind: 1, content: "from b" });
    expect((await atB.publish(fromB))[2]).toBe(true);
    const mineLive = await atA.next(
      (m) => m[0] === "EVENT" && m[1] === "mine" && (m[2] as { id: string }).id === fromB.id,
    );
    expect(mineLive).toBeDefined();
    await new Promise((r) => setTimeout(r, 200));
    const copies = atA.messages.filter((m) => m[0] === "EVENT" && m[1] === "mine");
    // small and large also match "mine" on A (A stored them itself): exactly one copy each.
    const ids = copies.map((m) => (m[2] as { id: string }).id).sort();
    expect(ids).toEqual([small.id, large.id].sort());
    expect(atB.messages.filter((m) => m[0] === "EVENT")).toEqual([]);

    // A REQ on B reads what A stored.
    const stored = await atB.req("again", { kinds: [445], "#h": ["g1"] });
    expect(new Set(stored.events.map((e) => e.id))).toEqual(new Set([small.id, large.id]));
    await atA.close();
    await atB.close();
  });

  it("pass ephemeral events, which neither stores, to live subscribers on the other", async () => {
    const db = await cluster.createDatabase();
    const a = await relayOn(db);
    const b = await relayOn(db);
    const atA = await NostrSocket.open(a.url);
    const atB = await NostrSocket.open(b.url);
    const author = newSigner();
    await atB.req("signals", { kinds: [20001], authors: [author.pubkey] });
    const signal = author.sign({ kind: 20001, content: "typing" });
    expect((await atA.publish(signal))[2]).toBe(true);
    const live = await atB.next((m) => m[0] === "EVENT" && m[1] === "signals");
    expect(live[2]).toEqual(signal);
    expect((await atB.req("stored", { kinds: [20001] })).events).toEqual([]);
    await atA.close();
    await atB.close();
  });

  it("keep every acknowledged event when one relay is killed mid-stream, and the other keeps serving", async () => {
    const db = await cluster.createDatabase();
    const a = await relayOn(db);
    const b = await relayOn(db);
    const author = newSigner();
    const toA = await Promise.all([0, 1].map(() => NostrSocket.open(a.url)));
    const toB = await NostrSocket.open(b.url);
    const watcher = await NostrSocket.open(b.url);
    await watcher.req("live", { authors: [author.pubkey], kinds: [7] });
    const acked = new Set<string>();
    const refused: string[] = [];
    for (const s of [...toA, toB]) trackOks(s, acked, refused);

    const events = Array.from({ length: 3000 }, (_, i) => author.sign({ kind: 1, content: `event ${i}` }));
    events.forEach((e, i) => {
      (i % 3 === 2 ? toB : toA[i % 2]!).send(["EVENT", e]);
    });
    while (acked.size < 300) await new Promise((r) => setTimeout(r, 2));
    await a.kill();
    const ackedAtKill = new Set(acked);
    expect(refused).toEqual([]);
    expect(ackedAtKill.size).toBeLessThan(events.length);

    // B goes on: it takes new events and sends them to its live subscribers.
    const after = author.sign({ kind: 7, content: "after the kill" });
    expect((await toB.publish(after))[2]).toBe(true);
    const live = await watcher.next((m) => m[0] === "EVENT" && m[1] === "live");
    expect((live[2] as { id: string }).id).toBe(after.id);

    // Let B finish what it was sent, then everything acknowledged by either is readable from B.
    const sentToB = events.filter((_, i) => i % 3 === 2);
    await Promise.all(sentToB.map((e) => toB.ok(e.id).catch(() => undefined)));
    const reader = await NostrSocket.open(b.url);
    const { events: stored } = await reader.req("all", { authors: [author.pubkey], kinds: [1], limit: 5000 });
    const ids = new Set(stored.map((e) => e.id as string));
    expect([...ackedAtKill].filter((id) => !ids.has(id))).toEqual([]);
    expect(sentToB.filter((e) => !ids.has(e.id))).toEqual([]);
    for (const s of [toB, watcher, reader]) await s.close();
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

describe("--db", () => {
  it("rally serve keeps its events in the database a rally relay process shares", async () => {
    const db = await cluster.createDatabase();
    const serve = await startServe({ args: ["--no-build", "--db", db] });
    try {
      const relay = await relayOn(db);
      const atServe = await NostrSocket.open(serve.relay);
      const atRelay = await NostrSocket.open(relay.url);
      const author = newSigner();
      await atRelay.req("live", { authors: [author.pubkey] });
      // A group message: `rally serve` takes only the kinds Rally uses.
      const e = author.sign({ kind: 445, tags: [["h", "g"]], content: "through the node" });
      expect((await atServe.publish(e))[2]).toBe(true);
      expect((await atRelay.next((m) => m[0] === "EVENT" && m[1] === "live"))[2]).toEqual(e);
      // --json names the database, without a password (the test cluster has none to hide).
      expect(serve.output()).toContain(`"database":"${db}"`);
      await atServe.close();
      await atRelay.close();
    } finally {
      await serve.stop();
    }
  });

  it("two rally serve processes on one database agree on the public keys that need proof of work", async () => {
    const db = await cluster.createDatabase();
    const first = await startServe({ args: ["--no-build", "--db", db] });
    const second = await startServe({ args: ["--no-build", "--db", db] });
    try {
      const atFirst = await NostrSocket.open(first.relay);
      const atSecond = await NostrSocket.open(second.relay);
      const group = newSigner();
      // The second process already runs when the group's public calendar reaches the first.
      const calendar = group.sign({
        kind: 31924,
        tags: [
          ["d", "rally"],
          ["title", "Allotment"],
        ],
        content: "",
      });
      expect((await atFirst.publish(calendar))[2]).toBe(true);
      const stranger = newSigner();
      let answer: unknown[] = [];
      for (let i = 0; i < 20; i++) {
        const junk = stranger.sign({ kind: 1059, tags: [["p", group.pubkey]], content: `junk ${i}` });
        answer = await atSecond.publish(junk);
        if (answer[2] === false) break;
        await new Promise((r) => setTimeout(r, 250));
      }
      expect(answer[2]).toBe(false);
      expect(String(answer[3])).toMatch(/^pow: /);
      await atFirst.close();
      await atSecond.close();
    } finally {
      await first.stop();
      await second.stop();
    }
  });

  it("refuses what is not a PostgreSQL connection string, and an unreachable database, in plain words", () => {
    const run = (db: string) =>
      spawnSync(process.execPath, [rallyBin, "relay", "--port", "0", "--db", db], {
        cwd: repoRoot,
        encoding: "utf8",
      });
    const wrong = run("mysql://rally@localhost/rally");
    expect(wrong.status).toBe(1);
    expect(wrong.stderr).toContain("--db takes a PostgreSQL connection string");
    // A closed port on loopback; the password is never printed.
    const down = run(`postgres://rally:hunter2@127.0.0.1:${cluster.port + 1}/rally`);
    expect(down.status).toBe(1);
    expect(down.stderr).toMatch(
      /cannot use the PostgreSQL database postgres:\/\/rally@127\.0\.0\.1:\d+\/rally .*check --db/,
    );
    expect(down.stderr).not.toContain("hunter2");
  });
});
