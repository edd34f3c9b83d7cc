/**
 * Abuse limits, each flooded by one client while another keeps working (its REQ answered, its
 * EVENT accepted). Clients come from different loopback addresses (127.0.0.1, 127.0.0.2, …) so
 * per-address limits can tell them apart.
 */
import { nip77 } from "nostr-tools";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import WebSocket from "ws";
import { type RelayHandle, startRelay } from "../helpers/relay.ts";
import { NostrSocket, newSigner } from "./support/nostrSocket.ts";
import { expectSecurityHeaders, portOf, rawExchange, upgradeRequest } from "./support/rawHttp.ts";

const FLOOD = "127.0.0.1";
const OTHER = "127.0.0.2";

/** Opens a WebSocket; resolves with it, or with the HTTP status and Retry-After of a refused upgrade. */
function tryConnect(
  url: string,
  localAddress: string,
): Promise<{ ws: WebSocket } | { status: number; retryAfter: string | undefined; body: string }> {
  return new Promise((resolve, reject) => {
    const ws = new WebSocket(url, { localAddress });
    ws.once("open", () => resolve({ ws }));
    ws.once("unexpected-response", (_req, res) => {
      let body = "";
      res.setEncoding("utf8");
      res.on("data", (d: string) => {
        body += d;
      });
      res.on("end", () =>
        resolve({ status: res.statusCode ?? 0, retryAfter: res.headers["retry-after"], body }),
      );
    });
    ws.once("error", reject);
  });
}

/** The other client's round: its EVENT is accepted and its REQ answered with it. */
async function otherClientWorks(url: string, kind = 445): Promise<void> {
  const other = await NostrSocket.open(url, { localAddress: OTHER });
  const me = newSigner();
  const e = me.sign({ kind, content: "still here", tags: [["h", "g1"]] });
  const ok = await other.publish(e);
  expect(ok[2], ok[3]).toBe(true);
  const got = await other.req("mine", { authors: [me.pubkey] });
  expect(got.closed).toBeUndefined();
  expect(got.events.map((x) => x.id)).toEqual([e.id]);
  await other.close();
}

describe("connection caps", () => {
  let relay: RelayHandle;
  beforeAll(async () => {
    relay = await startRelay({ args: ["--max-connections-per-address", "5", "--max-connections", "8"] });
  });
  afterAll(async () => relay?.stop());

  it("refuses the upgrade with 503 and Retry-After past the per-address and global caps", async () => {
    const flood: WebSocket[] = [];
    for (let i = 0; i < 5; i++) {
      const r = await tryConnect(relay.url, FLOOD);
      if (!("ws" in r)) throw new Error(`connection ${i} refused: ${r.status}`);
      flood.push(r.ws);
    }
    const over = await tryConnect(relay.url, FLOOD);
    expect("ws" in over).toBe(false);
    if (!("ws" in over)) {
      expect(over.status).toBe(503);
      expect(Number(over.retryAfter)).toBeGreaterThan(0);
      expect(over.body).toMatch(/too many connections from your address/);
    }
    // Another address still gets in and is served.
    await otherClientWorks(relay.url);

    // The global cap: 5 from one address and 3 from another fill it; a third address is refused.
    const more: WebSocket[] = [];
    for (let i = 0; i < 3; i++) {
      const r = await tryConnect(relay.url, OTHER);
      if (!("ws" in r)) throw new Error(`connection ${i} refused: ${r.status}`);
      more.push(r.ws);
    }
    const full = await tryConnect(relay.url, "127.0.0.3");
    expect("ws" in full ? 0 : full.status).toBe(503);
    if (!("ws" in full)) expect(full.body).toMatch(/connection limit/);

    // Closed connections are counted out: the flooding address may connect again.
    await new Promise<void>((resolve) => {
      flood[0]!.once("close", () => resolve());
      flood[0]!.close();
    });
    for (const ws of more) ws.close();
    let again = await tryConnect(relay.url, FLOOD);
    for (let i = 0; i < 50 && !("ws" in again); i++) {
      await new Promise((r) => setTimeout(r, 50)); // the server sees the close a moment later
      again = await tryConnect(relay.url, FLOOD);
    }
    expect("ws" in again).toBe(true);
    if ("ws" in again) again.ws.close();
    for (const ws of flood) ws.close();
    await otherClientWorks(relay.url);
  });

  it("writes the refusal on the raw socket with the security headers every answer has", async () => {
    // An address of its own: the first case's connections may not all be counted out yet.
    const address = "127.0.0.4";
    const open: WebSocket[] = [];
    for (let i = 0; i < 5; i++) {
      const r = await tryConnect(relay.url, address);
      if ("ws" in r) open.push(r.ws);
    }
    // Past this address's cap (or the global one, should the first case's still count).
    const refused = await rawExchange(portOf(relay.url), upgradeRequest(), address);
    for (const ws of open) ws.close();
    expect(refused.statusLine).toBe("HTTP/1.1 503 Service Unavailable");
    expect(refused.headers["retry-after"]).toBe("10");
    expect(refused.headers.connection).toBe("close");
    expect(refused.body).toMatch(/too many connections from your address|connection limit/);
    expectSecurityHeaders(refused, "503");
  });
});

