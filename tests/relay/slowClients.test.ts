/**
 * Backpressure: a client that stops reading is not buffered without bound. Past
 * `--max-queued-bytes` of unread messages the relay disconnects it, while a client that reads
 * keeps getting every event.
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { type RelayHandle, startRelay } from "../helpers/relay.ts";
import { NostrSocket, newSigner } from "./support/nostrSocket.ts";

let relay: RelayHandle;
beforeAll(async () => {
  relay = await startRelay({ args: ["--max-queued-bytes", "1000000", "--events-per-second", "100000"] });
});
afterAll(async () => relay?.stop());

describe("slow clients", () => {
  it("disconnects a client that stops reading; readers and the relay are unaffected", async () => {
    const author = newSigner();
    const slow = await NostrSocket.open(relay.url);
    const reader = await NostrSocket.open(relay.url);
    const publisher = await NostrSocket.open(relay.url);
    await slow.req("all", { authors: [author.pubkey] });
    await reader.req("all", { authors: [author.pubkey] });
    slow.ws.pause(); // stop reading from the socket: the relay's queue for it grows

    const events = Array.from({ length: 250 }, (_, i) =>
      author.sign({ kind: 1, content: `${i} ${"x".repeat(60_000)}` }),
    );
    let received = 0;
    reader.ws.on("message", (d) => {
      if (d.toString().startsWith('["EVENT","all"')) received++;
    });
    const oks = events.map((e) => publisher.ok(e.id));
    for (const e of events) publisher.send(["EVENT", e]);
    const answers = await Promise.all(oks);
    expect(answers.every((a) => a[2] === true)).toBe(true);
    while (received < events.length) await new Promise((r) => setTimeout(r, 20));

    slow.ws.resume();
    const closed = await slow.waitClosed(30_000);
    expect(closed.code).not.toBe(1000);
    const slowGot = slow.messages.filter((m) => m[0] === "EVENT").length;
    expect(slowGot).toBeLessThan(events.length);

    // Everyone else carries on.
    const fresh = await NostrSocket.open(relay.url);
    const e = author.sign({ kind: 1, content: "after" });
    expect((await fresh.publish(e))[2]).toBe(true);
    for (const s of [reader, publisher, fresh]) await s.close();
  });
});
