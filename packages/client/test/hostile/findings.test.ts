/**
 * Regression tests for the review's findings on group authority (security review 2026-12: F1, F2,
 * F6, F8, F13), end to end: real clients with SQLite homes, one real relay process, and a member
 * acting through the hostile harness, which publishes straight to the relay what Rally's client
 * would never send.
 */
import { buildChatMessage, buildDeletion, buildProfileRumor } from "@rally/protocol/app";
import { generateSecretKey, getPublicKey } from "nostr-tools/pure";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { Rally } from "../../src/rallyClient.ts";
import {
  acceptAll,
  groupWith,
  Hostile,
  npubOf,
  person,
  pubkeyOf,
  startWorld,
  stopWorld,
  viewOf,
  type World,
} from "./harness.ts";

let w: World;

beforeAll(async () => {
  w = await startWorld("findings");
}, 120_000);

afterAll(async () => {
  await stopWorld(w);
});

async function syncAll(cs: Rally[], rounds = 2): Promise<void> {
  for (let i = 0; i < rounds; i++) for (const c of cs) await c.sync();
}

async function chatTexts(c: Rally, group: string): Promise<string[]> {
  return (await c.chat(group)).filter((m) => !m.deleted).map((m) => m.text);
}

describe("F1: a member's proposals are refused, never committed by an admin's device", {
  timeout: 300_000,
}, () => {
  it("a take-over proposal (data naming the member sole admin) changes nothing anywhere", async () => {
    const alice = await person(w, "Alice");
    const bob = await person(w, "Bob");
    const carol = await person(w, "Carol");
    const g = await groupWith(alice, [bob, carol], "Allotment");
    const before = await viewOf(carol, g);
    const mallory = new Hostile(bob);
    await mallory.snapshot();

    await mallory.propose(
      g,
      mallory.dataProposal(g, {
        name: "Taken over",
        admins: [await pubkeyOf(bob)],
        relays: ["ws://relay.bob.example"],
      }),
    );
    await syncAll([alice, bob, carol]);
    // An admin's own later change must not carry the member's proposal along either.
    await alice.updateGroup(g, { description: "Plots 1-12" });
    await syncAll([alice, bob, carol]);

    const expected = { ...before, description: "Plots 1-12" };
    for (const c of [alice, carol]) expect(await viewOf(c, g)).toEqual(expected);
    expect(before.admins).toEqual([await pubkeyOf(alice)]);
  });

  it("a proposal to remove another member is refused: everyone stays", async () => {
    const alice = await person(w, "Alice");
    const bob = await person(w, "Bob");
    const carol = await person(w, "Carol");
    const g = await groupWith(alice, [bob, carol], "Choir");
    const before = await viewOf(carol, g);
    const mallory = new Hostile(bob);
    await mallory.snapshot();

    await mallory.propose(g, mallory.removeProposal(g, await pubkeyOf(carol)));
    await syncAll([alice, bob, carol]);
    await alice.updateGroup(g, { name: "Choir (Tuesdays)" });
    await syncAll([alice, bob, carol]);

    const expected = { ...before, name: "Choir (Tuesdays)" };
    for (const c of [alice, carol]) expect(await viewOf(c, g)).toEqual(expected);
    expect(before.members).toContain(await pubkeyOf(carol));
  });

  it("a member's own commit of an Add or a data change is refused", async () => {
    const alice = await person(w, "Alice");
    const bob = await person(w, "Bob");
    const carol = await person(w, "Carol");
    const g = await groupWith(alice, [bob, carol], "Reading group");
    const before = await viewOf(carol, g);
    const mallory = new Hostile(bob);
    await mallory.snapshot();

    await mallory.commit(g, { proposals: [await mallory.addProposal()] });
    await mallory.commit(g, { proposals: [mallory.dataProposal(g, { admins: [await pubkeyOf(bob)] })] });
    await syncAll([alice, carol]);

    for (const c of [alice, carol]) expect(await viewOf(c, g)).toEqual(before);
    await alice.sendChat(g, "still ours");
    await alice.deliver(8_000);
    await carol.sync();
    expect(await chatTexts(carol, g)).toContain("still ours");
  });

  it("a member's commit or proposal turning on disappearing messages is refused by everyone", async () => {
    const alice = await person(w, "Alice");
    const bob = await person(w, "Bob");
    const carol = await person(w, "Carol");
    const g = await groupWith(alice, [bob, carol], "Tenants' archive");
    const mallory = new Hostile(bob);
    await mallory.snapshot();

    // As a commit of his own, and as a proposal for an admin's device to carry along.
    await mallory.commit(g, { proposals: [mallory.dataProposal(g, { disappearAfter: 3600 })] });
    await mallory.propose(g, mallory.dataProposal(g, { disappearAfter: 86_400 }));
    await syncAll([alice, carol]);
    await alice.updateGroup(g, { description: "Minutes since 2019" });
    await syncAll([alice, bob, carol]);

    for (const c of [alice, carol]) {
      expect((await c.groups()).find((s) => s.id === g)?.disappearAfter).toBeNull();
      const history = await c.chatHistory(g);
      expect(history.some((e) => e.type === "notice" && e.notice === "disappearing")).toBe(false);
    }
    await alice.sendChat(g, "kept");
    await alice.deliver(8_000);
    await carol.sync();
    expect(await chatTexts(carol, g)).toContain("kept");
  });
});

