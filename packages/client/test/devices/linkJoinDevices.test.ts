// A person with two devices joins a group through an invite link from one of them: the admin lets
// in the device that asked, and that device adds the person's other device (group/ownDevices.ts).
// A device of the person's that is in none of their groups (lost, or never used) is not added.
import { describe, expect, it } from "vitest";
import { devicesInEveryGroup } from "../../src/group/ownDevices.ts";
import { devicesIn, moreDevices } from "../group/otherDevices.ts";
import { chatTexts, groupWith, person, pubkeyOf, useWorld } from "../world.ts";
import { linkedDevice } from "./linkDevices.ts";

const w = useWorld("link-join-devices");

describe("joining through a link with two devices", { timeout: 300_000 }, () => {
  it("the device let in adds the person's other device; one in no group stays out", async () => {
    const alice = await person(w, "Alice");
    const bob = await person(w, "Bob");
    await groupWith(alice, [bob], "Tenants");
    const laptop = await linkedDevice(w, alice, "Laptop", 1);
    // A key package of a device of Alice's that is in none of her groups (a phone lost long ago).
    await moreDevices(alice, w.relay.url, 1);
    const me = await pubkeyOf(alice);

    const g = await bob.createGroup({ name: "Bikes" });
    const link = await bob.createInviteLink(g.id, {});
    await bob.deliver(8_000);
    await alice.join(link.url);
    await alice.deliver(8_000);
    await bob.sync(); // lets Alice's device in
    await bob.deliver(8_000);
    for (let i = 0; i < 3; i++) {
      await alice.sync(); // joins, then adds her laptop
      await alice.deliver(8_000);
      await laptop.sync(); // joins at once: the welcome comes from Alice's own device
    }
    expect((await laptop.groups()).map((x) => x.name)).toContain("Bikes");
    await bob.sync();
    expect(await devicesIn(bob, g.id, me)).toBe(2);

    // Both read and write; Bob sees the device added.
    await bob.sendChat(g.id, "Ride on Sunday");
    await bob.deliver(8_000);
    await laptop.sync();
    await alice.sync();
    expect(await chatTexts(laptop, g.id)).toContain("Ride on Sunday");
    expect(await chatTexts(alice, g.id)).toContain("Ride on Sunday");
    await laptop.sendChat(g.id, "I'll bring the pump");
    await laptop.deliver(8_000);
    await bob.sync();
    expect(await chatTexts(bob, g.id)).toContain("I'll bring the pump");
    const notices = (await bob.chatHistory(g.id))
      .filter((e) => e.type === "notice")
      .map((e) => ("text" in e ? e.text : ""));
    expect(notices).toContain("Alice added a device");

    // Nothing more on later rounds: the lost device's key package stays unused.
    for (let i = 0; i < 2; i++) {
      await alice.sync();
      await laptop.sync();
    }
    await bob.sync();
    expect(await devicesIn(bob, g.id, me)).toBe(2);
  });
});

describe("which devices are the person's", () => {
  const me = "a".repeat(64);
  const other = "b".repeat(64);
  const tree = (...entries: [string, string[]][]) =>
    entries.map(([pubkey, devices]) => ({
      pubkey,
      devices: devices.map((d) => ({ signaturePublicKey: d })),
    }));

  it("only those in every other group, this device left out", () => {
    const trees = [
      tree([me, ["mine", "laptop", "tablet"]], [other, ["x"]]),
      tree([me, ["mine", "laptop"]], [other, ["x"]]),
    ];
    expect([...devicesInEveryGroup(trees, me, "mine")]).toEqual(["laptop"]);
  });

  it("a device replaced in one group by a recovery (a seized phone) is not one of them", () => {
    const trees = [tree([me, ["mine", "seized"]]), tree([me, ["mine"]])];
    expect([...devicesInEveryGroup(trees, me, "mine")]).toEqual([]);
  });

  it("none without other groups, or in a group where the person is not", () => {
    expect([...devicesInEveryGroup([], me, "mine")]).toEqual([]);
    expect([...devicesInEveryGroup([tree([me, ["laptop"]]), tree([other, ["x"]])], me, "mine")]).toEqual([]);
    // Another person's devices are never the person's.
    expect([...devicesInEveryGroup([tree([other, ["x"]])], me, "mine")]).toEqual([]);
  });
});
