import { describe, expect, it } from "vitest";
import { dropPendingOps } from "../../src/group/mlsStore.ts";
import { loadOwedAdds, processOwedAdds, proposeOwedAdds, recordUnusable } from "../../src/group/owedAdds.ts";
import { shortNpub } from "../../src/group/people.ts";
import type { Rally } from "../../src/rallyClient.ts";
import { acceptAll, npubOf, person, pubkeyOf, useWorld } from "../world.ts";
import { devicesIn, moreDevices, twoAdminsAndBen } from "./otherDevices.ts";

const w = useWorld("owed-adds-removed");

/** Forgets `c`'s unsettled commit in `group`, as a device does with one that can never be sent. */
async function giveUpPending(c: Rally, group: string, eventId: string): Promise<void> {
  await c.core.exclusive(async () => {
    await c.core.transport.outbox.discard(eventId);
    const rec = await c.groupsSvc.record(group);
    await c.core.store.batch([...dropPendingOps(group), c.groupsSvc.putRecord({ ...rec, pending: null })]);
  });
}

/** Ana adds Ben's devices herself, so that those one commit cannot carry stay owed. */
async function addDirectly(ana: Rally, group: string, ben: string): Promise<void> {
  const found = await ana.groupsSvc.findDevices(await ana.groupsSvc.record(group), ben);
  await ana.core.exclusive(() => ana.groupsSvc.propose(group, { type: "add", invitees: found.invitees }));
  await ana.deliver(8_000);
  await ana.syncer.settle(group);
  await ana.deliver(8_000); // the welcomes, once the commit won
}