describe("F2: a removed admin's messages in retained epochs have no effect", { timeout: 300_000 }, () => {
  it("a backdated chat message and a deletion of Carol's message, sent after removal, change nothing", async () => {
    const alice = await person(w, "Alice");
    const bob = await person(w, "Bob");
    const carol = await person(w, "Carol");
    const g = await groupWith(alice, [bob, carol], "Tenants");
    const mallory = new Hostile(bob);
    await alice.setAdmin(g, await npubOf(bob), true);
    await mallory.sync();
    await carol.sync();
    await carol.sendChat(g, "rent strike vote on Friday");
    await carol.deliver(8_000);
    await mallory.sync();
    const carolMsg = (await bob.chat(g)).find((m) => m.text === "rent strike vote on Friday");
    expect(carolMsg).toBeDefined();
    const bobPk = await pubkeyOf(bob);
    const epochE = mallory.epochs(g)[0] as number;

    // Control: while Bob is a member, the harness's messages in this epoch are read by everyone.
    await mallory.send(
      g,
      buildChatMessage({ pubkey: bobPk, createdAt: bob.core.now(), text: "hello from Bob" }),
    );
    await syncAll([alice, carol], 1);
    expect(await chatTexts(carol, g)).toContain("hello from Bob");

    // Alice removes Bob; Bob never syncs again and keeps his state of epoch E.
    await alice.remove(g, await npubOf(bob));
    await carol.sync();
    const removedAt = (await carol.groupsSvc.record(g)).removedAt[bobPk] ?? carol.core.now();
    expect((await viewOf(carol, g)).members).not.toContain(bobPk);

    await mallory.send(
      g,
      buildChatMessage({ pubkey: bobPk, createdAt: removedAt - 60, text: "meeting moved to my place" }),
      { epoch: epochE, createdAt: removedAt - 60 },
    );
    await mallory.send(
      g,
      buildDeletion({ pubkey: bobPk, createdAt: removedAt - 60, targets: [{ id: carolMsg!.id, kind: 9 }] }),
      { epoch: epochE, createdAt: removedAt - 60 },
    );
    await syncAll([alice, carol]);

    for (const c of [alice, carol]) {
      const chat = await c.chat(g);
      expect(chat.map((m) => m.text)).not.toContain("meeting moved to my place");
      expect(chat.find((m) => m.id === carolMsg!.id)?.deleted).toBe(false);
    }
  });
});

