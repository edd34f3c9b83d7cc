// The relay pool and the durable outbox inside real Chromium (browser WebSocket, IndexedDB),
// against real `rally relay` processes: one relay down loses nothing, and an event queued while
// offline survives a page reload and goes out when the relay comes up.
import { fileURLToPath } from "node:url";
import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest";
import WebSocket from "ws";
import { RelayPool } from "../../packages/client/src/net/relayPool.ts";
import { freePort, waitFor } from "../../packages/client/test/net/helpers.ts";
import { type RelayHandle, startRelay } from "../helpers/relay.ts";
import { type BrowserPage, bundle, openScriptPage } from "./chromium.ts";

let browser: BrowserPage;
const relays: RelayHandle[] = [];

beforeAll(async () => {
  const script = await bundle(fileURLToPath(new URL("./netPage.ts", import.meta.url)));
  browser = await openScriptPage(script);
  await browser.page.waitForFunction(() => "rallyNetTests" in window);
});

afterEach(async () => {
  for (const r of relays.splice(0)) await r.stop();
});

afterAll(async () => {
  await browser?.close();
});

async function relayHas(url: string, id: string): Promise<boolean> {
  const pool = new RelayPool({ WebSocket, log: () => {} });
  let found = false;
  const sub = pool.subscribe([url], [{ ids: [id] }], { onEvent: () => (found = true) });
  await sub.eose;
  pool.close();
  return found;
}

describe("relay pool and outbox in Chromium", { timeout: 120_000 }, () => {
  it("publishes to a live and a dead relay and reads the event back once", async () => {
    const live = await startRelay();
    relays.push(live);
    const dead = `ws://127.0.0.1:${await freePort()}`;
    const r = await browser.page.evaluate(([a, b]) => window.rallyNetTests.publishAndRead(a, b), [
      live.url,
      dead,
    ] as const);
    expect(r.results.map((x) => [x.ok, x.status])).toEqual([
      [true, "ok"],
      [false, "unreachable"],
    ]);
    expect(r.got).toEqual([r.id]);
    expect(r.report.relays.map((x) => x.state)).toEqual(["eose", "unreachable"]);
    expect(r.states).toContain("online");
    expect(await relayHas(live.url, r.id)).toBe(true);
  });

  it("keeps an event queued offline across a page reload and sends it when the relay comes up", async () => {
    const port = await freePort();
    const url = `ws://127.0.0.1:${port}`;
    const db = `rally-net-${Date.now()}`;
    const id = await browser.page.evaluate(([d, u]) => window.rallyNetTests.enqueue(d, u), [
      db,
      url,
    ] as const);
    await waitFor(
      async () =>
        ((await browser.page.evaluate(() => window.rallyNetTests.outboxEntries()))[0]?.relays[`${url}/`]
          ?.attempts ?? 0) >= 2,
      "two failed attempts in the page",
    );

    await browser.page.reload();
    await browser.page.waitForFunction(() => "rallyNetTests" in window);
    await browser.page.evaluate((d) => window.rallyNetTests.resume(d), db);
    const kept = await browser.page.evaluate(() => window.rallyNetTests.outboxEntries());
    expect(kept.map((e) => [e.id, e.state])).toEqual([[id, "pending"]]);

    const relay = await startRelay({ args: ["--port", String(port)] });
    relays.push(relay);
    await waitFor(
      async () => (await browser.page.evaluate(() => window.rallyNetTests.outboxEntries())).length === 0,
      "the page to send it",
      30_000,
    );
    expect(await relayHas(url, id)).toBe(true);
  });
});
