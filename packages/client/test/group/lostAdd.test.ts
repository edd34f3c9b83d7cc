/**
 * A join request is marked "added" when the commit carrying it is proposed. When that commit lost a
 * race and its re-proposal took fewer people (a wider tree leaves less room, addBatches.ts), the
 * people left out stayed "added" and never got in. Here, over a real relay with real clients, the
 * admin's device holds an approved request in exactly that state; its next sync adds the person.
 */
import { describe, expect, it } from "vitest";
import type { JoinRequestRecord } from "../../src/group/joinRequests.ts";
import { keys } from "../../src/store/keys.ts";
import { chatTexts, person, useWorld } from "../world.ts";

const w = useWorld("lost-add");

describe("an add that lost its commit", { timeout: 300_000 }, () => {
  it("is proposed again on the admin's next sync", async () => {
    const ana = await person(w, "Ana");
    const ben = await person(w, "Ben");
    const g = await ana.createGroup({ name: "Allotment" });
    const link = await ana.createInviteLink(g.id, { approve: true });
    await ana.deliver(8_000);
    await ben.join(link.url);
    await ben.deliver(8_000);
    await ana.sync();
    const [waiting] = await ana.links.pending(g.id);
    expect(waiting).toBeDefined();

    // What a lost race leaves behind: the request says "added", Ben is not a member, and no
    // change is waiting to land.
    const key = keys.joinRequest(g.id, waiting!.id);
    const r = await ana.core.store.get<JoinRequestRecord>(key);
    await ana.core.store.batch([{ op: "put", key, value: { ...r!, state: "added" } }]);
    expect(await ana.members(g.id)).toHaveLength(1);

    await ana.sync();
    await ana.deliver(8_000);
    expect(await ana.members(g.id)).toHaveLength(2);
    await ana.sendChat(g.id, "Welcome Ben, plot 7 is yours");
    await ana.deliver(8_000);
    await ben.sync();
    expect(await chatTexts(ben, g.id)).toContain("Welcome Ben, plot 7 is yours");
  });
});