describe("F2: a removed member cannot write to devices that were offline", { timeout: 300_000 }, () => {
  it("a device catching up reads the removal and the removed member's later message together: the message is refused", async () => {
    const alice = await person(w, "Alice");
    const bob = await person(w, "Bob");
    const carol = await person(w, "Carol");
    const dan = await person(w, "Dan");
    const g = await groupWith(alice, [bob, carol, dan], "Band");
    const mallory = new Hostile(bob);
    await mallory.snapshot();
    const epochE = mallory.epochs(g)[0] as number;
    const bobPk = await pubkeyOf(bob);

    // Dan's device is off from here on.
    await alice.remove(g, await npubOf(bob));
    await carol.sync();
    const removedAt = (await carol.groupsSvc.record(g)).removedAt[bobPk] ?? carol.core.now();
    await mallory.send(
      g,
      buildChatMessage({ pubkey: bobPk, createdAt: removedAt - 300, text: "gig cancelled, stay home" }),
      { epoch: epochE, createdAt: removedAt - 300 },
    );
    await syncAll([alice, carol, dan]);
    for (const c of [alice, carol, dan]) {
      expect((await viewOf(c, g)).members).not.toContain(bobPk);
      expect(await chatTexts(c, g)).not.toContain("gig cancelled, stay home");
    }
  });

  it("the same when the message is in an older epoch than the removal's, read before the device reaches the removal", async () => {
    const alice = await person(w, "Alice");
    const bob = await person(w, "Bob");
    const carol = await person(w, "Carol");
    const dan = await person(w, "Dan");
    const g = await groupWith(alice, [bob, carol, dan], "Choir");
    const mallory = new Hostile(bob);
    await mallory.snapshot();
    const epochE = mallory.epochs(g)[0] as number;
    const bobPk = await pubkeyOf(bob);

    // Dan's device is off; the group moves on twice, the second time removing Bob.
    await alice.updateGroup(g, { name: "Choir (autumn)" });
    await alice.remove(g, await npubOf(bob));
    await carol.sync();
    expect((await carol.groupsSvc.record(g)).epoch).toBe(epochE + 2);
    const removedAt = (await carol.groupsSvc.record(g)).removedAt[bobPk] ?? carol.core.now();
    // Bob writes in epoch E, two commits before his removal.
    await mallory.send(
      g,
      buildChatMessage({ pubkey: bobPk, createdAt: removedAt - 600, text: "rehearsal moved to Sunday" }),
      { epoch: epochE, createdAt: removedAt - 600 },
    );
    await syncAll([alice, carol, dan]);
    for (const c of [alice, carol, dan]) {
      expect((await viewOf(c, g)).members).not.toContain(bobPk);
      expect(await chatTexts(c, g)).not.toContain("rehearsal moved to Sunday");
    }
  });
});

describe("F2: refusing removed members' late messages keeps what they wrote while in", {
  timeout: 300_000,
}, () => {
  it("a message written before its author left still reaches a device that was offline, as it reached the others", async () => {
    const alice = await person(w, "Alice");
    const bob = await person(w, "Bob");
    const carol = await person(w, "Carol");
    const dan = await person(w, "Dan");
    const g = await groupWith(alice, [bob, carol, dan], "Orchard");
    // Dan's device is off from here on. Carol writes (a minute before she leaves, by her clock),
    // Alice reads it, then Carol leaves and Alice's device commits it.
    w.clock.offsetMs = -60_000;
    try {
      await carol.sendChat(g, "thanks all, moving away");
    } finally {
      w.clock.offsetMs = 0;
    }
    await carol.deliver(8_000);
    await alice.sync();
    expect(await chatTexts(alice, g)).toContain("thanks all, moving away");
    await carol.leave(g);
    await carol.deliver(8_000);
    await syncAll([alice, bob]);
    expect((await viewOf(alice, g)).members).not.toContain(await pubkeyOf(carol));

    await syncAll([dan, alice, bob]);
    expect((await viewOf(dan, g)).members).not.toContain(await pubkeyOf(carol));
    for (const c of [alice, bob, dan]) expect(await chatTexts(c, g)).toContain("thanks all, moving away");
  });
});

describe("F2: a demoted admin's late acts have no effect", { timeout: 300_000 }, () => {
  it("a deletion of Carol's message sent in the epoch where Bob was still an admin, after his demotion, changes nothing", async () => {
    const alice = await person(w, "Alice");
    const bob = await person(w, "Bob");
    const carol = await person(w, "Carol");
    const g = await groupWith(alice, [bob, carol], "Street party");
    const mallory = new Hostile(bob);
    await alice.setAdmin(g, await npubOf(bob), true);
    await carol.sync();
    await carol.sendChat(g, "bunting from the hall");
    await carol.deliver(8_000);
    await mallory.sync();
    const carolMsg = (await bob.chat(g)).find((m) => m.text === "bunting from the hall");
    expect(carolMsg).toBeDefined();
    const adminEpoch = mallory.epochs(g)[0] as number;

    await alice.setAdmin(g, await npubOf(bob), false);
    await syncAll([alice, carol], 1);
    const demotedAt = alice.core.now();
    await mallory.send(
      g,
      buildDeletion({
        pubkey: await pubkeyOf(bob),
        createdAt: demotedAt - 120,
        targets: [{ id: carolMsg!.id, kind: 9 }],
      }),
      { epoch: adminEpoch, createdAt: demotedAt - 120 },
    );
    await syncAll([alice, carol]);
    for (const c of [alice, carol])
      expect((await c.chat(g)).find((m) => m.id === carolMsg!.id)?.deleted).toBe(false);
  });
});

