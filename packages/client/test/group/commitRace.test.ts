/**
 * Concurrent commits for one epoch over a real relay, with in-process clients (real SQLite homes,
 * real MLS, real WebSockets): the winner is decided by a rule no member can win by lying about time
 * — admin commits first, then the lowest event id — and a device that applied the losing commit
 * because the better one reached it later goes back to the state before and applies the winner.
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { Rally } from "../../src/rallyClient.ts";
import {
  acceptAll,
  npubOf as npub,
  person as personIn,
  pubkeyOf as pubkey,
  startWorld,
  stopWorld,
  type World,
} from "../world.ts";

let w: World;
const person = (name: string): Promise<Rally> => personIn(w, name);

async function view(c: Rally, id: string) {
  const rec = await c.groupsSvc.record(id);
  return { name: rec.name, members: [...rec.members].sort(), admins: rec.admins, epoch: rec.epoch };
}

beforeAll(async () => {
  w = await startWorld("commit-race");
}, 600_000);

afterAll(async () => {
  await stopWorld(w);
});

describe("commit races", { timeout: 300_000 }, () => {
  it("F8: an earlier-dated member commit does not beat an admin's removal, even when it arrives first", async () => {
    const alice = await person("Alice");
    const bob = await person("Bob");
    const carol = await person("Carol");
    const g = await alice.createGroup({ name: "Tenants" });
    await alice.invite(g.id, await npub(bob));
    await alice.invite(g.id, await npub(carol));
    await acceptAll(bob);
    await acceptAll(carol);
    for (const c of [alice, bob, carol]) await c.sync();
    const base = (await view(alice, g.id)).epoch;

    // Bob, about to be removed, races with a key-update commit of his own, dated an hour early.
    const hourAgo = Math.floor(Date.now() / 1000) - 3600;
    const realNow = bob.core.now;
    bob.core.now = () => hourAgo;
    await bob.core.exclusive(() => bob.groupsSvc.propose(g.id, { type: "proposals" }));
    bob.core.now = realNow;
    await bob.deliver(8_000);
    // Alice removes Bob on the same epoch, before she has seen Bob's commit.
    const bobKey = await pubkey(bob);
    const removal = await alice.core.exclusive(() =>
      alice.groupsSvc.propose(g.id, { type: "remove", pubkeys: [bobKey] }),
    );
    expect(removal.baseEpoch).toBe(base);

    // Carol reads Bob's commit before Alice's reaches any relay: she applies it for now.
    await carol.sync();
    expect((await view(carol, g.id)).epoch).toBe(base + 1);

    await alice.deliver(8_000);
    await alice.sync();
    await carol.sync();
    await bob.sync();

    const a = await view(alice, g.id);
    const c = await view(carol, g.id);
    expect(a.members).toEqual([await pubkey(alice), await pubkey(carol)].sort());
    expect(c).toEqual(a);
    expect((await bob.groupsSvc.record(g.id)).status).toBe("removed");

    // The group goes on: Carol reads Alice, Bob reads nothing new.
    await alice.sendChat(g.id, "after the removal");
    await alice.deliver(8_000);
    await carol.sync();
    expect((await carol.chat(g.id)).map((m) => m.text)).toContain("after the removal");
  });

  it("a device that applied the worse of two admins' commits goes back and applies the better one", async () => {
    const alice = await person("Ada");
    const bob = await person("Ben");
    const carol = await person("Cleo");
    const g = await alice.createGroup({ name: "Food bank" });
    await alice.invite(g.id, await npub(bob));
    await alice.invite(g.id, await npub(carol));
    await acceptAll(bob);
    await acceptAll(carol);
    await alice.setAdmin(g.id, await npub(bob), true);
    for (const c of [alice, bob, carol]) await c.sync();

    const a = await alice.core.exclusive(() =>
      alice.groupsSvc.propose(g.id, { type: "data", patch: { name: "Food bank (Ada)" } }),
    );
    const b = await bob.core.exclusive(() =>
      bob.groupsSvc.propose(g.id, { type: "data", patch: { name: "Food bank (Ben)" } }),
    );
    expect(a.baseEpoch).toBe(b.baseEpoch);
    // Deliver the commit that ranks second first (both admins: the lower event id wins).
    const [worse, better] = a.eventId < b.eventId ? [bob, alice] : [alice, bob];
    const winningName = a.eventId < b.eventId ? "Food bank (Ada)" : "Food bank (Ben)";
    await worse.deliver(8_000);
    await carol.sync();
    expect((await view(carol, g.id)).name).not.toBe(winningName);
    expect((await view(carol, g.id)).epoch).toBe(a.baseEpoch + 1);

    await better.deliver(8_000);
    await carol.sync();
    expect((await view(carol, g.id)).name).toBe(winningName);
    expect((await view(carol, g.id)).epoch).toBe(a.baseEpoch + 1);

    // Everyone converges; the losing rename is proposed again on top of the winner.
    for (let i = 0; i < 3; i++) for (const c of [alice, bob, carol]) await c.sync();
    const views = [await view(alice, g.id), await view(bob, g.id), await view(carol, g.id)];
    expect(views[1]).toEqual(views[0]);
    expect(views[2]).toEqual(views[0]);
    expect(views[0]?.epoch).toBe(a.baseEpoch + 2);
    for (const c of [alice, bob, carol]) expect((await c.groupsSvc.record(g.id)).pending).toBeNull();

    await carol.sendChat(g.id, "still one group");
    await carol.deliver(8_000);
    for (const c of [alice, bob]) {
      await c.sync();
      expect((await c.chat(g.id)).map((m) => m.text)).toContain("still one group");
    }
  });

  it("a better commit arriving after the group went on from the applied one does not split it", async () => {
    const alice = await person("Abe");
    const bob = await person("Bea");
    const carol = await person("Cy");
    const g = await alice.createGroup({ name: "Allotment" });
    await alice.invite(g.id, await npub(bob));
    await alice.invite(g.id, await npub(carol));
    await acceptAll(bob);
    await acceptAll(carol);
    await alice.setAdmin(g.id, await npub(bob), true);
    for (const c of [alice, bob, carol]) await c.sync();

    const a = await alice.core.exclusive(() =>
      alice.groupsSvc.propose(g.id, { type: "data", patch: { name: "Allotment (Abe)" } }),
    );
    const b = await bob.core.exclusive(() =>
      bob.groupsSvc.propose(g.id, { type: "data", patch: { name: "Allotment (Bea)" } }),
    );
    const [worse, better] = a.eventId < b.eventId ? [bob, alice] : [alice, bob];
    const worseName = a.eventId < b.eventId ? "Allotment (Bea)" : "Allotment (Abe)";
    // The worse commit reaches the relay alone; its author and Cy go on from it and Cy writes.
    await worse.deliver(8_000);
    await worse.sync();
    await carol.sync();
    expect((await view(carol, g.id)).name).toBe(worseName);
    await carol.sendChat(g.id, "written after the rename");
    await carol.deliver(8_000);

    // Only now does the better-ranked commit arrive: the group already went on, so it loses.
    await better.deliver(8_000);
    for (let i = 0; i < 3; i++) for (const c of [alice, bob, carol]) await c.sync();
    const views = [await view(alice, g.id), await view(bob, g.id), await view(carol, g.id)];
    expect(views[1]).toEqual(views[0]);
    expect(views[2]).toEqual(views[0]);
    for (const c of [alice, bob]) {
      expect((await c.chat(g.id)).map((m) => m.text)).toContain("written after the rename");
    }
  });
});
