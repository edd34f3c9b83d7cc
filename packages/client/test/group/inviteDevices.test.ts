import { describe, expect, it } from "vitest";
import WebSocket from "ws";
import { TOO_MANY_DEVICES } from "../../src/group/groupService.ts";
import { dropPendingOps } from "../../src/group/mlsStore.ts";
import { loadOwedAdds } from "../../src/group/owedAdds.ts";
import { shortNpub } from "../../src/group/people.ts";
import type { WebSocketConstructor } from "../../src/net/websocket.ts";
import { nodeCryptoBackend } from "../../src/platform/node/nodeCrypto.ts";
import { openHomeVault } from "../../src/platform/node/nodeVault.ts";
import { createRallyClient } from "../../src/rallyClient.ts";
import { homeOf, npubOf, person, pubkeyOf, useWorld } from "../world.ts";
import { devicesIn, moreDevices, twoAdminsAndBen } from "./otherDevices.ts";

const w = useWorld("invite-devices");

describe("inviting a person with several devices", { timeout: 300_000 }, () => {
  it("adds every device, in as many commits as it takes", async () => {
    const ana = await person(w, "Ana");
    const ben = await person(w, "Ben");
    await moreDevices(ben, w.relay.url, 4);
    const g = await ana.createGroup({ name: "Choir" });
    ana.groupsSvc.addLimit = 2;

    const outcome = await ana.invite(g.id, await npubOf(ben));
    expect(outcome).toEqual({ devices: 5, waiting: 0, unusable: [] });
    expect(await devicesIn(ana, g.id, await pubkeyOf(ben))).toBe(5);
    expect(await loadOwedAdds(ana.core.store, g.id)).toEqual([]);
  });

  it("adds the good devices and tells the admin about one whose key package expired", async () => {
    const ana = await person(w, "Ana");
    const ben = await person(w, "Ben");
    await moreDevices(ben, w.relay.url, 2);
    await moreDevices(ben, w.relay.url, 1, {
      keyPackage: { now: Math.floor(Date.now() / 1000) - 7_200, lifetimeSeconds: 3_600 },
    });
    const g = await ana.createGroup({ name: "Allotment" });

    const outcome = await ana.invite(g.id, await npubOf(ben));
    expect(outcome.devices).toBe(3);
    expect(outcome.waiting).toBe(0);
    expect(outcome.unusable).toEqual([{ reason: "its key package has expired" }]);
    expect(await devicesIn(ana, g.id, await pubkeyOf(ben))).toBe(3);
    // Seen later too: a line in the group's chat history on Ana's device.
    const history = await ana.chatHistory(g.id);
    const lines = history.filter((e) => e.type === "notice").map((e) => e.text);
    // (Ana knows Ben by his address until he accepts and sends his name.)
    const unusable = lines.filter((l) => /^A device of .+ could not be added: /.test(l));
    expect(unusable).toEqual([
      `A device of ${shortNpub(await pubkeyOf(ben))} could not be added: its key package has expired`,
    ]);
  });

  it("remembers the devices still to add across a restart and adds them at the next sync", async () => {
    const ana = await person(w, "Ana");
    const ben = await person(w, "Ben");
    await moreDevices(ben, w.relay.url, 3);
    const g = await ana.createGroup({ name: "Orchard" });
    const benKey = await pubkeyOf(ben);
    ana.groupsSvc.addLimit = 2;

    // The first commit only, as a command that stops before the others would leave it.
    const rec = await ana.groupsSvc.record(g.id);
    const found = await ana.groupsSvc.findDevices(rec, benKey);
    expect(found.invitees).toHaveLength(4);
    await ana.core.exclusive(() => ana.groupsSvc.propose(g.id, { type: "add", invitees: found.invitees }));
    expect(await loadOwedAdds(ana.core.store, g.id)).toHaveLength(2);

    // The app restarts; its next syncs settle the first commit and add the rest.
    await ana.close();
    w.clients = w.clients.filter((c) => c !== ana);
    const again = await createRallyClient({
      store: await openHomeVault(homeOf(ana)),
      WebSocket: WebSocket as unknown as WebSocketConstructor,
      mlsCrypto: nodeCryptoBackend(),
      fetchTimeoutMs: 8_000,
      nowMs: () => Date.now() + w.clock.offsetMs,
    });
    w.clients.push(again);
    expect(await loadOwedAdds(again.core.store, g.id)).toHaveLength(2);
    for (let i = 0; i < 3 && (await devicesIn(again, g.id, benKey)) < 4; i++) await again.sync();
    expect(await devicesIn(again, g.id, benKey)).toBe(4);
    expect(await loadOwedAdds(again.core.store, g.id)).toEqual([]);
  });

  it("adds a member's further devices again when the commit carrying them lost a race", async () => {
    const { ana, cy, ben, g, benKey } = await twoAdminsAndBen(w);
    expect(await devicesIn(ana, g.id, benKey)).toBe(1);

    // Ben has two more devices; Ana adds them while Cy, on the same epoch, renames the group with a
    // commit that wins (the lower event id: Cy's is made again until it is lower).
    await moreDevices(ben, w.relay.url, 2);
    const found = await ana.groupsSvc.findDevices(await ana.groupsSvc.record(g.id), benKey);
    expect(found.invitees).toHaveLength(2);
    const mine = await ana.core.exclusive(() =>
      ana.groupsSvc.propose(g.id, { type: "add", invitees: found.invitees }),
    );
    const realNow = cy.core.now;
    const start = cy.core.now();
    for (let i = 0; ; i++) {
      cy.core.now = () => start - i;
      const theirs = await cy.core.exclusive(() =>
        cy.groupsSvc.propose(g.id, { type: "data", patch: { name: "Tenants' Union" } }),
      );
      if (theirs.eventId < mine.eventId) break;
      await cy.core.exclusive(async () => {
        await cy.core.transport.outbox.discard(theirs.eventId);
        const rec = await cy.groupsSvc.record(g.id);
        await cy.core.store.batch([
          ...dropPendingOps(g.id),
          cy.groupsSvc.putRecord({ ...rec, pending: null }),
        ]);
      });
    }
    cy.core.now = realNow;
    await cy.deliver(8_000);
    await cy.sync();

    for (let i = 0; i < 3 && (await devicesIn(ana, g.id, benKey)) < 3; i++) await ana.sync();
    expect((await ana.groupsSvc.record(g.id)).name).toBe("Tenants' Union");
    expect(await devicesIn(ana, g.id, benKey)).toBe(3);
  });

  it("adds at most 16 devices of one person, the newest, and names the others as not added", async () => {
    const ana = await person(w, "Ana");
    const ben = await person(w, "Ben");
    await moreDevices(ben, w.relay.url, 19);
    const g = await ana.createGroup({ name: "Federation" });
    ana.groupsSvc.addLimit = 6;

    const outcome = await ana.invite(g.id, await npubOf(ben));
    const tooMany = { reason: TOO_MANY_DEVICES };
    expect(outcome).toEqual({ devices: 16, waiting: 0, unusable: [tooMany, tooMany, tooMany, tooMany] });
    expect(await devicesIn(ana, g.id, await pubkeyOf(ben))).toBe(16);
    // Six a commit: three commits (creation is epoch 0).
    expect((await ana.groupsSvc.record(g.id)).epoch).toBe(3);
    expect(await loadOwedAdds(ana.core.store, g.id)).toEqual([]);
    // Invited again, nothing more is added: the group holds as many of his devices as it may.
    await expect(ana.invite(g.id, await npubOf(ben))).rejects.toThrow(/already in/);
  });
});