describe("F2: removal is judged by epoch, not by the author's clock", { timeout: 300_000 }, () => {
  it("a message written before its author's removal stays, even from a clock a few seconds ahead", async () => {
    const alice = await person(w, "Alice");
    const bob = await person(w, "Bob");
    const carol = await person(w, "Carol");
    const g = await groupWith(alice, [bob, carol], "Lunch run");
    // Phones disagree by seconds: Carol's clock is ahead when she writes (as much as a removal in
    // the same second as her message).
    w.clock.offsetMs = 20_000;
    try {
      await carol.sendChat(g, "written while still in");
    } finally {
      w.clock.offsetMs = 0;
    }
    await carol.deliver(8_000);
    await alice.sync();
    await alice.remove(g, await npubOf(carol));
    await syncAll([alice, bob]);
    // Alice read it in time: it stays though it is dated after the removal. Bob, who was behind,
    // reads it together with the removal — indistinguishable from what a removed member writes
    // later with kept keys — and does not show it: the trade for "removal ends writing".
    expect(await chatTexts(alice, g)).toContain("written while still in");
    expect(await chatTexts(bob, g)).not.toContain("written while still in");
  });
});

describe("F6: an UpdatePath cannot switch the leaf to another identity", { timeout: 300_000 }, () => {
  it("a commit whose new leaf names another identity is refused; membership is unchanged", async () => {
    const alice = await person(w, "Alice");
    const bob = await person(w, "Bob");
    const carol = await person(w, "Carol");
    const g = await groupWith(alice, [bob, carol], "Book swap");
    const before = await viewOf(carol, g);
    const epochBefore = (await carol.groupsSvc.record(g)).epoch;
    const mallory = new Hostile(bob);
    await mallory.snapshot();

    const xavier = generateSecretKey();
    await mallory.commit(g, { asIdentity: xavier });
    await syncAll([alice, carol]);

    for (const c of [alice, carol]) {
      const view = await viewOf(c, g);
      expect(view).toEqual(before);
      expect(view.members).not.toContain(getPublicKey(xavier));
      expect((await c.groupsSvc.record(g)).epoch).toBe(epochBefore);
    }
  });

  it("an Update proposal naming another identity is refused and never committed", async () => {
    const alice = await person(w, "Alice");
    const bob = await person(w, "Bob");
    const carol = await person(w, "Carol");
    const g = await groupWith(alice, [bob, carol], "Repair cafe");
    const before = await viewOf(carol, g);
    const mallory = new Hostile(bob);
    await mallory.snapshot();

    const xavier = generateSecretKey();
    await mallory.propose(g, await mallory.updateProposal(g, xavier));
    await syncAll([alice, bob, carol]);
    await alice.updateGroup(g, { description: "Saturdays" });
    await syncAll([alice, bob, carol]);

    for (const c of [alice, carol]) {
      const view = await viewOf(c, g);
      expect(view).toEqual({ ...before, description: "Saturdays" });
      expect(view.members).not.toContain(getPublicKey(xavier));
    }
  });
});

