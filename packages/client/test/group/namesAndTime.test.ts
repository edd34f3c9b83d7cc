/**
 * Names and message times over a real relay (review F13): a member who is not an admin sends a
 * name directory renaming another member for a newcomer, and a message dated years ahead. The
 * newcomer keeps the admin's names; the far-future message sits at its receipt time (plus the
 * allowed skew), so messages written after that come after it.
 */
import { buildChatMessage, buildProfileRumor, MAX_CLOCK_SKEW } from "@rally/protocol/app";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { Rally } from "../../src/rallyClient.ts";
import { acceptAll, person as personIn, startWorld, stopWorld, type World } from "../world.ts";

let w: World;
const person = (name: string): Promise<Rally> => personIn(w, name);

async function me(c: Rally) {
  return (await c.account())!;
}

beforeAll(async () => {
  w = await startWorld("names-time");
}, 600_000);

afterAll(async () => {
  await stopWorld(w);
});

describe("names and times from members", { timeout: 300_000 }, () => {
  it("F13: a non-admin's directory does not rename others; a far-future message does not stay last", async () => {
    const alice = await person("Alice");
    const bob = await person("Bob");
    const carol = await person("Carol");
    const erin = await person("Erin");
    const g = await alice.createGroup({ name: "Allotment" });
    for (const p of [bob, carol]) {
      await alice.invite(g.id, (await me(p)).npub);
      await acceptAll(p);
      await alice.sync();
    }
    await alice.invite(g.id, (await me(erin)).npub);
    await acceptAll(erin);
    for (const p of [alice, bob, carol]) await p.sync();

    // Bob, a plain member, names Alice and Carol for everyone, in the epoch Erin can read.
    const bobPk = (await me(bob)).pubkey;
    const alicePk = (await me(alice)).pubkey;
    const carolPk = (await me(carol)).pubkey;
    const now = bob.core.now();
    await bob.core.exclusive(() =>
      bob.groupsSvc.sendRumor(
        g.id,
        buildProfileRumor({
          pubkey: bobPk,
          name: "Bob",
          createdAt: now + 10,
          directory: new Map([
            [alicePk, "Traitor"],
            [carolPk, "Snitch"],
          ]),
        }),
      ),
    );
    // And a message dated about three years ahead, to sit at the bottom of everyone's chat.
    const pinned = buildChatMessage({ pubkey: bobPk, createdAt: now + 100_000_000, text: "read me forever" });
    await bob.core.exclusive(() => bob.groupsSvc.sendRumor(g.id, pinned));
    await bob.deliver(8_000);
    // Erin's device reads it: the message counts as written at most MAX_CLOCK_SKEW after that
    // reading. (A device reads with the relays' time, so a wrong clock on Erin's would change
    // nothing.) Carol then writes a message dated past that cap, which Erin reads a second later
    // or more: it comes after the far-future one, so that one does not stay last.
    await erin.sync();
    const readAt = erin.core.now();
    while (erin.core.now() <= readAt) await new Promise((r) => setTimeout(r, 50));
    const later = buildChatMessage({
      pubkey: carolPk,
      createdAt: carol.core.now() + MAX_CLOCK_SKEW + 60,
      text: "seedlings are in",
    });
    await carol.core.exclusive(() => carol.groupsSvc.sendRumor(g.id, later));
    await carol.deliver(8_000);
    await erin.sync();

    const names = new Map((await erin.members(g.id)).map((m) => [m.npub, m.name]));
    expect(names.get((await me(alice)).npub)).toBe("Alice");
    expect(names.get((await me(carol)).npub)).toBe("Carol");
    expect(names.get((await me(bob)).npub)).toBe("Bob");

    const chat = await erin.chat(g.id);
    const texts = chat.map((m) => m.text);
    expect(texts.indexOf("read me forever")).toBeLessThan(texts.indexOf("seedlings are in"));
    const shown = chat.find((m) => m.text === "read me forever")!;
    expect(shown.createdAt).toBeLessThanOrEqual(readAt + MAX_CLOCK_SKEW);
  });
});
