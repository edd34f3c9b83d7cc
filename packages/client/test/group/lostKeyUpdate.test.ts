/**
 * A newcomer's first key update that lost its race (after a large add, newcomers' updates fall due
 * together and only one commit per epoch wins) is owed again after a fresh random wait, not proposed
 * again at once: otherwise every loser commits again in the same round and they race round after
 * round. Real clients and a real relay; the batch result is the one receiving gives a lost update.
 */
import { describe, expect, it } from "vitest";
import { type KeyUpdateDue, keyUpdateKey } from "../../src/group/keyUpdates.ts";
import { followUp } from "../../src/sync/sync.ts";
import { groupWith, person, useWorld } from "../world.ts";

const w = useWorld("lost-key-update");

describe("a newcomer's key update that lost its race", { timeout: 300_000 }, () => {
  it("is owed again after a wait instead of proposed again at once", async () => {
    const ana = await person(w, "Ana");
    const ben = await person(w, "Ben");
    const g = await groupWith(ana, [ben], "Food bank");
    const store = ben.core.store;
    await store.batch([{ op: "delete", key: keyUpdateKey(g) }]);
    const epoch = (await ben.groupsSvc.record(g)).epoch;

    await followUp(ben.groupsSvc, ben.app, g, {
      advanced: true,
      received: 0,
      adopted: null,
      repropose: { type: "update", why: "joined" },
      commitProposals: false,
      rolledBack: false,
      senderFaults: 0,
    });

    const rec = await ben.groupsSvc.record(g);
    expect(rec.pending).toBeNull();
    expect(rec.epoch).toBe(epoch);
    const owed = await store.get<KeyUpdateDue>(keyUpdateKey(g));
    expect(owed?.why).toBe("joined");
    expect(owed!.due).toBeGreaterThanOrEqual(ben.core.now() + 60);

    // When it falls due, the next sync commits it.
    w.clock.offsetMs += 2 * 3600_000;
    await ben.sync();
    await ben.deliver(8_000);
    await ana.sync();
    expect((await ana.groupsSvc.record(g)).epoch).toBeGreaterThan(epoch);
    expect(await store.get(keyUpdateKey(g))).toBeUndefined();
  });
});
