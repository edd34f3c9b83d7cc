/**
 * The library entry point `startRelayServer`, in process over real sockets: one HTTP port for the
 * relay's WebSocket, NIP-11 and a fallback handler (how `rally serve` adds the web app), a given
 * `EventStore` left open for its owner, stats, and a clean close.
 */
import { finalizeEvent, generateSecretKey } from "nostr-tools/pure";
import { afterEach, describe, expect, it } from "vitest";
import WebSocket from "ws";
import { silentLog } from "../src/log.ts";
import { type RelayServer, startRelayServer } from "../src/server.ts";
import { SqliteEventStore } from "../src/store/sqlite.ts";

let server: RelayServer | undefined;
afterEach(async () => {
  await server?.close();
  server = undefined;
});

function roundTrip(url: string, frames: unknown[], until: (m: unknown[]) => boolean): Promise<unknown[][]> {
  return new Promise((resolve, reject) => {
    const ws = new WebSocket(url);
    const got: unknown[][] = [];
    ws.on("open", () => {
      for (const f of frames) ws.send(JSON.stringify(f));
    });
    ws.on("message", (d) => {
      const m = JSON.parse(d.toString()) as unknown[];
      got.push(m);
      if (until(m)) {
        ws.close();
        resolve(got);
      }
    });
    ws.on("error", reject);
  });
}

describe("startRelayServer", () => {
  it("shares its port with a fallback HTTP handler", async () => {
    server = await startRelayServer({
      port: 0,
      log: silentLog,
      http: (req, res) => {
        if (req.url === "/app/") {
          res.writeHead(200, { "Content-Type": "text/html" }).end("<h1>web app</h1>");
          return true;
        }
        if (req.url === "/boom") throw new Error("handler bug");
        return false;
      },
    });
    const base = `http://127.0.0.1:${server.port}`;
    expect(server.url).toBe(`ws://127.0.0.1:${server.port}`);
    expect(await (await fetch(`${base}/app/`)).text()).toBe("<h1>web app</h1>");
    expect((await fetch(`${base}/boom`)).status).toBe(500);
    expect((await fetch(`${base}/missing`)).status).toBe(404);
    const info = await fetch(base, { headers: { Accept: "application/nostr+json" } });
    expect(((await info.json()) as { supported_nips: number[] }).supported_nips).toContain(1);
    const e = finalizeEvent(
      { kind: 1, content: "x", tags: [], created_at: Math.floor(Date.now() / 1000) },
      generateSecretKey(),
    );
    const msgs = await roundTrip(server.url, [["EVENT", e]], (m) => m[0] === "OK");
    expect(msgs.at(-1)).toEqual(["OK", e.id, true, ""]);
    expect(server.stats()).toMatchObject({ eventsReceived: 1, eventsSaved: 1 });
  });

  it("tells its own time in the NIP-11 answer's Date header, readable by pages", async () => {
    // A relay clock far from the machine's, so the header can only come from the relay's clock.
    const relayNow = 1_700_000_000;
    server = await startRelayServer({ port: 0, log: silentLog, verifier: "js", now: () => relayNow });
    const base = server.url.replace("ws://", "http://");
    const info = await fetch(base, {
      headers: { Accept: "application/nostr+json", Origin: "https://app.example" },
    });
    expect(info.status).toBe(200);
    expect(Date.parse(info.headers.get("date") ?? "")).toBe(relayNow * 1000);
    expect(info.headers.get("access-control-expose-headers")).toBe("Date");
    expect(info.headers.get("access-control-allow-origin")).toBe("*");
    expect(info.headers.get("cache-control")).toBe("no-store");
    // And that clock is the one it judges created_at by: 15 minutes ahead of it is refused.
    const ahead = finalizeEvent(
      { kind: 1, content: "z", tags: [], created_at: relayNow + 16 * 60 },
      generateSecretKey(),
    );
    const msgs = await roundTrip(server.url, [["EVENT", ahead]], (m) => m[0] === "OK");
    expect(msgs.at(-1)?.[2]).toBe(false);
    expect(String(msgs.at(-1)?.[3])).toMatch(/^invalid: created_at is more than 900 seconds in the future/);
  });

  it("uses a given store and leaves it open on close", async () => {
    const store = new SqliteEventStore(":memory:");
    server = await startRelayServer({ port: 0, store, log: silentLog, verifier: "js" });
    const e = finalizeEvent(
      { kind: 1, content: "y", tags: [], created_at: Math.floor(Date.now() / 1000) },
      generateSecretKey(),
    );
    await roundTrip(server.url, [["EVENT", e]], (m) => m[0] === "OK");
    await server.close();
    server = undefined;
    expect(store.querySync({ ids: [e.id] }, { now: 0 }).length).toBe(1);
    await store.close();
  });

  it("purges expired events from storage on its own (NIP-40)", async () => {
    const store = new SqliteEventStore(":memory:");
    server = await startRelayServer({ port: 0, store, log: silentLog, purgeIntervalSeconds: 0.5 });
    const now = Math.floor(Date.now() / 1000);
    const e = finalizeEvent(
      { kind: 1, content: "brief", tags: [["expiration", String(now + 2)]], created_at: now },
      generateSecretKey(),
    );
    await roundTrip(server.url, [["EVENT", e]], (m) => m[0] === "OK");
    const rows = () => (store.db.prepare("SELECT COUNT(*) AS n FROM events").get() as { n: number }).n;
    expect(rows()).toBe(1);
    const deadline = Date.now() + 10_000;
    while (rows() > 0 && Date.now() < deadline) await new Promise((r) => setTimeout(r, 200));
    expect(rows()).toBe(0);
    expect((store.db.prepare("SELECT COUNT(*) AS n FROM tags").get() as { n: number }).n).toBe(0);
    await server.close();
    server = undefined;
    await store.close();
  });

  it("accepts NIP-42 answers naming its public URL", async () => {
    server = await startRelayServer({ port: 0, log: silentLog, publicUrl: "wss://relay.example.org" });
    const sk = generateSecretKey();
    const ws = new WebSocket(server.url);
    const challenge = await new Promise<string>((resolve) =>
      ws.on("message", (d) => {
        const m = JSON.parse(d.toString()) as unknown[];
        if (m[0] === "AUTH") resolve(m[1] as string);
      }),
    );
    const auth = finalizeEvent(
      {
        kind: 22242,
        content: "",
        created_at: Math.floor(Date.now() / 1000),
        tags: [
          ["relay", "wss://relay.example.org/"],
          ["challenge", challenge],
        ],
      },
      sk,
    );
    const ok = new Promise<unknown[]>((resolve) =>
      ws.on("message", (d) => {
        const m = JSON.parse(d.toString()) as unknown[];
        if (m[0] === "OK") resolve(m);
      }),
    );
    ws.send(JSON.stringify(["AUTH", auth]));
    expect(await ok).toEqual(["OK", auth.id, true, ""]);
    ws.close();
  });

  it("refuses bad limits before listening", async () => {
    await expect(startRelayServer({ port: 0, log: silentLog, limits: { maxFilters: 0 } })).rejects.toThrow(
      RangeError,
    );
  });
});
