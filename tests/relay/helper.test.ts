/** The shared test helper starts the real `rally relay` process on an ephemeral port. */
import fs from "node:fs";
import { afterAll, describe, expect, it } from "vitest";
import { type RelayHandle, startRelay } from "../helpers/relay.ts";
import { NostrSocket, newSigner } from "./support/nostrSocket.ts";

describe("tests/helpers/relay.ts", () => {
  let relay: RelayHandle | undefined;
  afterAll(async () => relay?.stop());

  it("starts a relay on a free port, serves a round trip, and stops cleanly", async () => {
    relay = await startRelay();
    expect(relay.url).toMatch(/^ws:\/\/127\.0\.0\.1:\d+$/);
    expect(relay.url.endsWith(":0")).toBe(false);
    const s = await NostrSocket.open(relay.url);
    const alice = newSigner();
    const ev = alice.sign({ kind: 1, content: "hello" });
    expect(await s.publish(ev)).toEqual(["OK", ev.id, true, ""]);
    const { events } = await s.req("r", { ids: [ev.id] });
    expect(events.map((e) => e.id)).toEqual([ev.id]);
    await s.close();
    const dir = relay.dataDir;
    await relay.stop();
    relay = undefined;
    expect(fs.existsSync(dir)).toBe(false);
  });
});
