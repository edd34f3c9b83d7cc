/**
 * A request to leave waiting for its commit, over a real relay with real clients. MLS sends no
 * application message while a proposal is pending, so until someone commits the request no member
 * who read it can write: a plain member's device commits it too, without waiting for an admin.
 */
import { describe, expect, it } from "vitest";
import { acceptAll, groupWith, npubOf, person, pubkeyOf, useWorld } from "../world.ts";

const w = useWorld("leave-request");

describe("a request to leave", { timeout: 300_000 }, () => {
  it("does not stop a plain member from writing while the admin is away", async () => {
    const alice = await person(w, "Alice");
    const bob = await person(w, "Bob");
    const carol = await person(w, "Carol");
    const g = await groupWith(alice, [bob, carol], "Allotment");

    await carol.leave(g);
    await carol.deliver(8_000);
    // Alice (the only admin) is away; Bob reads Carol's request and writes.
    await bob.sync();
    await bob.sendChat(g, "see you, Carol");
    await bob.deliver(8_000);

    await alice.sync();
    expect((await alice.chat(g)).map((m) => m.text)).toContain("see you, Carol");
    const left = (await Promise.all([alice, bob].map(pubkeyOf))).sort();
    for (const c of [alice, bob]) {
      expect((await c.members(g)).map((m) => m.pubkey).sort()).toEqual(left);
    }
  });

  it("does not stop someone from accepting an invitation, and their name reaches the group once it is committed", async () => {
    const alice = await person(w, "Alice");
    const bob = await person(w, "Bob");
    const carol = await person(w, "Carol");
    const dan = await person(w, "Dan");
    const g = await groupWith(alice, [bob, carol], "Allotment");
    await alice.invite(g, await npubOf(dan));

    // Carol asks to leave before Dan accepts: joining, his device reads her request.
    await carol.leave(g);
    await carol.deliver(8_000);
    await acceptAll(dan);
    expect((await dan.groupsSvc.record(g)).status).toBe("active");

    await dan.sync();
    await dan.sendChat(g, "hello all");
    await dan.deliver(8_000);
    await alice.sync();
    await bob.sync();
    const danKey = await pubkeyOf(dan);
    const stay = (await Promise.all([alice, bob, dan].map(pubkeyOf))).sort();
    for (const c of [alice, bob, dan]) {
      expect((await c.members(g)).map((m) => m.pubkey).sort()).toEqual(stay);
      expect((await c.members(g)).find((m) => m.pubkey === danKey)?.name).toBe("Dan");
    }
    for (const c of [alice, bob]) expect((await c.chat(g)).map((m) => m.text)).toContain("hello all");
  });
});
