/**
 * Two writers of one device's MLS state (here: a copy of the device's home folder, the way a backup
 * restored beside the original would run) encrypt at the same sender generation; a receiver reads
 * the first and counts the second as the sender's fault (`SyncReport.senderFaults`) instead of
 * losing it without a word. Real relay process, real SQLite homes, real MLS.
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
const clients: Rally[] = [];

async function open(home: string): Promise<Rally> {
  const client = await createNodeClient({ home: path.join(root, home), fetchTimeoutMs: 8_000 });
  clients.push(client);
  return client;
}

beforeAll(async () => {
  root = fs.mkdtempSync(path.join(os.tmpdir(), "rally-sender-faults-"));
  relay = await startRelay();
}, 600_000);

afterAll(async () => {
  for (const c of clients) await c.close().catch(() => undefined);
  await relay?.stop();
  fs.rmSync(root, { recursive: true, force: true });
});

describe("sender faults", { timeout: 120_000 }, () => {
  it("counts a second ciphertext for a sender generation already read", async () => {
    const alice = await open("alice");
    await alice.createAccount({ name: "Alice", relays: [relay.url] });
    const bob = await open("bob");
    await bob.createAccount({ name: "Bob", relays: [relay.url] });
    await alice.deliver(8_000);
    await bob.deliver(8_000);
    const g = await alice.createGroup({ name: "Copies" });
    await alice.invite(g.id, (await bob.account())!.npub);
    await bob.sync();
    for (const inv of await bob.invites()) await bob.acceptInvite(inv.id);
    await bob.deliver(8_000);
    await alice.sync();
    expect((await bob.sync()).senderFaults).toBe(0);

    // A copy of Alice's device, made while it is closed.
    await alice.close();
    fs.cpSync(path.join(root, "alice"), path.join(root, "alice-copy"), { recursive: true });
    const first = await open("alice");
    const copy = await open("alice-copy");
    await first.sendChat(g.id, "from the original");
    await copy.sendChat(g.id, "from the copy");
    await first.deliver(8_000);
    await copy.deliver(8_000);

    const report = await bob.sync();
    expect(report.senderFaults).toBe(1);
    const texts = (await bob.chat(g.id)).map((m) => m.text);
    expect(texts.filter((t) => t === "from the original" || t === "from the copy")).toHaveLength(1);
  });
});
