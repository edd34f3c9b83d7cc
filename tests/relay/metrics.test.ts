/**
 * `rally relay --metrics`: Prometheus text at `GET /metrics` on the relay's port. Scraped with plain
 * `fetch` before and after real traffic over WebSockets; every sample line must parse as
 * `name{labels} value`, the counters must move by what the traffic did, and no key, event id or
 * address may appear. The response carries the same security headers as the relay's other answers.
 */
import { startRelayServer } from "@rally/relay";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { type RelayHandle, startRelay } from "../helpers/relay.ts";
import { NostrSocket, newSigner } from "./support/nostrSocket.ts";

type Samples = Map<string, number>;

const SAMPLE =
  /^([a-zA-Z_:][a-zA-Z0-9_:]*)(\{(?:[a-zA-Z_][a-zA-Z0-9_]*="[^"\\\n]*",?)*\})? (-?[0-9.eE+-]+|NaN|\+Inf|-Inf)$/;

/** Sample lines by `name{labels}`; throws on any line that is neither a comment nor a sample. */
function parseExposition(text: string): Samples {
  const samples: Samples = new Map();
  for (const line of text.split("\n")) {
    if (line === "" || line.startsWith("# HELP ") || line.startsWith("# TYPE ")) continue;
    const m = SAMPLE.exec(line);
    if (!m) throw new Error(`not a Prometheus sample line: ${JSON.stringify(line)}`);
    samples.set(`${m[1]}${m[2] ?? ""}`, Number(m[3]));
  }
  return samples;
}

async function scrape(base: string): Promise<{ text: string; samples: Samples; res: Response }> {
  const res = await fetch(`${base}/metrics`);
  const text = await res.text();
  return { text, samples: parseExposition(text), res };
}

const get = (s: Samples, key: string): number => s.get(key) ?? 0;

describe("rally relay --metrics", () => {
  let relay: RelayHandle;
  let base: string;
  beforeAll(async () => {
    relay = await startRelay({ args: ["--metrics"] });
    base = relay.url.replace(/^ws/, "http");
  });
  afterAll(async () => {
    await relay?.stop();
  });

  it("counts events, refusals, connections and subscriptions, and names nobody", async () => {
    const before = await scrape(base);
    expect(before.res.status).toBe(200);
    expect(before.res.headers.get("content-type")).toMatch(/^text\/plain; version=0\.0\.4/);
    expect(before.res.headers.get("content-security-policy")).toContain("default-src 'none'");
    expect(before.res.headers.get("x-content-type-options")).toBe("nosniff");
    expect(before.res.headers.get("x-frame-options")).toBe("DENY");
    expect(before.samples.has("rally_relay_uptime_seconds")).toBe(true);
    expect(before.samples.has("rally_relay_store_bytes")).toBe(true);

    const author = newSigner();
    const reader = await NostrSocket.open(relay.url);
    const writer = await NostrSocket.open(relay.url);
    await reader.req("live", { authors: [author.pubkey] });
    const events = Array.from({ length: 5 }, (_, i) => author.sign({ kind: 1, content: `m ${i}` }));
    for (const e of events) expect((await writer.publish(e))[2]).toBe(true);
    const forged = { ...author.sign({ kind: 1, content: "forged" }), sig: "00".repeat(64) };
    expect((await writer.publish(forged))[2]).toBe(false);
    // Sent again: accepted as a duplicate, not stored again, not a refusal.
    expect((await writer.publish(events[0]!))[2]).toBe(true);

    const after = await scrape(base);
    const moved = (key: string) => get(after.samples, key) - get(before.samples, key);
    expect(moved("rally_relay_events_received_total")).toBe(7);
    expect(moved("rally_relay_events_stored_total")).toBe(5);
    expect(moved('rally_relay_events_refused_total{reason="invalid"}')).toBe(1);
    expect(moved("rally_relay_write_batches_total")).toBeGreaterThan(0);
    expect(get(after.samples, "rally_relay_connections_open")).toBe(2);
    expect(get(after.samples, "rally_relay_subscriptions_open")).toBe(1);
    expect(get(after.samples, "rally_relay_write_queue_events")).toBe(0);
    expect(after.samples.has("rally_relay_send_buffer_bytes")).toBe(true);
    expect(get(after.samples, "rally_relay_store_bytes")).toBeGreaterThan(0);

    // Nothing that names a person, an event or a machine.
    for (const secretish of [author.pubkey, ...events.map((e) => e.id), forged.id, "127.0.0.1", "::1"])
      expect(after.text).not.toContain(secretish);

    await reader.close();
    await writer.close();
    // Connections closed are no longer counted (the relay sees the close shortly after).
    let open = 2;
    for (let i = 0; i < 200 && open !== 0; i++) {
      open = get((await scrape(base)).samples, "rally_relay_connections_open");
      if (open !== 0) await new Promise((r) => setTimeout(r, 10));
    }
    expect(open).toBe(0);
  });

  it("is off unless asked for", async () => {
    const plain = await startRelay();
    try {
      const res = await fetch(`${plain.url.replace(/^ws/, "http")}/metrics`);
      expect(res.status).toBe(404);
      expect(await res.text()).not.toContain("rally_relay_");
    } finally {
      await plain.stop();
    }
  });

  it("comes before the pages a node serves on the same port (rally serve)", async () => {
    // As `rally serve` runs it: a page handler that answers every path.
    const server = await startRelayServer({
      port: 0,
      metrics: true,
      http: (_req, res) => {
        res.writeHead(200, { "Content-Type": "text/html" }).end("<p>app</p>");
        return true;
      },
    });
    try {
      const base = server.url.replace(/^ws/, "http");
      const metrics = await scrape(base);
      expect(metrics.samples.has("rally_relay_events_received_total")).toBe(true);
      expect(await (await fetch(`${base}/anything`)).text()).toBe("<p>app</p>");
      // Only GET: other methods go to the pages as before.
      const posted = await fetch(`${base}/metrics`, { method: "POST" });
      expect(await posted.text()).toBe("<p>app</p>");
    } finally {
      await server.close();
    }
  });
});
