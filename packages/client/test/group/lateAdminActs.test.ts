/**
 * Late admin acts over a real relay (issue 8 item 2, review F2): an admin demoted while offline
 * keeps the old epoch's keys and deletes a member's message in that epoch. Members who had already
 * seen the demotion, and a member who reads the demotion and the deletion in one fetch, both keep
 * the message; a deletion the same admin made while still an admin, read in time, stands.
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { envelopeOf } from "../../src/group/appViews.ts";
import type { Rally } from "../../src/rallyClient.ts";
import {
  acceptAll,
  npubOf as npub,
  person as personIn,
  startWorld,
  stopWorld,
  type World,
} from "../world.ts";

let w: World;
const person = (name: string): Promise<Rally> => personIn(w, name);

beforeAll(async () => {
  w = await startWorld("late-admin");
}, 600_000);

afterAll(async () => {
  await stopWorld(w);
});

describe("late admin acts", { timeout: 300_000 }, () => {
  it("F2: a demoted admin's deletion sent in the old epoch has no effect; earlier ones stand", async () => {
    const alice = await person("Alice");
    const bob = await person("Bob");
    const carol = await person("Carol");
    const dan = await person("Dan");
    const g = await alice.createGroup({ name: "Tenants" });
    for (const p of [bob, carol, dan]) {
      await alice.invite(g.id, await npub(p));
      await acceptAll(p);
      await alice.sync();
    }
    await alice.setAdmin(g.id, await npub(bob), true);
    await alice.deliver(8_000);
    for (const p of [bob, carol, dan, alice]) await p.sync();

    // While Bob is an admin he deletes one of Carol's messages; everyone reads it in time.
    const first = await carol.sendChat(g.id, "rent strike vote on Friday");
    const second = await carol.sendChat(g.id, "bring your lease");
    await carol.deliver(8_000);
    await bob.sync();
    await bob.deleteMessage(g.id, first.id);
    await bob.deliver(8_000);
    for (const p of [alice, carol, dan]) await p.sync();
    expect((await dan.chat(g.id)).find((m) => m.id === first.id)?.deleted).toBe(true);

    // Alice demotes Bob; Carol sees it, Dan stays offline, Bob does not sync.
    await alice.setAdmin(g.id, await npub(bob), false);
    await alice.deliver(8_000);
    await carol.sync();

    // Bob's device still believes it is an admin and deletes Carol's other message in the old epoch.
    await bob.deleteMessage(g.id, second.id);
    await bob.deliver(8_000);

    await alice.sync();
    await carol.sync();
    await dan.sync(); // reads the demotion and Bob's deletion in one fetch
    for (const p of [alice, carol, dan]) {
      const chat = await p.chat(g.id);
      expect(chat.find((m) => m.id === second.id)).toMatchObject({
        deleted: false,
        text: "bring your lease",
      });
      // Demoting Bob later does not undo what he did while he was an admin.
      expect(chat.find((m) => m.id === first.id)?.deleted).toBe(true);
    }

    // The stored envelope of Bob's late deletion records the receipt facts.
    const rows = await carol.core.store.rumors({ group: g.id, kinds: [5] });
    const envs = rows.map((r) => envelopeOf(r)!);
    const late = envs.find((e) => e.r.tags.some((t) => t[1] === second.id));
    expect(late).toMatchObject({ l: true });
    expect(typeof late?.t).toBe("number");
    expect(envs.find((e) => e.r.tags.some((t) => t[1] === first.id))).toMatchObject({ l: false });
  });
});
