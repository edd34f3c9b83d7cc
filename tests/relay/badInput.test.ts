/**
 * Bad input and abuse against the real relay process: malformed JSON, wrong shapes, bad ids and
 * signatures, oversized frames, too many subscriptions and filters, floods. Each gets a clear
 * NIP-01 answer; the connection and the relay keep working for everyone; nothing is logged about
 * clients or what they sent.
 */
import type { ServerResponse } from "node:http";
import net from "node:net";
import { startRelayServer } from "@rally/relay";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { type RelayHandle, startRelay } from "../helpers/relay.ts";
import { NostrSocket, newSigner } from "./support/nostrSocket.ts";
import { expectSecurityHeaders, portOf, rawExchange, upgradeRequest } from "./support/rawHttp.ts";

const MARKER = "secret-content-marker-7d1f";
let relay: RelayHandle;
let s: NostrSocket;

beforeAll(async () => {
  relay = await startRelay({
    args: [
      "--max-message-bytes",
      "4000",
      "--max-event-bytes",
      "2000",
      "--max-subscriptions",
      "3",
      "--max-filters",
      "2",
      "--max-limit",
      "5",
    ],
  });
  s = await NostrSocket.open(relay.url);
});
afterAll(async () => {
  await s?.close();
  await relay?.stop();
});

async function stillWorks(sock: NostrSocket) {
  const e = newSigner().sign({ kind: 1, content: `${MARKER} check` });
  expect(await sock.publish(e)).toEqual(["OK", e.id, true, ""]);
}

const notice = (sock: NostrSocket) => sock.next((m) => m[0] === "NOTICE");

describe("malformed messages", () => {
  it("answers text that is not JSON with NOTICE invalid: and keeps the connection", async () => {
    s.send("this is not json");
    expect(await notice(s)).toEqual(["NOTICE", "invalid: message is not valid JSON"]);
    s.send('["EVENT", {"id": ');
    expect((await notice(s))[1]).toMatch(/^invalid: /);
    await stillWorks(s);
  });

  it("answers JSON of the wrong shape with NOTICE invalid:", async () => {
    for (const frame of ["{}", "[]", "[1,2]", '["HELLO"]', "null", '"EVENT"', '["CLOSE"]', '["REQ"]']) {
      s.send(frame);
      expect((await notice(s))[1]).toMatch(/^invalid: /);
    }
    await stillWorks(s);
  });

  it("answers malformed events with OK false invalid: when their id is readable", async () => {
    const good = newSigner().sign({ kind: 1, content: MARKER });
    const cases: Record<string, unknown>[] = [
      { ...good, kind: "1" },
      { ...good, kind: 70000 },
      { ...good, kind: 1.5 },
      { ...good, created_at: -1 },
      { ...good, created_at: "now" },
      { ...good, tags: "none" },
      { ...good, tags: [["p", 5]] },
      { ...good, content: 42 },
      { ...good, pubkey: good.pubkey.toUpperCase() },
      { ...good, sig: "00" },
      { ...good, content: `${MARKER} changed` },
    ];
    for (const bad of cases) {
      const r = await s.publish(bad as { id: string });
      expect(r[2]).toBe(false);
      expect(r[3]).toMatch(/^invalid: /);
    }
    s.send(["EVENT", { ...good, id: "nope" }]);
    expect((await notice(s))[1]).toMatch(/^invalid: id/);
    s.send(["EVENT", good, "extra"]);
    expect((await s.ok(good.id))[3]).toMatch(/^invalid: /);
    await stillWorks(s);
  });

  it("answers bad filters with CLOSED invalid:", async () => {
    const bad: unknown[] = [
      { authors: ["abc"] },
      { ids: "x" },
      { kinds: [-1] },
      { limit: -5 },
      { since: 1.5 },
      { "#hashtag": ["x"] },
      { search: "words" },
      { "#e": [1] },
      "not an object",
    ];
    for (const [i, f] of bad.entries()) {
      const r = await s.req(`bad${i}`, f as object);
      expect(r.closed).toMatch(/^invalid: /);
    }
    // NIP-01: a refused REQ is answered with CLOSED, also when its id is too long.
    const long = await s.req("x".repeat(65), {});
    expect(long.closed).toMatch(/^invalid: subscription id longer than 64/);
    s.send(["REQ", "", {}]);
    expect((await notice(s))[1]).toMatch(/^invalid: subscription id/);
    await stillWorks(s);
  });
});

