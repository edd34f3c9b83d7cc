/**
 * Names are dated to the second and the newest wins. A device whose person renames themselves
 * within the same second as its last name (joining sends one) dates the new name a second later,
 * so every member shows the new name — never either one at random. Over a real relay, with Alice's
 * and Bob's devices on one clock that runs a hundred times slower than real time, so that everything
 * they do falls in the same second.
 */
import { describe, expect, it } from "vitest";
import { groupWith, npubOf, person, useWorld } from "../world.ts";

const w = useWorld("send-names");

describe("renaming within one second", { timeout: 180_000 }, () => {
  it("each new name comes after the last one on every device", async () => {
    const start = Date.now();
    // Date.now() + offsetMs moves one second for every hundred real ones.
    const slow = {
      get offsetMs() {
        return start + (Date.now() - start) / 100 - Date.now();
      },
    };
    const alice = await person(w, "Alice", slow);
    const bob = await person(w, "Bob", slow);
    const g = await groupWith(alice, [bob], "Same Second");
    const bobNpub = await npubOf(bob);
    // Each rename would tie with the one before on a device that dated names by its clock alone;
    // a tie is broken by id, so three in a row hold by chance one time in eight.
    for (const name of ["Robert", "Rob", "Bobby"]) {
      await bob.setName(name);
      await bob.deliver(8_000);
      await alice.sync();
      for (const c of [alice, bob]) {
        expect((await c.members(g)).find((m) => m.npub === bobNpub)?.name).toBe(name);
      }
    }
  });
});
