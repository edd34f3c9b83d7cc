/**
 * No silent loss in the send path (issue 15): a message every relay refuses for good is never
 * reported as sent — `deliver` counts it as failed, with the relay's reason, and the chat shows it
 * as failed — while a message the relay takes is reported as sent. A real relay process with a small
 * message limit does the refusing.
 */
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { type RelayHandle, startRelay } from "../../../../tests/helpers/relay.ts";
import { openNodeRally as createNodeClient } from "../../src/platform/node/nodeClient.ts";
import type { Rally } from "../../src/rallyClient.ts";

let relay: RelayHandle;
let small: RelayHandle;
let root: string;
let alice: Rally | undefined;

beforeAll(async () => {
  root = fs.mkdtempSync(path.join(os.tmpdir(), "rally-refused-send-"));
  [relay, small] = await Promise.all([startRelay(), startRelay({ args: ["--max-message-bytes", "4000"] })]);
}, 300_000);

afterAll(async () => {
  await alice?.close().catch(() => undefined);
  await Promise.all([relay?.stop(), small?.stop()]);
  fs.rmSync(root, { recursive: true, force: true });
});

describe("a message every relay refuses", { timeout: 300_000 }, () => {
  it("is reported as failed with the relay's reason, never as sent", async () => {
    alice = await createNodeClient({ home: path.join(root, "alice"), fetchTimeoutMs: 8_000 });
    await alice.createAccount({ name: "Alice", relays: [relay.url] });
    await alice.deliver(8_000);
    const g = await alice.createGroup({ name: "Small relay", relays: [small.url] });

    await alice.sendChat(g.id, "short enough");
    const ok = await alice.deliver(8_000);
    expect(ok).toMatchObject({ sent: 1, pending: 0, failed: 0 });

    const long = "x".repeat(6_000);
    const m = await alice.sendChat(g.id, long);
    const refused = await alice.deliver(8_000);
    expect(refused).toMatchObject({ sent: 0, pending: 0, failed: 1 });
    expect(refused.refused.join(" ")).toMatch(/too large/);
    const shown = (await alice.chat(g.id)).find((x) => x.id === m.id);
    expect(shown?.state).toBe("failed");
  });
});
