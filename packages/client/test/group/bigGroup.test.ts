/**
 * A 300-member group through a real relay: the admin's real client adds everyone with commits that
 * each fit a kind 445 event (the group service cuts the list), the tree travels to a newcomer as
 * kind 1447 chunks, newcomers commit their own key update after a short delay (which shrinks the
 * admin's next removal), and a removed member reads nothing sent after their removal.
 *
 * Most members are devices made at the protocol level (a key package event signed by their own
 * key; they never come online); four people are real clients: the admin, Kim (stays), Gil (is
 * removed) and Lee (joins in the big add, from the chunked tree).
 */
import {
  createDeviceIdentity,
  createKeyPackage,
  type GroupState,
  pathCost,
  RALLY_GROUP_DATA_EXTENSION,
} from "@rally/protocol/mls";
import {
  buildKeyPackageEvent,
  KIND_RATCHET_TREE_CHUNK,
  newKeyPackageSlot,
  routingTag,
  unwrapGroupMessage,
} from "@rally/protocol/wire";
import type { NostrEvent } from "nostr-tools/core";
import type { Filter } from "nostr-tools/filter";
import { finalizeEvent, generateSecretKey, getPublicKey } from "nostr-tools/pure";
import { describe, expect, it } from "vitest";
import type { Invitee } from "../../src/group/groupRecord.ts";
import { loadState, secretOf } from "../../src/group/mlsStore.ts";
import type { Rally } from "../../src/rallyClient.ts";
import { acceptAll, chatTexts, npubOf, person, pubkeyOf, useWorld } from "../world.ts";

const w = useWorld("big-group");
const SIZE = 300;

/** A device that exists only as a key package event on the relay (its person never comes online). */
async function offlineInvitee(relay: string): Promise<Invitee> {
  const secret = generateSecretKey();
  const kp = await createKeyPackage(createDeviceIdentity(secret));
  const event = finalizeEvent(
    buildKeyPackageEvent({
      keyPackage: kp.keyPackage,
      slot: newKeyPackageSlot(),
      extensions: [RALLY_GROUP_DATA_EXTENSION],
      relays: [relay],
    }),
    secret,
  ) as NostrEvent;
  return { pubkey: getPublicKey(secret), keyPackageEvent: event, inbox: [relay] };
}

async function fetchAll(c: Rally, filter: Filter): Promise<NostrEvent[]> {
  const { events } = await c.core.transport.fetch(c.core.transport.anonymous, [w.relay.url], [filter]);
  return events;
}

describe("a big group through a relay", () => {
  it("300 members: adds that fit, the chunked tree, key updates, and a removed member reads nothing after", async () => {
    const [admin, kim, gil, lee] = [
      await person(w, "Ada"),
      await person(w, "Kim"),
      await person(w, "Gil"),
      await person(w, "Lee"),
    ];
    const g = await admin.createGroup({ name: "Assembly" });
    for (const c of [kim, gil]) {
      await admin.invite(g.id, await npubOf(c));
      await acceptAll(c);
    }

    // Everyone else in one list; Lee among them, so Lee joins a group of 300 from the chunked tree.
    const offline = await Promise.all(Array.from({ length: SIZE - 4 }, () => offlineInvitee(w.relay.url)));
    const leeInvitees = await admin.groupsSvc.fetchInvitees(
      await admin.groupsSvc.record(g.id),
      await pubkeyOf(lee),
    );
    let rest: Invitee[] = [...offline.slice(0, 150), ...leeInvitees, ...offline.slice(150)];
    const batches: number[] = [];
    while (rest.length > 0) {
      const pending = await admin.core.exclusive(() =>
        admin.groupsSvc.propose(g.id, { type: "add", invitees: rest }),
      );
      if (pending.intent.type !== "add") throw new Error("not an add");
      const taken = pending.intent.invitees.length;
      expect(taken).toBeGreaterThan(0);
      batches.push(taken);
      rest = rest.slice(taken);
      await admin.deliver(8_000);
      await admin.sync(); // the commit is read back, wins, and its welcomes and tree chunks go out
      expect((await admin.groupsSvc.record(g.id)).pending).toBeNull();
    }
    expect(batches.reduce((a, b) => a + b, 0)).toBe(SIZE - 3);
    expect((await admin.groupsSvc.record(g.id)).members.length).toBe(SIZE);
    // The tree travelled beside the big add's welcomes, in chunks the relay took.
    expect((await fetchAll(admin, { kinds: [KIND_RATCHET_TREE_CHUNK] })).length).toBeGreaterThan(0);

    await acceptAll(lee);
    for (const c of [kim, gil, lee]) await c.sync();
    for (const c of [kim, gil, lee]) expect((await c.groupsSvc.record(g.id)).members.length).toBe(SIZE);

    // Newcomers' key updates fall due after a short random delay (at most a few minutes here).
    const adminState = async (): Promise<GroupState> => loadState(admin.core.store, g.id);
    const before = pathCost(await adminState());
    const epochBefore = (await admin.groupsSvc.record(g.id)).epoch;
    w.clock.offsetMs += 2 * 3600_000;
    for (const c of [kim, gil, lee]) {
      await c.sync();
      await c.deliver(8_000);
    }
    for (const c of [admin, kim, gil, lee]) await c.sync();
    const epochs = new Set<number>();
    for (const c of [admin, kim, gil, lee]) epochs.add((await c.groupsSvc.record(g.id)).epoch);
    expect(epochs.size).toBe(1);
    expect([...epochs][0]).toBeGreaterThanOrEqual(epochBefore + 3);
    const after = pathCost(await adminState());
    expect(after.ownCiphertexts).toBeLessThan(before.ownCiphertexts);

    // Gil is removed; what Gil's device holds before it learns of it is every key it ever had.
    const gilKeys = (await gil.groupsSvc.record(g.id)).keys.map(secretOf);
    await admin.remove(g.id, await npubOf(gil));
    await kim.sync();
    await kim.sendChat(g.id, "Meeting moved to Thursday");
    await kim.deliver(8_000);

    const kimKey = (await kim.groupsSvc.record(g.id)).keys[0];
    if (!kimKey) throw new Error("no key");
    const sentAfter = await fetchAll(kim, { kinds: [445], "#h": [routingTag(secretOf(kimKey))] });
    expect(sentAfter.length).toBeGreaterThan(0);
    for (const e of sentAfter) {
      for (const k of gilKeys) expect(() => unwrapGroupMessage(e, k)).toThrow();
    }
    await gil.sync();
    expect((await gil.groupsSvc.record(g.id)).status).toBe("removed");
    expect(await chatTexts(gil, g.id)).not.toContain("Meeting moved to Thursday");
    for (const c of [admin, lee]) {
      await c.sync();
      expect(await chatTexts(c, g.id)).toContain("Meeting moved to Thursday");
    }
  }, 240_000);
});