describe("limits", () => {
  it("refuses frames over --max-message-bytes with an answer that names the event", async () => {
    const e = newSigner().sign({ kind: 1, content: `${MARKER}${"x".repeat(4100)}` });
    const r = await s.publish(e);
    expect(r[2]).toBe(false);
    expect(r[3]).toMatch(/^invalid: message too large/);
    const req = await s.req("big", {
      "#t": ["y".repeat(1000), "z".repeat(1000), "w".repeat(1000), "v".repeat(1000)],
    });
    expect(req.closed).toMatch(/^invalid: message too large/);
    await stillWorks(s);
  });

  it("refuses events over --max-event-bytes", async () => {
    const e = newSigner().sign({ kind: 1, content: "x".repeat(2500) });
    const r = await s.publish(e);
    expect(r[2]).toBe(false);
    expect(r[3]).toMatch(/^invalid: event too large/);
  });

  it("closes a connection that sends a frame far beyond the limit, and nobody else notices", async () => {
    const other = await NostrSocket.open(relay.url);
    const victim = await NostrSocket.open(relay.url);
    victim.send(`["EVENT",{"content":"${"x".repeat(200_000)}"}]`);
    const closed = await victim.waitClosed();
    expect(closed.code).toBe(1009);
    await stillWorks(other);
    await other.close();
  });

  it("refuses events dated too far in the future", async () => {
    const e = newSigner().sign({ kind: 1, created_at: Math.floor(Date.now() / 1000) + 3600 });
    const r = await s.publish(e);
    expect(r[2]).toBe(false);
    expect(r[3]).toMatch(/^invalid: created_at/);
    const ok = newSigner().sign({ kind: 1, created_at: Math.floor(Date.now() / 1000) + 60 });
    expect((await s.publish(ok))[2]).toBe(true);
  });

  it("refuses a REQ with more filters than --max-filters", async () => {
    expect((await s.req("two", { kinds: [1] }, { kinds: [2] })).closed).toBeUndefined();
    expect((await s.req("three", { kinds: [1] }, { kinds: [2] }, { kinds: [3] })).closed).toMatch(
      /^invalid: too many filters/,
    );
    s.send(["CLOSE", "two"]);
  });

  it("caps stored results at --max-limit, with or without a limit in the filter", async () => {
    const a = newSigner();
    const t = Math.floor(Date.now() / 1000) - 100;
    const events = Array.from({ length: 8 }, (_, i) => a.sign({ kind: 1, created_at: t + i }));
    for (const e of events) await s.publish(e);
    const newest5 = events
      .slice(3)
      .reverse()
      .map((e) => e.id);
    expect((await s.req("cap1", { authors: [a.pubkey], limit: 100 })).events.map((e) => e.id)).toEqual(
      newest5,
    );
    expect((await s.req("cap2", { authors: [a.pubkey] })).events.map((e) => e.id)).toEqual(newest5);
    expect((await s.req("cap3", { authors: [a.pubkey], limit: 2 })).events.map((e) => e.id)).toEqual(
      newest5.slice(0, 2),
    );
  });

  it("refuses subscriptions beyond --max-subscriptions until one is closed", async () => {
    const c = await NostrSocket.open(relay.url);
    for (const id of ["s1", "s2", "s3"])
      expect((await c.req(id, { kinds: [1], limit: 1 })).closed).toBeUndefined();
    expect((await c.req("s4", { kinds: [1], limit: 1 })).closed).toMatch(
      /^blocked: too many open subscriptions/,
    );
    expect((await c.req("s3", { kinds: [2], limit: 1 })).closed).toBeUndefined(); // reusing an id is fine
    c.send(["CLOSE", "s1"]);
    expect((await c.req("s4", { kinds: [1], limit: 1 })).closed).toBeUndefined();
    await c.close();
  });
});

describe("floods", () => {
  let flood: RelayHandle;
  beforeAll(async () => {
    flood = await startRelay({ args: ["--events-per-second", "5", "--reqs-per-second", "5"] });
  });
  afterAll(async () => flood?.stop());

  it("rate-limits a flooding connection's events and requests, others unaffected, then recovers", async () => {
    const a = newSigner();
    const flooder = await NostrSocket.open(flood.url);
    const events = Array.from({ length: 60 }, (_, i) => a.sign({ kind: 1, content: `${MARKER} ${i}` }));
    for (const e of events) flooder.send(["EVENT", e]);
    const answers = await Promise.all(events.map((e) => flooder.ok(e.id)));
    const limited = answers.filter((r) => r[2] === false);
    expect(limited.length).toBeGreaterThan(0);
    for (const r of limited) expect(r[3]).toMatch(/^rate-limited: /);
    expect(answers.filter((r) => r[2] === true).length).toBeGreaterThan(0);

    for (let i = 0; i < 40; i++) flooder.send(["REQ", `q${i}`, { ids: [] }]);
    const reqAnswers = await Promise.all(
      Array.from({ length: 40 }, (_, i) =>
        flooder.next((m) => (m[0] === "EOSE" || m[0] === "CLOSED") && m[1] === `q${i}`),
      ),
    );
    const closed = reqAnswers.filter((m) => m[0] === "CLOSED");
    expect(closed.length).toBeGreaterThan(0);
    for (const m of closed) expect(m[2]).toMatch(/^rate-limited: /);

    const bystander = await NostrSocket.open(flood.url);
    await stillWorks(bystander);
    await bystander.close();

    await new Promise((r) => setTimeout(r, 1500));
    await stillWorks(flooder);
    await flooder.close();
  });
});