describe("write rate per address", () => {
  let relay: RelayHandle;
  beforeAll(async () => {
    relay = await startRelay({ args: ["--address-events-per-second", "5", "--events-per-second", "100000"] });
  });
  afterAll(async () => relay?.stop());

  it("holds a flood over many connections from one address to the address's rate", async () => {
    const author = newSigner();
    const sockets = await Promise.all(
      Array.from({ length: 10 }, () => NostrSocket.open(relay.url, { localAddress: FLOOD })),
    );
    // Burst: 20 × 5 = 100 events; 10 connections × 30 = 300 are sent at once.
    const answers = await Promise.all(
      sockets.flatMap((s, c) =>
        Array.from({ length: 30 }, (_, i) => {
          const e = author.sign({ kind: 1, content: `flood ${c} ${i}` });
          s.send(["EVENT", e]);
          return s.ok(e.id);
        }),
      ),
    );
    const refused = answers.filter((a) => a[2] === false);
    const accepted = answers.length - refused.length;
    expect(accepted).toBeGreaterThanOrEqual(100);
    expect(accepted).toBeLessThan(300);
    expect(refused[0]?.[3]).toMatch(/^rate-limited: .*from one address/);
    // Meanwhile another address publishes and reads as usual.
    await otherClientWorks(relay.url);
    for (const s of sockets) await s.close();
  });
});

describe("storage quotas", () => {
  let relay: RelayHandle;
  beforeAll(async () => {
    relay = await startRelay({ args: ["--quota-per-author", "20K"] });
  });
  afterAll(async () => relay?.stop());

  it("refuses an author's events past the per-author quota with blocked:, others write on", async () => {
    const hog = newSigner();
    const s = await NostrSocket.open(relay.url, { localAddress: FLOOD });
    const answers = [];
    for (let i = 0; i < 12; i++)
      answers.push(await s.publish(hog.sign({ kind: 1, content: `${i} ${"x".repeat(3000)}` })));
    const firstRefused = answers.findIndex((a) => a[2] === false);
    // 20 KiB holds six events of a little over 3,000 bytes, not seven.
    expect(firstRefused).toBe(6);
    expect(answers.slice(6).every((a) => a[2] === false)).toBe(true);
    expect(answers[6]![3]).toMatch(/^blocked: storage quota/);
    await otherClientWorks(relay.url);
    // The author's stored events are still served.
    const got = await s.req("hog", { authors: [hog.pubkey] });
    expect(got.events).toHaveLength(6);
    await s.close();
  });

  it("counts what is already stored after a restart", async () => {
    await relay.stop();
    relay = await startRelay({ args: ["--quota-per-author", "20K"], keepData: true });
    const author = newSigner();
    const s = await NostrSocket.open(relay.url);
    for (let i = 0; i < 5; i++)
      expect((await s.publish(author.sign({ kind: 1, content: `${i} ${"y".repeat(3000)}` })))[2]).toBe(true);
    await s.close();
    await relay.stop();
    relay = await startRelay({ dataDir: relay.dataDir, ownData: true, args: ["--quota-per-author", "20K"] });
    const again = await NostrSocket.open(relay.url);
    const answers = [];
    for (let i = 5; i < 8; i++)
      answers.push(await again.publish(author.sign({ kind: 1, content: `${i} ${"y".repeat(3000)}` })));
    expect(answers.map((a) => a[2])).toEqual([true, false, false]);
    await again.close();
  });
});