describe("F8: a member cannot block its removal with a backdated commit", { timeout: 300_000 }, () => {
  async function expectRemovalWon(cs: Rally[], removed: Rally, g: string, epoch: number) {
    const removedPk = await pubkeyOf(removed);
    const views = [];
    for (const c of cs) {
      const rec = await c.groupsSvc.record(g);
      expect(rec.epoch).toBe(epoch);
      expect(rec.pending).toBeNull();
      views.push(await viewOf(c, g));
    }
    for (const v of views) {
      expect(v).toEqual(views[0]);
      expect(v.members).not.toContain(removedPk);
    }
    expect((await removed.groupsSvc.record(g)).status).toBe("removed");
  }

  it("an empty commit for the same epoch dated before the admin's removal loses on every device", async () => {
    const alice = await person(w, "Alice");
    const bob = await person(w, "Bob");
    const carol = await person(w, "Carol");
    const g = await groupWith(alice, [bob, carol], "Food bank");
    const mallory = new Hostile(bob);
    await mallory.snapshot();
    const epochE = (await alice.groupsSvc.record(g)).epoch;

    // Alice removes Bob (her commit for epoch E is on the relay); Bob answers with an empty
    // self-update commit for epoch E dated an hour before it.
    await alice.remove(g, await npubOf(bob));
    await mallory.commit(g, { epoch: epochE, createdAt: alice.core.now() - 3600 });
    await syncAll([alice, carol, bob]);
    await expectRemovalWon([alice, carol], bob, g, epochE + 1);
    await alice.sendChat(g, "after the removal");
    await alice.deliver(8_000);
    await carol.sync();
    expect(await chatTexts(carol, g)).toContain("after the removal");
  });

  it("a device that applied the member's commit first rolls back when the admin's removal arrives", async () => {
    const alice = await person(w, "Alice");
    const bob = await person(w, "Bob");
    const carol = await person(w, "Carol");
    const g = await groupWith(alice, [bob, carol], "Cycling club");
    const mallory = new Hostile(bob);
    await mallory.snapshot();
    const epochE = (await alice.groupsSvc.record(g)).epoch;

    // Bob's empty commit for E reaches Carol before anything else: she moves to his epoch E+1.
    await mallory.commit(g, { epoch: epochE, createdAt: alice.core.now() - 3600 });
    await carol.sync();
    expect((await carol.groupsSvc.record(g)).epoch).toBe(epochE + 1);

    // Alice, who has not seen it, removes Bob on epoch E; an admin's commit ranks first.
    await alice.core.exclusive(() =>
      alice.groupsSvc.propose(g, { type: "remove", pubkeys: [bob.core.requireAccount().pubkey] }),
    );
    await alice.deliver(8_000);
    await syncAll([alice, carol, bob]);
    await expectRemovalWon([alice, carol], bob, g, epochE + 1);
    await carol.sendChat(g, "Carol still reads and writes");
    await carol.deliver(8_000);
    await alice.sync();
    expect(await chatTexts(alice, g)).toContain("Carol still reads and writes");
  });
});

describe("F8: a second commit for a settled epoch does not split the group", { timeout: 300_000 }, () => {
  it("a device that was behind follows the group, not a later commit for the same old epoch with a lower id", async () => {
    const alice = await person(w, "Alice");
    const bob = await person(w, "Bob");
    const carol = await person(w, "Carol");
    const dan = await person(w, "Dan");
    const g = await groupWith(alice, [bob, carol, dan], "Darts league");
    const mallory = new Hostile(bob);
    await mallory.snapshot();
    const epochE = (await alice.groupsSvc.record(g)).epoch;

    // Bob's own-path update for E is the only commit of E: Alice and Carol move on, and the group
    // goes on from there (Alice renames it).
    const first = await mallory.commit(g, { epoch: epochE });
    await syncAll([alice, carol], 1);
    expect((await alice.groupsSvc.record(g)).epoch).toBe(epochE + 1);
    await alice.updateGroup(g, { name: "Darts league 2027" });
    await carol.sync();

    // Later Bob publishes another commit for E, its id ground below the first one's. Dan, whose
    // device was off all along, now sees two commits for E.
    await mallory.commit(g, { epoch: epochE, idBelow: first.id });
    await syncAll([dan, alice, carol]);

    const views = [];
    for (const [who, c] of [
      ["Alice", alice],
      ["Carol", carol],
      ["Dan", dan],
    ] as const) {
      expect((await c.groupsSvc.record(g)).epoch, `${who}'s epoch`).toBe(epochE + 2);
      views.push(await viewOf(c, g));
    }
    expect(views[2]).toEqual(views[0]);
    expect(views[2]?.name).toBe("Darts league 2027");
    await alice.sendChat(g, "everyone on the same page");
    await alice.deliver(8_000);
    await dan.sync();
    expect(await chatTexts(dan, g)).toContain("everyone on the same page");
  });
});

