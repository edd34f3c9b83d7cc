/**
 * Every group comes back after the person lost every device: the account backup on their relays
 * (encrypted under a key from the recovery words) lists the groups; the recovered device asks each
 * group's admins to let it back in; an admin's device that syncs adds it and removes the lost
 * device in one commit; members see "Alice's device was restored". A backup under other words is
 * refused with a note, a missing one is said plainly, and a stranger's request is ignored.
 * Real relay, real clients, real MLS.
 */
import path from "node:path";
import { backupKeyFromWords, createPerson } from "@rally/protocol/identity";
import { members as mlsMembers } from "@rally/protocol/mls";
import { makeBackupEvent, wrapRejoinRequest } from "@rally/protocol/wire";
import { describe, expect, it } from "vitest";
import WebSocket from "ws";
import { loadState } from "../../src/group/mlsStore.ts";
import { Outbox } from "../../src/net/outbox.ts";
import type { WebSocketConstructor } from "../../src/net/websocket.ts";
import { nodeCryptoBackend } from "../../src/platform/node/nodeCrypto.ts";
import { openHomeVault } from "../../src/platform/node/nodeVault.ts";
import { createRallyClient, type Rally } from "../../src/rallyClient.ts";
import { NO_BACKUP_NOTE, OTHER_WORDS_NOTE } from "../../src/sync/rejoin.ts";
import {
  acceptAll,
  chatTexts,
  groupWith,
  memberKeys,
  npubOf,
  person,
  pubkeyOf,
  useWorld,
  type World,
} from "../world.ts";

let homes = 0;
/** A device with no account yet, on the world's clock. */
async function freshDevice(w: World, name: string): Promise<Rally> {
  const client = await createRallyClient({
    store: await openHomeVault(path.join(w.root, `${name}-fresh-${++homes}`)),
    WebSocket: WebSocket as unknown as WebSocketConstructor,
    mlsCrypto: nodeCryptoBackend(),
    fetchTimeoutMs: 8_000,
    nowMs: () => Date.now() + w.clock.offsetMs,
  });
  w.clients.push(client);
  return client;
}

/** A person's devices (MLS signature keys) in a group, as `viewer`'s device sees it. */
async function devicesOf(viewer: Rally, group: string, pubkey: string): Promise<string[]> {
  const state = await loadState(viewer.core.store, group);
  return (mlsMembers(state).find((m) => m.pubkey === pubkey)?.devices ?? []).map((d) => d.signaturePublicKey);
}

