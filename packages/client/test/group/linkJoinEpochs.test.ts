/**
 * Two people in through one invite link, added by two commits in two epochs, over a real relay with
 * real clients: the first joiner's welcome is for an epoch the group has already left when their
 * device reads it, and the second joiner's is for the current one. Both read the admin's next
 * message without either of them writing first. (The same people arriving at the same moment in
 * the web app: tests/e2e/concurrentJoin.test.ts.)
 */
import { describe, expect, it } from "vitest";
import { chatTexts, person, useWorld } from "../world.ts";

const w = useWorld("link-join-epochs");

describe("two people in through one link, one commit each", { timeout: 300_000 }, () => {
  it("the first joiner's welcome is for an epoch the group left; both read the admin's next message", async () => {
    const ana = await person(w, "Ana");
    const ben = await person(w, "Ben");
    const cat = await person(w, "Cat");
    const g = await ana.createGroup({ name: "Tenants" });
    const link = await ana.createInviteLink(g.id, {});
    await ana.deliver(8_000);
    const start = (await ana.groupsSvc.record(g.id)).epoch;

    await ben.join(link.url);
    await ben.deliver(8_000);
    await ana.sync(); // Ben's request: one commit, and his welcome
    await ana.deliver(8_000);
    await cat.join(link.url);
    await cat.deliver(8_000);
    await ana.sync(); // Cat's request: a second commit, while Ben's device has not read his welcome
    await ana.deliver(8_000);
    expect((await ana.groupsSvc.record(g.id)).epoch).toBe(start + 2);
    expect(await ana.members(g.id)).toHaveLength(3);

    await ana.sendChat(g.id, "Welcome both, the meeting is on Thursday");
    await ana.deliver(8_000);
    for (const c of [ben, cat]) await c.sync();
    for (const c of [ben, cat]) {
      expect((await c.groupsSvc.record(g.id)).epoch).toBe(start + 2);
      expect(await chatTexts(c, g.id)).toContain("Welcome both, the meeting is on Thursday");
    }
  });
});