describe("F8: a removed admin cannot undo the removal with a competing commit", { timeout: 300_000 }, () => {
  async function setUp(groupName: string) {
    const alice = await person(w, "Alice");
    const bob = await person(w, "Bob");
    const carol = await person(w, "Carol");
    const dan = await person(w, "Dan");
    const g = await groupWith(alice, [bob, carol, dan], groupName);
    const mallory = new Hostile(bob);
    await alice.setAdmin(g, await npubOf(bob), true);
    await mallory.sync();
    await carol.sync();
    await dan.sync();
    const epochE = mallory.epochs(g)[0] as number;
    // Dan's device is off from here on. Alice removes Bob, an admin of epoch E.
    await alice.remove(g, await npubOf(bob));
    await carol.sync();
    const [removal] = await mallory.commitsOf(g, epochE);
    expect(removal).toBeDefined();
    return { alice, bob, carol, dan, g, mallory, epochE, removal: removal! };
  }

  async function expectAliceWon(cs: Rally[], g: string, bob: Rally) {
    const views = [];
    const epochs = new Set<number>();
    for (const c of cs) {
      epochs.add((await c.groupsSvc.record(g)).epoch);
      views.push(await viewOf(c, g));
    }
    expect([...epochs]).toHaveLength(1);
    const stay = [];
    for (const c of cs) stay.push(await pubkeyOf(c));
    const bobPk = await pubkeyOf(bob);
    for (const v of views) {
      expect(v).toEqual(views[0]);
      expect(v.members, "Bob is not a member").not.toContain(bobPk);
      expect(v.members, "members: Alice, Carol, Dan only (no stranger)").toEqual(stay.sort());
    }
  }

  it("Bob's Add of a stranger for epoch E, id ground below Alice's removal, after the group went on", async () => {
    const { alice, bob, carol, dan, g, mallory, epochE, removal } = await setUp("Allotment society");
    await alice.sendChat(g, "Bob is no longer with us");
    await alice.deliver(8_000);
    await mallory.commit(g, {
      epoch: epochE,
      proposals: [await mallory.addProposal()],
      idBelow: removal.id,
      createdAt: removal.created_at - 60,
    });
    await syncAll([dan, alice, carol]);
    await expectAliceWon([alice, carol, dan], g, bob);
    expect(await chatTexts(dan, g)).toContain("Bob is no longer with us");
  });

  it("the same before anyone wrote in the new epoch: a removal beats a competing commit of the person it removes", async () => {
    const { alice, bob, carol, dan, g, mallory, epochE, removal } = await setUp("Credit union");
    await mallory.commit(g, {
      epoch: epochE,
      proposals: [await mallory.addProposal()],
      idBelow: removal.id,
      createdAt: removal.created_at - 60,
    });
    await syncAll([dan, alice, carol]);
    await expectAliceWon([alice, carol, dan], g, bob);
  });
});

describe("F13: names only from admins, no messages dated in the future", { timeout: 300_000 }, () => {
  it("a member's directory entry renaming another member is ignored, and a message dated a year ahead does not sort after later ones", async () => {
    // The clock runs two hours behind, so it can move forward without the relay refusing events.
    w.clock.offsetMs = -2 * 3600_000;
    try {
      const alice = await person(w, "Alice");
      const bob = await person(w, "Bob");
      const dan = await person(w, "Dan");
      const carol = await person(w, "Carol");
      const g = await groupWith(alice, [bob, dan], "Night shift");
      const mallory = new Hostile(bob);

      // Carol joins later: she learns Dan's name only from Alice's directory.
      await alice.invite(g, await npubOf(carol));
      await acceptAll(carol);
      await syncAll([alice, dan, carol], 1);
      await mallory.sync();
      const danPk = await pubkeyOf(dan);
      expect((await carol.members(g)).find((m) => m.pubkey === danPk)?.name).toBe("Dan");

      const bobPk = await pubkeyOf(bob);
      const yearAhead = bob.core.now() + 365 * 86_400;
      await mallory.send(
        g,
        buildProfileRumor({
          pubkey: bobPk,
          name: "Bob",
          createdAt: yearAhead,
          directory: new Map([[danPk, "Alice (admin)"]]),
        }),
      );
      await mallory.send(
        g,
        buildChatMessage({ pubkey: bobPk, createdAt: yearAhead, text: "pinned forever" }),
      );
      await syncAll([alice, dan, carol], 1);

      // Later (more than any allowed clock skew), Dan writes.
      w.clock.offsetMs = 0;
      await dan.sendChat(g, "a later message");
      await dan.deliver(8_000);
      await syncAll([alice, dan, carol]);

      for (const c of [alice, carol]) {
        expect((await c.members(g)).find((m) => m.pubkey === danPk)?.name).toBe("Dan");
        const texts = (await c.chat(g)).map((m) => m.text);
        const pinned = texts.indexOf("pinned forever");
        const later = texts.indexOf("a later message");
        expect(later).toBeGreaterThanOrEqual(0);
        if (pinned >= 0) expect(pinned).toBeLessThan(later);
      }
    } finally {
      w.clock.offsetMs = 0;
    }
  });
});