describe("restoring every group after losing every device", () => {
  const w = useWorld("rejoin");

  it("brings back both groups, retires the lost device and tells the members", async () => {
    const alice = await person(w, "Alice");
    const bob = await person(w, "Bob");
    const carol = await person(w, "Carol");
    const alicePk = await pubkeyOf(alice);
    // Alice's group: Bob is a second admin (a group whose only admin lost every device has nobody
    // left who may let her back in).
    const mine = await groupWith(alice, [bob], "Alice's group");
    await alice.setAdmin(mine, await npubOf(bob), true);
    // Bob's group, Alice and Carol members.
    const bobs = await groupWith(bob, [alice, carol], "Bob's group");
    for (const c of [alice, bob, carol]) await c.sync();
    const words = await alice.recoveryWords();
    const lostDevice = (await devicesOf(bob, bobs, alicePk))[0];
    expect(lostDevice).toBeDefined();
    await alice.sync(); // the backup reaches the relay
    await alice.close();

    const restored = await freshDevice(w, "Alice");
    await restored.recoverAccount({ words, relays: [w.relay.url] });
    const first = await restored.sync();
    expect(first.notes?.join(" ")).toMatch(/backup of 2 group/);
    const waiting = await restored.groups();
    expect(waiting.map((g) => [g.name, g.status]).sort()).toEqual([
      ["Alice's group", "rejoining"],
      ["Bob's group", "rejoining"],
    ]);
    expect((await restored.account())?.name).toBe("Alice");

    await bob.sync(); // Bob's device lets her back in, in both groups
    await restored.sync();
    const back = await restored.groups();
    expect(back.map((g) => [g.name, g.status]).sort()).toEqual([
      ["Alice's group", "active"],
      ["Bob's group", "active"],
    ]);

    for (const g of [mine, bobs]) {
      // Her lost device is gone; one device of hers remains, the new one.
      const now = await devicesOf(bob, g, alicePk);
      expect(now).toHaveLength(1);
      expect(now).not.toContain(lostDevice);
      expect(await memberKeys(bob, g)).toContain(alicePk);
      await bob.sendChat(g, `hello again in ${g.slice(0, 6)}`);
    }
    await bob.deliver(8_000);
    await restored.sync();
    for (const g of [mine, bobs])
      expect(await chatTexts(restored, g)).toContain(`hello again in ${g.slice(0, 6)}`);
    await restored.sendChat(bobs, "I'm back");
    await restored.deliver(8_000);
    await carol.sync();
    expect(await chatTexts(carol, bobs)).toContain("I'm back");
    // Members see the restoration, not a removal.
    const notice = (await carol.chatHistory(bobs)).find(
      (e) => e.type === "notice" && e.notice === "restored",
    );
    expect(notice).toBeDefined();
    expect(notice && "text" in notice ? notice.text : "").toMatch(/Alice's device was restored/);
    expect((await carol.chatHistory(bobs)).some((e) => e.type === "notice" && e.notice === "removed")).toBe(
      false,
    );
  }, 240_000);

  it("a device the person recovers from (seized, still online) does not let the new one in; an admin does, and retires it", async () => {
    const dora = await person(w, "Dora");
    const bob = await person(w, "Bob");
    const doraPk = await pubkeyOf(dora);
    // Dora is an admin of her group, Bob too.
    const g = await groupWith(dora, [bob], "Dora's group");
    await dora.setAdmin(g, await npubOf(bob), true);
    for (const c of [dora, bob]) await c.sync();
    const words = await dora.recoveryWords();
    const [seized] = await devicesOf(bob, g, doraPk);
    await dora.sync(); // the backup reaches the relay

    // Her phone was taken; she recovers on a new device. The phone stays online, syncing.
    const restored = await freshDevice(w, "Dora");
    await restored.recoverAccount({ words, relays: [w.relay.url] });
    await restored.sync();
    await restored.deliver(8_000);
    for (let i = 0; i < 2; i++) {
      await dora.sync();
      await dora.deliver(8_000);
    }
    await restored.sync();
    expect((await restored.groups()).map((x) => x.status)).toEqual(["rejoining"]);
    expect(await devicesOf(dora, g, doraPk)).toEqual([seized]);

    // Bob's device lets the new one in and retires the phone in the same commit.
    await bob.sync();
    await bob.deliver(8_000);
    await restored.sync();
    expect((await restored.groups()).map((x) => x.status)).toEqual(["active"]);
    const now = await devicesOf(bob, g, doraPk);
    expect(now).toHaveLength(1);
    expect(now).not.toContain(seized);
    await bob.sendChat(g, "new meeting place");
    await bob.deliver(8_000);
    await dora.sync();
    await restored.sync();
    expect(await chatTexts(restored, g)).toContain("new meeting place");
    expect(await chatTexts(dora, g)).not.toContain("new meeting place");

    // A later invitation adds only the new device: the restore withdrew the phone's key package.
    const later = await bob.createGroup({ name: "Bob's new group" });
    expect(await bob.invite(later.id, await npubOf(dora))).toEqual({ devices: 1, waiting: 0, unusable: [] });
  }, 240_000);

  it("an old request read late (the device since lost again) does not bring that device back", async () => {
    const eli = await person(w, "Eli");
    const bob = await person(w, "Bob");
    const cat = await person(w, "Cat");
    const eliPk = await pubkeyOf(eli);
    const g = await groupWith(eli, [bob, cat], "Eli's group");
    for (const x of [bob, cat]) await eli.setAdmin(g, await npubOf(x), true);
    for (const c of [eli, bob, cat]) await c.sync();
    const words = await eli.recoveryWords();
    await eli.sync();
    await eli.close();

    // Eli restores on a first device; Bob lets it in. Cat is away all along.
    const first = await freshDevice(w, "Eli");
    await first.recoverAccount({ words, relays: [w.relay.url] });
    await first.sync();
    await first.deliver(8_000);
    await bob.sync();
    await bob.deliver(8_000);
    await first.sync();
    const [firstDevice] = await devicesOf(bob, g, eliPk);
    // That device is taken too; Eli restores again, and Bob lets the second one in.
    const second = await freshDevice(w, "Eli");
    await second.recoverAccount({ words, relays: [w.relay.url] });
    await second.sync();
    await second.deliver(8_000);
    await bob.sync();
    await bob.deliver(8_000);
    await second.sync();
    const [secondDevice] = await devicesOf(bob, g, eliPk);
    expect(secondDevice).not.toBe(firstDevice);

    // Cat comes back and reads both requests: neither changes anything now.
    await cat.sync();
    await cat.deliver(8_000);
    expect(await devicesOf(cat, g, eliPk)).toEqual([secondDevice]);
    await bob.sync();
    await second.sync();
    expect(await devicesOf(bob, g, eliPk)).toEqual([secondDevice]);
    expect((await second.groups()).map((x) => x.status)).toEqual(["active"]);
  }, 240_000);

  it("tells the person of a group nobody else administers, instead of waiting for it", async () => {
    const fay = await person(w, "Fay");
    const bob = await person(w, "Bob");
    await groupWith(fay, [bob], "Fay's choir");
    for (const c of [fay, bob]) await c.sync();
    const words = await fay.recoveryWords();
    await fay.sync();
    await fay.close();
    const restored = await freshDevice(w, "Fay");
    await restored.recoverAccount({ words, relays: [w.relay.url] });
    const report = await restored.sync();
    expect(report.notes?.join(" ")).toMatch(/Nobody but you is an admin of "Fay's choir"/);
    expect(await restored.groups()).toEqual([]);
  }, 120_000);

  it("says so when there is no backup, and refuses a backup made under other words", async () => {
    const dan = await person(w, "Dan");
    const danWords = await dan.recoveryWords();
    const { secretKey } = dan.core.requireSecrets();
    // Someone publishes, under Dan's key, a backup sealed under other words.
    const other = backupKeyFromWords(createPerson().words);
    const forged = makeBackupEvent({
      backup: {
        name: "Dan",
        relays: [w.relay.url],
        groups: [{ id: "ab".repeat(32), name: "Trap", relays: [w.relay.url], admins: [] }],
      },
      key: other,
      secretKey,
      now: dan.core.now(),
    });
    await dan.core.store.batch([Outbox.prepare(forged, [w.relay.url]).op]);
    await dan.deliver(8_000);
    await dan.close();
    const danAgain = await freshDevice(w, "Dan");
    await danAgain.recoverAccount({ words: danWords, relays: [w.relay.url] });
    const report = await danAgain.sync();
    expect(report.notes).toEqual([OTHER_WORDS_NOTE]);
    expect(await danAgain.groups()).toEqual([]);

    const erin = await person(w, "Erin");
    const erinWords = await erin.recoveryWords();
    await erin.close();
    const erinAgain = await freshDevice(w, "Erin");
    await erinAgain.recoverAccount({ words: erinWords, relays: [w.relay.url] });
    expect((await erinAgain.sync()).notes).toEqual([NO_BACKUP_NOTE]);
  }, 120_000);

  it("ignores a rejoin request from someone the group does not have, or signed by another key", async () => {
    const frank = await person(w, "Frank");
    const gina = await person(w, "Gina");
    const mallory = await person(w, "Mallory");
    const g = await groupWith(frank, [gina], "Frank's group");
    const ginaPk = await pubkeyOf(gina);
    const before = await devicesOf(frank, g, ginaPk);
    const malloryKp = await mallory.accounts.keyPackages.current();
    const ginaKp = await gina.accounts.keyPackages.current();
    const to = await pubkeyOf(frank);
    const { secretKey } = mallory.core.requireSecrets();
    const base = { group: g, personSecretKey: secretKey, inboxRelays: [w.relay.url], recipientPubkey: to };
    // Mallory asks as herself (not in the group), and with Gina's key package under her own seal.
    const asHerself = wrapRejoinRequest({ ...base, keyPackageEvent: malloryKp.event, nonce: "1".repeat(64) });
    expect(() =>
      wrapRejoinRequest({ ...base, keyPackageEvent: ginaKp.event, nonce: "2".repeat(64) }),
    ).toThrow(/someone else/);
    await mallory.core.store.batch([Outbox.prepare(asHerself, [w.relay.url]).op]);
    await mallory.deliver(8_000);
    await frank.sync();
    expect(await memberKeys(frank, g)).not.toContain(await pubkeyOf(mallory));
    expect(await devicesOf(frank, g, ginaPk)).toEqual(before);
    expect((await frank.groupsSvc.record(g)).pending).toBeNull();
    await acceptAll(gina);
  }, 120_000);
});
