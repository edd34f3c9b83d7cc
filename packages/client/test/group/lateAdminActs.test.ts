/**
 * Late admin acts over a real relay (issue 8 item 2, review F2): an admin demoted while offline
 * keeps the old epoch's keys and deletes a member's message in that epoch. Members who had already
 * seen the demotion, and a member who reads the demotion and the deletion in one fetch, both keep
 * the message; a deletion the same admin made while still an admin, read in time, stands.
 */
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { type RelayHandle, startRelay } from "../../../../tests/helpers/relay.ts";
import { createNodeClient } from "../../src/core/nodeClient.ts";
import { envelopeOf } from "../../src/group/appViews.ts";
import type { Rally } from "../../src/rallyClient.ts";

let relay: RelayHandle;
let root: string;
const clients: Rally[] = [];

async function person(name: string): Promise<Rally> {
  const client = await createNodeClient({ home: path.join(root, name), fetchTimeoutMs: 8_000 });
  await client.createAccount({ name, relays: [relay.url] });
  await client.deliver(8_000);
  clients.push(client);
  return client;
}

async function npub(c: Rally): Promise<string> {
  return (await c.account())!.npub;
}

async function acceptAll(c: Rally): Promise<void> {
  await c.sync();
  for (const inv of await c.invites()) await c.acceptInvite(inv.id);
  await c.deliver(8_000);
}

beforeAll(async () => {
  root = fs.mkdtempSync(path.join(os.tmpdir(), "rally-late-admin-"));
  relay = await startRelay();
}, 600_000);

afterAll(async () => {
  for (const c of clients) await c.close().catch(() => undefined);
  await relay?.stop();
  fs.rmSync(root, { recursive: true, force: true });
});

describe("late admin acts", { timeout: 300_000 }, () => {
  it("F2: a demoted admin's deletion sent in the old epoch has no effect; earlier ones stand", async () => {
    const alice = await person("Alice");
    const bob = await person("Bob");
    const carol = await person("Carol");
    const dan = await person("Dan");
    const g = await alice.createGroup({ name: "Tenants" });
    for (const p of [bob, carol, dan]) {
      await alice.invite(g.id, await npub(p));
      await acceptAll(p);
      await alice.sync();
    }
    await alice.setAdmin(g.id, await npub(bob), true);
    await alice.deliver(8_000);
    for (const p of [bob, carol, dan, alice]) await p.sync();

    // While Bob is an admin he deletes one of Carol's messages; everyone reads it in time.
    const first = await carol.sendChat(g.id, "rent strike vote on Friday");
    const second = await carol.sendChat(g.id, "bring your lease");
    await carol.deliver(8_000);
    await bob.sync();
    await bob.deleteMessage(g.id, first.id);
    await bob.deliver(8_000);
    for (const p of [alice, carol, dan]) await p.sync();
    expect((await dan.chat(g.id)).find((m) => m.id === first.id)?.deleted).toBe(true);

    // Alice demotes Bob; Carol sees it, Dan stays offline, Bob does not sync.
    await alice.setAdmin(g.id, await npub(bob), false);
    await alice.deliver(8_000);
    await carol.sync();

    // Bob's device still believes it is an admin and deletes Carol's other message in the old epoch.
    await bob.deleteMessage(g.id, second.id);
    await bob.deliver(8_000);

    await alice.sync();
    await carol.sync();
    await dan.sync(); // reads the demotion and Bob's deletion in one fetch
    for (const p of [alice, carol, dan]) {
      const chat = await p.chat(g.id);
      expect(chat.find((m) => m.id === second.id)).toMatchObject({
        deleted: false,
        text: "bring your lease",
      });
      // Demoting Bob later does not undo what he did while he was an admin.
      expect(chat.find((m) => m.id === first.id)?.deleted).toBe(true);
    }

    // The stored envelope of Bob's late deletion records the receipt facts.
    const rows = await carol.core.store.rumors({ group: g.id, kinds: [5] });
    const envs = rows.map((r) => envelopeOf(r)!);
    const late = envs.find((e) => e.r.tags.some((t) => t[1] === second.id));
    expect(late).toMatchObject({ l: true });
    expect(typeof late?.t).toBe("number");
    expect(envs.find((e) => e.r.tags.some((t) => t[1] === first.id))).toMatchObject({ l: false });
  });
});