describe("devices owed to a group and people who are no longer in it", { timeout: 300_000 }, () => {
  it("does not add a member's further devices again when a removal of them won the race", async () => {
    const { ana, cy, ben, g, benKey } = await twoAdminsAndBen(w);
    expect(await devicesIn(ana, g.id, benKey)).toBe(1);

    // Ben has three more devices; Ana's commit carries one (two are owed) while Cy, on the same
    // epoch, removes Ben with a commit that wins (made again until its event id is lower).
    await moreDevices(ben, w.relay.url, 3);
    ana.groupsSvc.addLimit = 1;
    const found = await ana.groupsSvc.findDevices(await ana.groupsSvc.record(g.id), benKey);
    expect(found.invitees).toHaveLength(3);
    const mine = await ana.core.exclusive(() =>
      ana.groupsSvc.propose(g.id, { type: "add", invitees: found.invitees }),
    );
    expect(await loadOwedAdds(ana.core.store, g.id)).toHaveLength(2);
    const realNow = cy.core.now;
    const start = cy.core.now();
    for (let i = 0; ; i++) {
      cy.core.now = () => start - i;
      const theirs = await cy.core.exclusive(() =>
        cy.groupsSvc.propose(g.id, { type: "remove", pubkeys: [benKey] }),
      );
      if (theirs.eventId < mine.eventId) break;
      await giveUpPending(cy, g.id, theirs.eventId);
    }
    cy.core.now = realNow;
    await cy.deliver(8_000);
    await cy.sync();

    for (let i = 0; i < 3; i++) await ana.sync();
    await cy.sync();
    for (const c of [ana, cy]) {
      expect((await c.groupsSvc.record(g.id)).members).not.toContain(benKey);
      expect(await devicesIn(c, g.id, benKey)).toBe(0);
    }
    expect(await loadOwedAdds(ana.core.store, g.id)).toEqual([]);
  });

  it("does not add a person again who left while devices of theirs were owed", async () => {
    const ana = await person(w, "Ana");
    const ben = await person(w, "Ben");
    await moreDevices(ben, w.relay.url, 1, { eventAgeSeconds: 600 });
    const g = await ana.createGroup({ name: "Orchard" });
    const benKey = await pubkeyOf(ben);
    ana.groupsSvc.addLimit = 1;
    // Ben's own client first (its key package is the newest), the other device owed.
    await addDirectly(ana, g.id, benKey);
    expect(await devicesIn(ana, g.id, benKey)).toBe(1);
    expect(await loadOwedAdds(ana.core.store, g.id)).toHaveLength(1);

    await ben.sync();
    await acceptAll(ben);
    expect((await ben.groups()).map((x) => x.id)).toContain(g.id);
    await ben.leave(g.id);
    await ben.deliver(8_000);

    for (let i = 0; i < 3; i++) await ana.sync();
    const rec = await ana.groupsSvc.record(g.id);
    expect(rec.members).not.toContain(benKey);
    expect(await devicesIn(ana, g.id, benKey)).toBe(0);
    expect(await loadOwedAdds(ana.core.store, g.id)).toEqual([]);
  });

  it("does not add a person again whom an admin with a clock behind removed", async () => {
    const ana = await person(w, "Ana");
    const cy = await person(w, "Cy", { offsetMs: -45_000 });
    const ben = await person(w, "Ben");
    const g = await ana.createGroup({ name: "Barn" });
    await ana.invite(g.id, await npubOf(cy));
    await acceptAll(cy);
    await ana.setAdmin(g.id, await npubOf(cy), true);
    await cy.sync();
    await moreDevices(ben, w.relay.url, 3);
    const benKey = await pubkeyOf(ben);
    ana.groupsSvc.addLimit = 2;
    await addDirectly(ana, g.id, benKey);
    expect(await devicesIn(ana, g.id, benKey)).toBe(2);
    expect(await loadOwedAdds(ana.core.store, g.id)).toHaveLength(2);

    await cy.sync();
    await cy.remove(g.id, await npubOf(ben));
    await cy.sync();
    for (let i = 0; i < 3; i++) await ana.sync();
    expect((await ana.groupsSvc.record(g.id)).members).not.toContain(benKey);
    expect(await devicesIn(ana, g.id, benKey)).toBe(0);
    expect(await loadOwedAdds(ana.core.store, g.id)).toEqual([]);

    // Invited again on purpose, Ben comes back with every device.
    const again = await ana.invite(g.id, await npubOf(ben));
    expect(again.devices + again.waiting).toBe(4);
    for (let i = 0; i < 3 && (await devicesIn(ana, g.id, benKey)) < 4; i++) await ana.sync();
    expect(await devicesIn(ana, g.id, benKey)).toBe(4);
  });

  it("keeps devices owed until the commit taking them is adopted, so a commit given up loses none", async () => {
    const ana = await person(w, "Ana");
    const ben = await person(w, "Ben");
    await moreDevices(ben, w.relay.url, 2);
    const g = await ana.createGroup({ name: "Garden" });
    const benKey = await pubkeyOf(ben);
    ana.groupsSvc.addLimit = 1;
    await addDirectly(ana, g.id, benKey);
    expect(await devicesIn(ana, g.id, benKey)).toBe(1);
    expect(await loadOwedAdds(ana.core.store, g.id)).toHaveLength(2);

    // The next commit takes one owed device; it stays owed while that commit is unsettled, and the
    // commit is then given up (as one every relay refused).
    const next = await ana.core.exclusive(() => proposeOwedAdds(ana.groupsSvc, g.id));
    expect(next.proposed).toBe(true);
    expect(await loadOwedAdds(ana.core.store, g.id)).toHaveLength(2);
    const pending = (await ana.groupsSvc.record(g.id)).pending;
    if (!pending) throw new Error("expected a commit of the owed devices");
    await giveUpPending(ana, g.id, pending.eventId);

    for (let i = 0; i < 4 && (await devicesIn(ana, g.id, benKey)) < 3; i++) await ana.sync();
    expect(await devicesIn(ana, g.id, benKey)).toBe(3);
    expect(await loadOwedAdds(ana.core.store, g.id)).toEqual([]);
  });

  it("drops the devices it owes when it is no longer an admin", async () => {
    const ana = await person(w, "Ana");
    const cy = await person(w, "Cy");
    const ben = await person(w, "Ben");
    const g = await ana.createGroup({ name: "Workshop" });
    await ana.invite(g.id, await npubOf(cy));
    await acceptAll(cy);
    await ana.setAdmin(g.id, await npubOf(cy), true);
    await cy.sync();
    await moreDevices(ben, w.relay.url, 1);
    const benKey = await pubkeyOf(ben);
    cy.groupsSvc.addLimit = 1;
    await addDirectly(cy, g.id, benKey);
    expect(await loadOwedAdds(cy.core.store, g.id)).toHaveLength(1);

    await ana.sync();
    await ana.setAdmin(g.id, await npubOf(cy), false);
    await cy.sync();
    expect((await cy.groupsSvc.record(g.id)).admins).not.toContain(await pubkeyOf(cy));
    await cy.core.exclusive(() => processOwedAdds(cy.groupsSvc));
    expect(await loadOwedAdds(cy.core.store, g.id)).toEqual([]);
    expect(await devicesIn(cy, g.id, benKey)).toBe(1);
  });

  it("names a device of someone else given up on while inviting a person", async () => {
    const ana = await person(w, "Ana");
    const ben = await person(w, "Ben");
    // Ben's second device has a key package that expires in five minutes.
    await moreDevices(ben, w.relay.url, 1, {
      eventAgeSeconds: 600,
      keyPackage: { now: ben.core.now() - 600, lifetimeSeconds: 900 },
    });
    const g = await ana.createGroup({ name: "Harbour" });
    const benKey = await pubkeyOf(ben);
    ana.groupsSvc.addLimit = 1;
    await addDirectly(ana, g.id, benKey);
    expect(await loadOwedAdds(ana.core.store, g.id)).toHaveLength(1);

    // Ten minutes on, Ana invites Dee: the owed device of Ben's can no longer be added.
    w.clock.offsetMs += 600_000;
    try {
      const dee = await person(w, "Dee");
      const outcome = await ana.invite(g.id, await npubOf(dee));
      expect(outcome).toEqual({ devices: 1, waiting: 0, unusable: [] });
      expect(await loadOwedAdds(ana.core.store, g.id)).toEqual([]);
      const lines = (await ana.chatHistory(g.id)).filter((e) => e.type === "notice").map((e) => e.text);
      expect(lines).toContain(
        `A device of ${shortNpub(benKey)} could not be added: its key package expired before it could be added`,
      );
    } finally {
      w.clock.offsetMs -= 600_000;
    }
  });

  it("keeps two notices about one person made in the same second", async () => {
    const ana = await person(w, "Ana");
    const ben = await person(w, "Ben");
    const g = await ana.createGroup({ name: "Quarry" });
    const benKey = await pubkeyOf(ben);
    const realNow = ana.core.now;
    const second = ana.core.now();
    ana.core.now = () => second;
    try {
      await recordUnusable(ana.groupsSvc, g.id, benKey, [{ reason: "its key package has expired" }]);
      await recordUnusable(ana.groupsSvc, g.id, benKey, [{ reason: "its key package has expired" }]);
    } finally {
      ana.core.now = realNow;
    }
    const lines = (await ana.chatHistory(g.id)).filter((e) => e.type === "notice").map((e) => e.text);
    expect(
      lines.filter((l) => l.startsWith(`A device of ${shortNpub(benKey)} could not be added`)),
    ).toHaveLength(2);
  });
});
