/**
 * A relay that takes events but never ends a request (no EOSE, no CLOSED) costs one timeout per
 * catch-up round, not one per batch of tags: once it has let a request time out, the round's later
 * tags do not ask it again. Counted on the silent relay itself (a real WebSocket server written to
 * misbehave; the real relay beside it answers everything), never on the clock.
 */
import type { AddressInfo } from "node:net";
import { afterAll, describe, expect, it } from "vitest";
import { WebSocketServer } from "ws";
import { person, useWorld } from "../world.ts";

const w = useWorld("silent-relay");
const GROUPS = 17;

/** REQs naming a routing tag (`#h`) that reached the silent relay. */
let tagReqs = 0;
const silent = new WebSocketServer({ host: "127.0.0.1", port: 0 });
silent.on("connection", (ws) => {
  ws.on("message", (data) => {
    const msg = JSON.parse(String(data)) as unknown[];
    if (msg[0] === "EVENT") {
      const id = (msg[1] as { id?: string } | undefined)?.id ?? "";
      ws.send(JSON.stringify(["OK", id, true, ""]));
    } else if (
      msg[0] === "REQ" &&
      msg.slice(2).some((f) => typeof f === "object" && f !== null && "#h" in f)
    ) {
      tagReqs++;
    }
  });
});

afterAll(
  () =>
    new Promise<void>((resolve) => {
      for (const c of silent.clients) c.terminate();
      silent.close(() => resolve());
    }),
);

describe("a relay that never answers a request", { timeout: 300_000 }, () => {
  it("is asked once per round, not once per tag", async () => {
    await new Promise<void>((r) => (silent.address() ? r() : silent.once("listening", () => r())));
    const silentUrl = `ws://127.0.0.1:${(silent.address() as AddressInfo).port}`;
    const ana = await person(w, "Ana");
    for (let i = 0; i < GROUPS; i++)
      await ana.createGroup({ name: `Street ${i}`, relays: [w.relay.url, silentUrl] });
    await ana.deliver(8_000);

    tagReqs = 0;
    const report = await ana.sync();
    // The first batch (8 tags in flight at once) waits for it; the other 9 tags skip it.
    expect(tagReqs).toBeGreaterThan(0);
    expect(tagReqs).toBeLessThanOrEqual(8);
    // The relay that answers was read for every group.
    expect(report.relays.filter((r) => r.connected).map((r) => r.url.replace(/\/$/, ""))).toContain(
      w.relay.url,
    );
  });
});