describe("total storage quota", () => {
  let relay: RelayHandle;
  beforeAll(async () => {
    relay = await startRelay({ args: ["--quota-total", "400K"] });
  });
  afterAll(async () => relay?.stop());

  it("refuses events once the database is full, and keeps serving reads", async () => {
    const s = await NostrSocket.open(relay.url, { localAddress: FLOOD });
    const reader = await NostrSocket.open(relay.url, { localAddress: OTHER });
    const early = newSigner();
    const first = early.sign({ kind: 1, content: "before the flood" });
    expect((await reader.publish(first))[2]).toBe(true);
    let refusal: string | undefined;
    for (let i = 0; i < 200 && refusal === undefined; i++) {
      const a = await s.publish(newSigner().sign({ kind: 1, content: `${i} ${"z".repeat(8000)}` }));
      if (!a[2]) refusal = a[3];
    }
    expect(refusal).toMatch(/^blocked: this relay's storage is full/);
    const late = await reader.publish(early.sign({ kind: 1, content: `after ${"z".repeat(8000)}` }));
    expect(late[3]).toMatch(/^blocked: /);
    const got = await reader.req("r", { authors: [early.pubkey] });
    expect(got.events.map((e) => e.id)).toEqual([first.id]);
    await s.close();
    await reader.close();
  });
});

describe("--accept rally", () => {
  let relay: RelayHandle;
  beforeAll(async () => {
    relay = await startRelay({ args: ["--accept", "rally"] });
  });
  afterAll(async () => relay?.stop());

  it("refuses kinds Rally does not use with blocked:, and takes Rally's", async () => {
    const s = await NostrSocket.open(relay.url, { localAddress: FLOOD });
    const spam = newSigner();
    const answers = await Promise.all(
      Array.from({ length: 200 }, (_, i) => {
        const e = spam.sign({ kind: i % 2 === 0 ? 1 : 30023, content: `spam ${i}`, tags: [["d", `${i}`]] });
        s.send(["EVENT", e]);
        return s.ok(e.id);
      }),
    );
    expect(answers.every((a) => a[2] === false)).toBe(true);
    expect(answers[0]![3]).toBe("blocked: this relay does not accept kind 1 events");
    await otherClientWorks(relay.url, 445);
    await otherClientWorks(relay.url, 30443);
    const info = (await (
      await fetch(relay.url.replace(/^ws/, "http"), { headers: { Accept: "application/nostr+json" } })
    ).json()) as { limitation: { restricted_writes: boolean; accepted_kinds: number[] } };
    expect(info.limitation.restricted_writes).toBe(true);
    expect(info.limitation.accepted_kinds).toContain(445);
    expect(info.limitation.accepted_kinds).not.toContain(1);
    await s.close();
  });
});

describe("--retain", () => {
  let relay: RelayHandle;
  beforeAll(async () => {
    relay = await startRelay({ args: ["--retain", "445=1h", "--purge-interval", "1"] });
  });
  afterAll(async () => relay?.stop());

  it("deletes events of the kind older than the age at the next purge, and nothing else", async () => {
    const s = await NostrSocket.open(relay.url);
    const a = newSigner();
    const now = Math.floor(Date.now() / 1000);
    const old = a.sign({ kind: 445, content: "old", created_at: now - 2 * 3600, tags: [["h", "g"]] });
    const fresh = a.sign({ kind: 445, content: "fresh", created_at: now - 60, tags: [["h", "g"]] });
    const oldOther = a.sign({ kind: 1, content: "old note", created_at: now - 2 * 3600 });
    for (const e of [old, fresh, oldOther]) expect((await s.publish(e))[2]).toBe(true);
    let ids: unknown[] = [];
    for (let i = 0; i < 100; i++) {
      ids = (await s.req(`q${i}`, { authors: [a.pubkey] })).events.map((e) => e.id);
      if (!ids.includes(old.id)) break;
      await new Promise((r) => setTimeout(r, 100));
    }
    expect(ids.sort()).toEqual([fresh.id, oldOther.id].sort());
    const info = (await (
      await fetch(relay.url.replace(/^ws/, "http"), { headers: { Accept: "application/nostr+json" } })
    ).json()) as { retention: unknown };
    expect(info.retention).toEqual([{ kinds: [445], time: 3600 }]);
    await s.close();
  });

  it("refuses a retention it cannot read, in plain words", async () => {
    await expect(startRelay({ args: ["--retain", "445=90y"] })).rejects.toThrow(/KIND=AGE/);
  });
});

describe("query time budget", () => {
  let relay: RelayHandle;
  let s: NostrSocket;
  /**
   * 5,000 events of 2 KB, each with the same 20 topics: a read of them all takes well over the 5 ms
   * budget, and a read by all the topics meets each event 20 times.
   */
  const author = newSigner();
  const topics = Array.from({ length: 20 }, (_, k) => `topic${k}`);
  const events = Array.from({ length: 5000 }, (_, i) =>
    author.sign({
      kind: 1,
      content: `${i} ${"x".repeat(2000)}`,
      created_at: 1_700_000_000 + i,
      tags: topics.map((t) => ["t", t]),
    }),
  );
  beforeAll(async () => {
    relay = await startRelay({ args: ["--query-budget-ms", "5", "--events-per-second", "100000"] });
    s = await NostrSocket.open(relay.url, { localAddress: FLOOD });
    const oks = events.map((e) => s.ok(e.id));
    for (const e of events) s.send(["EVENT", e]);
    expect((await Promise.all(oks)).every((a) => a[2] === true)).toBe(true);
  }, 120_000);
  afterAll(async () => {
    await s?.close();
    await relay?.stop();
  });

  const TOO_LONG = "error: query took too long; ask for less (since/until, fewer values, a lower limit)";

  it("closes a REQ that reads past its budget with error:, while others' REQs and EVENTs go on", async () => {
    // Twenty expensive REQs at once (each would read 5,000 events of 2 KB).
    const heavy = Array.from({ length: 20 }, (_, i) => s.req(`heavy${i}`, { kinds: [1], limit: 5000 }));
    await otherClientWorks(relay.url);
    const answers = await Promise.all(heavy);
    expect(answers.every((a) => a.closed === TOO_LONG)).toBe(true);
    // A narrower ask is answered.
    const narrow = await s.req("narrow", { kinds: [1], limit: 10 });
    expect(narrow.closed).toBeUndefined();
    expect(narrow.events).toHaveLength(10);
  });

  it("closes a COUNT that reads past its budget as it closes such a REQ, while others go on", async () => {
    // Twenty COUNTs at once, each of ten filters that every stored event matches.
    const filters = Array.from({ length: 10 }, (_, k) => ({ kinds: [1], since: k }));
    const heavy = Array.from({ length: 20 }, (_, i) => {
      s.send(["COUNT", `count${i}`, ...filters]);
      return s.next((m) => (m[0] === "COUNT" || m[0] === "CLOSED") && m[1] === `count${i}`);
    });
    await otherClientWorks(relay.url);
    expect(await Promise.all(heavy)).toEqual(heavy.map((_, i) => ["CLOSED", `count${i}`, TOO_LONG]));
    // A narrower ask is answered.
    s.send(["COUNT", "narrow", { ids: [events[0]!.id] }]);
    expect(await s.next((m) => m[1] === "narrow")).toEqual(["COUNT", "narrow", { count: 1 }]);
  });

  it("ends a NIP-77 sync whose records take past the budget to read with NEG-ERR blocked:", async () => {
    // As many syncs as a connection may open at once, each over all 5,000 events by their 20 topics.
    const empty = new nip77.NegentropyStorageVector();
    empty.seal();
    const initial = new nip77.Negentropy(empty).initiate();
    const heavy = Array.from({ length: 4 }, (_, i) => {
      s.send(["NEG-OPEN", `sync${i}`, { "#t": topics }, initial]);
      return s.next((m) => (m[0] === "NEG-MSG" || m[0] === "NEG-ERR") && m[1] === `sync${i}`);
    });
    await otherClientWorks(relay.url);
    expect(await Promise.all(heavy)).toEqual(
      heavy.map((_, i) => [
        "NEG-ERR",
        `sync${i}`,
        "blocked: query took too long; narrow the filter, e.g. with since/until",
      ]),
    );
    // A narrower sync is answered, and the refused ones are closed: NEG-MSG on one is refused.
    s.send(["NEG-OPEN", "narrow", { kinds: [1], since: 1_700_000_000 + 4990 }, initial]);
    expect((await s.next((m) => m[1] === "narrow"))[0]).toBe("NEG-MSG");
    s.send(["NEG-MSG", "sync0", initial]);
    expect((await s.next((m) => m[1] === "sync0"))[2]).toMatch(/^closed: /);
  });
});

describe("--trust-proxy", () => {
  let relay: RelayHandle;
  beforeAll(async () => {
    relay = await startRelay({ args: ["--trust-proxy", "--max-connections-per-address", "2"] });
  });
  afterAll(async () => relay?.stop());

  it("counts connections by the address the proxy forwards, not the proxy's own", async () => {
    const via = (client: string) =>
      new Promise<WebSocket | number>((resolve, reject) => {
        const ws = new WebSocket(relay.url, { headers: { "X-Forwarded-For": client } });
        ws.once("open", () => resolve(ws));
        ws.once("unexpected-response", (_req, res) => resolve(res.statusCode ?? 0));
        ws.once("error", reject);
      });
    const a1 = await via("198.51.100.1");
    const a2 = await via("198.51.100.1");
    expect(await via("198.51.100.1")).toBe(503);
    const b = await via("198.51.100.2");
    expect(b).toBeInstanceOf(WebSocket);
    for (const ws of [a1, a2, b]) if (ws instanceof WebSocket) ws.close();
  });
});

describe("large answers in turns", () => {
  let relay: RelayHandle;
  beforeAll(async () => {
    relay = await startRelay({ args: ["--events-per-second", "100000"] });
  });
  afterAll(async () => relay?.stop());

  it("sends every stored event of a large answer, newest first, while another client is served", async () => {
    const author = newSigner();
    const s = await NostrSocket.open(relay.url, { localAddress: FLOOD });
    const events = Array.from({ length: 1200 }, (_, i) =>
      author.sign({ kind: 1, content: `${i}`, created_at: 1_700_000_000 + i }),
    );
    const oks = events.map((e) => s.ok(e.id));
    for (const e of events) s.send(["EVENT", e]);
    await Promise.all(oks);
    const big = Array.from({ length: 5 }, (_, i) =>
      s.req(`big${i}`, { authors: [author.pubkey], limit: 1200 }),
    );
    await otherClientWorks(relay.url);
    const newestFirst = [...events].reverse().map((e) => e.id);
    for (const answer of await Promise.all(big)) {
      expect(answer.closed).toBeUndefined();
      expect(answer.events.map((e) => e.id)).toEqual(newestFirst);
    }
    await s.close();
  });
});
