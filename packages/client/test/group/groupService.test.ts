/**
 * The group service over a real relay process, with in-process clients (real SQLite homes, real
 * MLS, real WebSockets): concurrent commits for one epoch converge on the engine's winner and the
 * loser's change is proposed again; forged and re-signed kind 445 events are ignored; receiving a
 * message rewrites only the small per-message part of the MLS state.
 */
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { wrapGroupMessage } from "@rally/protocol/wire";
import { finalizeEvent, generateSecretKey } from "nostr-tools/pure";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { type RelayHandle, startRelay } from "../../../../tests/helpers/relay.ts";
import { hexToBytes } from "../../src/hex.ts";
import { openNodeRally as createNodeClient } from "../../src/platform/node/nodeClient.ts";
import type { Rally } from "../../src/rallyClient.ts";
import { blobKeys } from "../../src/store/keys.ts";

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
  root = fs.mkdtempSync(path.join(os.tmpdir(), "rally-group-service-"));
  relay = await startRelay();
}, 600_000);

afterAll(async () => {
  for (const c of clients) await c.close().catch(() => undefined);
  await relay?.stop();
  fs.rmSync(root, { recursive: true, force: true });
});

describe("group service", { timeout: 300_000 }, () => {
  it("resolves two admins' concurrent commits to one state, and re-proposes the losing change", async () => {
    const alice = await person("Alice");
    const bob = await person("Bob");
    const carol = await person("Carol");
    const dan = await person("Dan");
    const g = await alice.createGroup({ name: "Co-op board" });
    await alice.invite(g.id, await npub(bob));
    await acceptAll(bob);
    await alice.setAdmin(g.id, await npub(bob), true);
    await bob.sync();
    const bobNpub = await npub(bob);
    expect((await bob.members(g.id)).find((m) => m.npub === bobNpub)?.admin).toBe(true);

    // Both admins commit on the same epoch before either sees the other's commit.
    const carolInvitees = await alice.groupsSvc.fetchInvitees(
      await alice.groupsSvc.record(g.id),
      (await carol.account())!.pubkey,
    );
    const danInvitees = await bob.groupsSvc.fetchInvitees(
      await bob.groupsSvc.record(g.id),
      (await dan.account())!.pubkey,
    );
    const a = await alice.core.exclusive(() =>
      alice.groupsSvc.propose(g.id, { type: "add", invitees: carolInvitees }),
    );
    const b = await bob.core.exclusive(() =>
      bob.groupsSvc.propose(g.id, { type: "add", invitees: danInvitees }),
    );
    expect(a.baseEpoch).toBe(b.baseEpoch);
    await alice.deliver(8_000);
    await bob.deliver(8_000);

    // A few rounds: each sees both commits, applies the same winner; the loser proposes again.
    for (let i = 0; i < 3; i++) {
      await alice.sync();
      await bob.sync();
    }
    await acceptAll(carol);
    await acceptAll(dan);
    for (const c of [alice, bob, carol, dan]) await c.sync();

    const everyone = [await npub(alice), await npub(bob), await npub(carol), await npub(dan)].sort();
    const epochs = new Set<number>();
    for (const c of [alice, bob, carol, dan]) {
      expect((await c.members(g.id)).map((m) => m.npub).sort()).toEqual(everyone);
      const rec = await c.groupsSvc.record(g.id);
      expect(rec.pending).toBeNull();
      epochs.add(rec.epoch);
    }
    expect(epochs.size).toBe(1);

    await dan.sendChat(g.id, "Dan made it in");
    await dan.deliver(8_000);
    for (const c of [alice, bob, carol]) {
      await c.sync();
      expect((await c.chat(g.id)).map((m) => m.text)).toContain("Dan made it in");
    }
  });

  it("ignores forged and re-signed group messages, and replays", async () => {
    const erin = await person("Erin");
    const finn = await person("Finn");
    const g = await erin.createGroup({ name: "Quiet room" });
    await erin.invite(g.id, await npub(finn));
    await acceptAll(finn);
    await erin.sendChat(g.id, "the real one");
    await erin.deliver(8_000);
    await finn.sync();
    expect((await finn.chat(g.id)).map((m) => m.text)).toEqual(["the real one"]);

    const rec = await finn.groupsSvc.record(g.id);
    const key = rec.keys[0]!;
    // 1. Garbage under the right routing tag, from a stranger's one-time key.
    const forged = finalizeEvent(
      {
        kind: 445,
        created_at: Math.floor(Date.now() / 1000),
        tags: [["h", key.tag]],
        content: "AAAA".repeat(40),
      },
      generateSecretKey(),
    );
    // 2. A real message's ciphertext re-signed under another key (bound into the AEAD: fails).
    const { events } = await finn.core.transport.fetch(
      finn.core.transport.anonymous,
      [relay.url],
      [{ kinds: [445], "#h": [key.tag] }],
    );
    const original = events[0]!;
    const resigned = finalizeEvent(
      { kind: 445, created_at: original.created_at, tags: original.tags, content: original.content },
      generateSecretKey(),
    );
    // 3. A well-formed wrap of bytes that are not an MLS message of this group.
    const junk = wrapGroupMessage({
      exporterSecret: hexToBytes(key.secret),
      mlsMessage: new Uint8Array([0, 1, 2, 3]),
    });
    for (const e of [forged, resigned, junk, original]) await finn.core.transport.publishNow(e, [relay.url]);

    await finn.sync();
    await finn.sync();
    expect((await finn.chat(g.id)).map((m) => m.text)).toEqual(["the real one"]);
    const seen = await finn.core.store.seen(g.id, [forged.id, resigned.id, junk.id]);
    expect(seen.size).toBe(3);
    // And the group still works.
    await erin.sendChat(g.id, "still fine");
    await erin.deliver(8_000);
    await finn.sync();
    // (Both may carry the same second; chat orders by time, then id.)
    expect((await finn.chat(g.id)).map((m) => m.text).sort()).toEqual(["still fine", "the real one"]);
  });

  it("leaving: the leaver's request is committed by an admin's device at its next sync", async () => {
    const ida = await person("Ida");
    const jon = await person("Jon");
    const g = await ida.createGroup({ name: "Short stay" });
    await ida.invite(g.id, await npub(jon));
    await acceptAll(jon);
    await ida.sync();
    expect(await ida.members(g.id)).toHaveLength(2);
    await jon.leave(g.id);
    await jon.deliver(8_000);
    expect((await jon.groups()).find((x) => x.id === g.id)).toMatchObject({ status: "left" });
    await expect(jon.sendChat(g.id, "still here?")).rejects.toThrow(/no longer in/i);
    await ida.sync();
    await ida.sync();
    expect((await ida.members(g.id)).map((m) => m.name)).toEqual(["Ida"]);
  });

  it("shares invite links with the other admins: whichever admin is online lets people in", async () => {
    const kim = await person("Kim");
    const lou = await person("Lou");
    const mo = await person("Mo");
    const g = await kim.createGroup({ name: "Two admins" });
    await kim.invite(g.id, await npub(lou));
    await acceptAll(lou);
    await kim.setAdmin(g.id, await npub(lou), true);
    await lou.sync();
    // A link without a number of uses: any admin device may let people in (a counted link admits
    // only on the device that made it, joins.test.ts).
    const link = await kim.createInviteLink(g.id, {});
    await kim.deliver(8_000);
    await lou.sync();
    expect((await lou.inviteLinks(g.id)).map((l) => l.id)).toEqual([link.id]);

    // Kim's device is gone from now on; Lou's device answers the request.
    expect(await mo.join(link.url)).toEqual({ state: "waiting", group: "Two admins" });
    await mo.deliver(8_000);
    await lou.sync();
    await mo.sync();
    expect(await mo.joinState(link.url)).toMatchObject({ state: "joined", groupId: g.id });
    expect((await mo.members(g.id)).map((m) => m.name).sort()).toEqual(["Kim", "Lou", "Mo"]);

    // A revocation travels the same way.
    await lou.revokeInviteLink(g.id, link.id);
    await lou.deliver(8_000);
    await kim.sync();
    expect((await kim.inviteLinks(g.id))[0]?.revoked).toBe(true);
  });

  it("live mode: messages, invitations and join requests arrive without asking", async () => {
    const nia = await person("Nia");
    const oli = await person("Oli");
    const pat = await person("Pat");
    const g = await nia.createGroup({ name: "Live" });
    await nia.invite(g.id, await npub(oli));
    await acceptAll(oli);
    const changes: string[] = [];
    oli.onChange((c) => changes.push(c.kind));
    await nia.start();
    await oli.start();
    await pat.start();
    const eventually = async (what: string, check: () => Promise<boolean>) => {
      for (let i = 0; i < 120; i++) {
        if (await check()) return;
        await new Promise((r) => setTimeout(r, 250));
      }
      throw new Error(`${what} did not happen`);
    };
    await nia.sendChat(g.id, "live hello");
    await eventually("Oli receives the message", async () =>
      (await oli.chat(g.id)).some((m) => m.text === "live hello"),
    );
    expect(changes).toContain("chat");
    expect(oli.connection()).toBe("online");

    await nia.invite(g.id, await npub(pat));
    await eventually("Pat sees the invitation", async () => (await pat.invites()).length === 1);

    const link = await nia.createInviteLink(g.id, {});
    const quinn = await person("Quinn");
    await quinn.join(link.url);
    await quinn.deliver(8_000);
    await quinn.start();
    await eventually(
      "Nia's live device lets Quinn in",
      async () => (await quinn.joinState(link.url))?.state === "joined",
    );
    for (const c of [nia, oli, pat, quinn]) await c.stop();
  });

  it("adds a person's second device (recovered from their words) when they are invited again", async () => {
    const rae = await person("Rae");
    const sam = await person("Sam");
    const g = await rae.createGroup({ name: "Two devices" });
    await rae.invite(g.id, await npub(sam));
    await acceptAll(sam);
    const samLaptop = await createNodeClient({ home: path.join(root, "Sam-laptop"), fetchTimeoutMs: 8_000 });
    clients.push(samLaptop);
    await samLaptop.recoverAccount({ words: await sam.recoveryWords(), name: "Sam", relays: [relay.url] });
    await samLaptop.deliver(8_000);
    await rae.invite(g.id, await npub(sam)); // only the new device is added
    await acceptAll(samLaptop);
    await rae.sendChat(g.id, "to both of Sam's devices");
    await rae.deliver(8_000);
    for (const c of [sam, samLaptop]) {
      await c.sync();
      expect((await c.chat(g.id)).map((m) => m.text)).toContain("to both of Sam's devices");
    }
    expect((await rae.members(g.id)).map((m) => m.name).sort()).toEqual(["Rae", "Sam"]);
    // With both devices in, inviting Sam again has nothing left to add.
    await expect(rae.invite(g.id, await npub(sam))).rejects.toThrow(/already in/);
  });

  it("rewrites only the small per-message state when a message arrives", async () => {
    const gail = await person("Gail");
    const hal = await person("Hal");
    const g = await gail.createGroup({ name: "Persistence" });
    await gail.invite(g.id, await npub(hal));
    await acceptAll(hal);
    await hal.sync();
    const epochBefore = await hal.core.store.getBlob(blobKeys.groupEpoch(g.id));
    const messagesBefore = await hal.core.store.getBlob(blobKeys.groupMessages(g.id));
    await gail.sendChat(g.id, "one more message");
    await gail.deliver(8_000);
    await hal.sync();
    expect((await hal.chat(g.id)).map((m) => m.text)).toContain("one more message");
    expect(await hal.core.store.getBlob(blobKeys.groupEpoch(g.id))).toEqual(epochBefore);
    expect(await hal.core.store.getBlob(blobKeys.groupMessages(g.id))).not.toEqual(messagesBefore);
    // A commit changes the epoch part.
    await gail.updateGroup(g.id, { name: "Persistence, renamed" });
    await hal.sync();
    expect((await hal.groups()).find((x) => x.id === g.id)?.name).toBe("Persistence, renamed");
    expect(await hal.core.store.getBlob(blobKeys.groupEpoch(g.id))).not.toEqual(epochBefore);
  });
});
