/**
 * Someone removed and invited back, over a real relay with real clients: everyone reads what they
 * write once they are back, whether or not their device saw the removal before the new invitation
 * arrived. (membershipChaos.property.test.ts covers the same ground with random sequences.)
 */
import { describe, expect, it } from "vitest";
import { acceptAll, chatTexts, groupWith, memberKeys, npubOf, person, pubkeyOf, useWorld } from "../world.ts";

const w = useWorld("reinvite");

describe("a removed member invited back", { timeout: 300_000 }, () => {
  it("after Bob saw his removal, Alice and Carol both read what he writes once he is back", async () => {
    const alice = await person(w, "Alice");
    const bob = await person(w, "Bob");
    const carol = await person(w, "Carol");
    const g = await groupWith(alice, [bob, carol], "Allotment");

    await alice.remove(g, await npubOf(bob));
    await bob.sync();
    expect((await bob.groupsSvc.record(g)).status).toBe("removed");
    await carol.sync();

    await alice.invite(g, await npubOf(bob));
    await acceptAll(bob);
    expect((await bob.groupsSvc.record(g)).status).toBe("active");
    // Back in the group, he gives himself a new name (a moment later: names are dated to the
    // second, and the one he stated on joining must not tie with it) and writes.
    w.clock.offsetMs += 2_000;
    await bob.setName("Robert");
    await bob.sendChat(g, "back again");
    await bob.deliver(8_000);

    // Alice reads him at once: his message, and the name he gave himself after coming back.
    await alice.sync();
    const seen = (await alice.chat(g)).find((m) => m.text === "back again");
    expect(seen?.authorName).toBe("Robert");
    const everyone = (await Promise.all([alice, bob, carol].map(pubkeyOf))).sort();
    for (const c of [alice, bob]) expect(await memberKeys(c, g)).toEqual(everyone);

    // He leaves; Carol's device, which was behind, reads his message together with the commit of
    // his leaving. Someone who chose to leave is not a removed person: what he wrote stays.
    await bob.leave(g);
    await bob.deliver(8_000);
    await alice.sync();
    await carol.sync();
    const bobKey = await pubkeyOf(bob);
    for (const c of [alice, carol]) {
      expect(await memberKeys(c, g)).toEqual(everyone.filter((p) => p !== bobKey));
      const m = (await c.chat(g)).find((x) => x.text === "back again");
      expect(m, `${(await c.account())?.name} reads "back again"`).toBeDefined();
      expect(m?.authorName).toBe("Robert");
    }
  });

  it("invited again before his device saw the removal, Bob gets the invitation, joins, reads and writes", async () => {
    const alice = await person(w, "Alice");
    const bob = await person(w, "Bob");
    const carol = await person(w, "Carol");
    const g = await groupWith(alice, [bob, carol], "Allotment");

    // Bob's device is away while Alice removes him and invites him back.
    await alice.remove(g, await npubOf(bob));
    await alice.invite(g, await npubOf(bob));
    await alice.sendChat(g, "welcome back, Bob");
    await alice.deliver(8_000);

    await bob.sync();
    const invites = await bob.invites();
    const rec = await bob.groupsSvc.record(g).catch(() => null);
    // The invitation is there to accept (or the device is already in the group again).
    expect(
      invites.some((i) => i.id === g) || rec?.status === "active",
      `Bob's invitations: ${JSON.stringify(invites)}, his record: ${rec?.status}`,
    ).toBe(true);
    for (const inv of invites) await bob.acceptInvite(inv.id);
    await bob.deliver(8_000);
    await bob.sync();
    expect((await bob.groupsSvc.record(g)).status).toBe("active");
    expect(await chatTexts(bob, g)).toContain("welcome back, Bob");

    await bob.sendChat(g, "glad to be back");
    await bob.deliver(8_000);
    await alice.sync();
    await carol.sync();
    expect(await chatTexts(alice, g)).toContain("glad to be back");
    expect(await chatTexts(carol, g)).toContain("glad to be back");
    const everyone = (await Promise.all([alice, bob, carol].map(pubkeyOf))).sort();
    for (const c of [alice, bob, carol]) expect(await memberKeys(c, g)).toEqual(everyone);
  });
});