describe("malformed HTTP, answered on the raw socket", () => {
  it("gets 400 (405 for a method other than GET) in plain words, with the security headers", async () => {
    const port = portOf(relay.url);
    const noKey = await rawExchange(port, upgradeRequest({ "Sec-WebSocket-Key": undefined }));
    expect(noKey.statusLine).toBe("HTTP/1.1 400 Bad Request");
    expect(noKey.body).toMatch(/Sec-WebSocket-Key/);
    const oldVersion = await rawExchange(port, upgradeRequest({ "Sec-WebSocket-Version": "7" }));
    expect(oldVersion.statusLine).toBe("HTTP/1.1 400 Bad Request");
    // RFC 6455 §4.4: the versions the server speaks.
    expect(oldVersion.headers["sec-websocket-version"]).toBe("13, 8");
    const post = await rawExchange(port, upgradeRequest({}, "POST"));
    expect(post.statusLine).toBe("HTTP/1.1 405 Method Not Allowed");
    expect(post.headers.allow).toBe("GET");
    // Not HTTP at all: Node's parser gives up; the answer is still the relay's.
    const garbage = await rawExchange(port, "HELLO THERE\r\n\r\n");
    expect(garbage.statusLine).toBe("HTTP/1.1 400 Bad Request");
    for (const [what, answer] of Object.entries({ noKey, oldVersion, post, garbage })) {
      expect(answer.headers.connection, what).toBe("close");
      expectSecurityHeaders(answer, what);
    }
    await stillWorks(s);
  });

  it("is not answered in the middle of another response on the same connection", async () => {
    // A response that goes on until the test ends it, so the bad request comes while it is open.
    const held: ServerResponse[] = [];
    const server = await startRelayServer({
      port: 0,
      verifier: "js",
      http: (req, res) => {
        if (req.url !== "/slow") return false;
        res.writeHead(200, { "Content-Type": "text/plain" });
        res.write("part1-");
        held.push(res);
        return true;
      },
    });
    try {
      const bad = {
        unparsable: "BOGUS\x01 / HTTP/1.1\r\n\r\n",
        refusedUpgrade: upgradeRequest({ "Sec-WebSocket-Version": "7" }),
      };
      for (const [what, request] of Object.entries(bad)) {
        const socket = net.connect(server.port, "127.0.0.1");
        socket.on("error", () => {});
        let got = "";
        const part1 = new Promise<void>((resolve) =>
          socket.on("data", (d: Buffer) => {
            got += d.toString("utf8");
            if (got.includes("part1-")) resolve();
          }),
        );
        const closed = new Promise<void>((resolve) => socket.on("close", () => resolve()));
        // A finished response, then the held one (pipelined behind it), then the bad request.
        socket.write("GET / HTTP/1.1\r\nHost: x\r\n\r\nGET /slow HTTP/1.1\r\nHost: x\r\n\r\n");
        await part1;
        socket.write(request);
        await closed;
        // The connection is closed without a word written into the open response (as Node does).
        expect(got.slice(got.indexOf("part1-")), what).toBe("part1-\r\n");
      }
    } finally {
      for (const res of held) res.end();
      await server.close();
    }
  });
});

describe("privacy and robustness", () => {
  it("is still up, and its log holds no client addresses and no event content", async () => {
    const fresh = await NostrSocket.open(relay.url);
    await stillWorks(fresh);
    await fresh.close();
    const out = relay.output();
    expect(out).not.toContain(MARKER);
    // The only address in the log is the relay's own listening URL.
    expect(out.replaceAll(relay.url, "")).not.toMatch(/\d+\.\d+\.\d+\.\d+/);
    expect(out).not.toMatch(/Error:|at .*\.ts:\d+/);
  });
});
