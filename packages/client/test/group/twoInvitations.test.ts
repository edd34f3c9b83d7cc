/**
 * Two invitations into one group waiting on a device (invited, removed while still invited, and
 * invited again while the device was away), over a real relay: whichever welcome the device reads
 * first, the invitation it keeps is the later one, so accepting it joins the group for good.
 */
import { unwrapWelcome } from "@rally/protocol/wire";
import { describe, expect, it } from "vitest";
import { processWelcomes } from "../../src/sync/welcomes.ts";
import { acceptAll, chatTexts, groupWith, memberKeys, npubOf, person, pubkeyOf, useWorld } from "../world.ts";

const w = useWorld("two-invitations");

describe("two invitations into one group", { timeout: 300_000 }, () => {
  it("invited, removed while invited and invited again while away: Bob joins by the later invitation, whichever he reads first", async () => {
    for (const order of ["later first", "earlier first"] as const) {
      const alice = await person(w, "Alice");
      const bob = await person(w, "Bob");
      const carol = await person(w, "Carol");
      const g = await groupWith(alice, [bob, carol], "Allotment");

      await alice.remove(g, await npubOf(bob));
      w.clock.offsetMs += 2_000;
      await alice.invite(g, await npubOf(bob));
      await alice.remove(g, await npubOf(bob));
      w.clock.offsetMs += 2_000;
      await alice.invite(g, await npubOf(bob));

      // Both welcomes reach Bob's device in one sync, in whatever order the relay gives: read them
      // here in each order (the welcome of the first set-up is already behind him).
      const me = await pubkeyOf(bob);
      const { events } = await bob.core.transport.fetch(
        bob.core.transport.identity,
        [w.relay.url],
        [{ kinds: [1059], "#p": [me] }],
      );
      const { secretKey } = bob.core.requireSecrets();
      const dated = events
        .map((e) => ({ e, at: unwrapWelcome(e, secretKey).createdAt }))
        .sort((a, b) => a.at - b.at)
        .slice(-2)
        .map((x) => x.e);
      expect(dated).toHaveLength(2);
      await bob.core.exclusive(() =>
        processWelcomes(bob.groupsSvc, order === "later first" ? [...dated].reverse() : dated),
      );

      await acceptAll(bob);
      await bob.sync();
      expect((await bob.groupsSvc.record(g)).status, `Bob's device (${order})`).toBe("active");
      await bob.sendChat(g, `here (${order})`);
      await bob.deliver(8_000);
      await alice.sync();
      await carol.sync();
      const everyone = (await Promise.all([alice, bob, carol].map(pubkeyOf))).sort();
      for (const c of [alice, bob, carol]) {
        expect(await memberKeys(c, g)).toEqual(everyone);
        if (c !== bob) expect(await chatTexts(c, g)).toContain(`here (${order})`);
      }
    }
  });
});
