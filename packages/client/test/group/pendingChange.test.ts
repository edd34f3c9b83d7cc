/**
 * Errors that say what happened (issue 15): a change to a group refused because an earlier one is
 * unsettled says "has not reached a relay yet" only when its commit is still in the outbox, and
 * "reached a relay but is not confirmed yet" once a relay took it. A real relay process, a real
 * SQLite home; the second group's only relay is an address where nothing listens.
 */
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { type RelayHandle, startRelay } from "../../../../tests/helpers/relay.ts";
import { openNodeRally as createNodeClient } from "../../src/platform/node/nodeClient.ts";
import type { Rally } from "../../src/rallyClient.ts";

let relay: RelayHandle;
let root: string;
let alice: Rally | undefined;

beforeAll(async () => {
  root = fs.mkdtempSync(path.join(os.tmpdir(), "rally-pending-change-"));
  relay = await startRelay();
}, 300_000);

afterAll(async () => {
  await alice?.close().catch(() => undefined);
  await relay?.stop();
  fs.rmSync(root, { recursive: true, force: true });
});

describe("a change while an earlier one is unsettled", { timeout: 300_000 }, () => {
  it("is refused with the reason that is true", async () => {
    const a = await createNodeClient({ home: path.join(root, "alice"), fetchTimeoutMs: 3_000 });
    alice = a;
    await a.createAccount({ name: "Alice", relays: [relay.url] });
    const propose = (group: string, name: string) =>
      a.core.exclusive(() => a.groupsSvc.propose(group, { type: "data", patch: { name } }));

    // No relay answers: the first change stays in the outbox.
    const offline = await a.createGroup({ name: "Offline", relays: ["ws://127.0.0.1:9"] });
    await propose(offline.id, "Offline 2");
    await a.deliver(500);
    await expect(propose(offline.id, "Offline 3")).rejects.toThrow(/has not reached a relay yet/);

    // A relay took the first change, but it was not read back yet.
    const online = await a.createGroup({ name: "Online", relays: [relay.url] });
    const first = await propose(online.id, "Online 2");
    await a.deliver(8_000);
    // Done, and removed from the outbox once every relay answered.
    expect((await a.core.transport.outbox.get(first.eventId))?.state ?? "done").toBe("done");
    await expect(propose(online.id, "Online 3")).rejects.toThrow(/reached a relay but is not confirmed yet/);

    // Reading it back settles it, and the next change goes through.
    await a.sync();
    await propose(online.id, "Online 3");
  });
});
