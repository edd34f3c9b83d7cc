// Linking a second device of the same person (docs/PROTOCOL.md "Linking a device"): the existing
// device adds it to every group and hands over the history it holds; it reads and writes as the
// person; revoking it takes it out of every group.
import { describe, expect, it } from "vitest";
import { chatTexts, groupWith, memberKeys, npubOf, person, pubkeyOf, useWorld } from "../world.ts";
import { blankDevice as blank, settleLink } from "./linkDevices.ts";

const w = useWorld("device-linking");

const blankDevice = (name: string) => blank(w, name);

describe("linking a device", () => {
  it("adds it to every group with the history, and both devices act as the person", async () => {
    const alice = await person(w, "Alice");
    const bob = await person(w, "Bob");
    const carol = await person(w, "Carol");
    const g1 = await groupWith(alice, [bob, carol], "Tenants");
    const g2 = await groupWith(bob, [alice], "Bikes");
    const g3 = await groupWith(carol, [alice, bob], "Choir");
    await alice.sendChat(g1, "before the link");
    await alice.deliver(8_000);
    await alice.sync();

    const { link } = await alice.linkDevice();
    expect(link).toMatch(/#device=/);
    const laptop = await blankDevice("alice-laptop");
    await laptop.addDevice(link, "Laptop");
    await laptop.deliver(8_000);
    // Nothing is answered until Alice confirms the code her laptop shows.
    await alice.sync();
    const code = (await laptop.deviceJoining())?.code as string;
    expect(code).toMatch(/^[0-9]{3} [0-9]{3}$/);
    expect((await alice.deviceLinks()).map((l) => [l.state, l.asks])).toEqual([
      ["asked", [{ name: "Laptop", code }]],
    ]);
    await laptop.sync();
    expect(await laptop.account()).toBeNull();
    expect(await alice.confirmDeviceLink(code.replace(" ", ""))).toEqual({ name: "Laptop" });
    await alice.deliver(8_000);
    await settleLink(alice, laptop, 3);

    expect((await laptop.account())?.pubkey).toBe(await pubkeyOf(alice));
    expect((await laptop.groups()).map((g) => g.name).sort()).toEqual(["Bikes", "Choir", "Tenants"]);
    expect(await chatTexts(laptop, g1)).toContain("before the link");
    // Both Alice's devices are in every group, for everyone.
    for (const g of [g1, g2, g3]) {
      await bob.sync();
      expect(await memberKeys(bob, g)).toContain(await pubkeyOf(alice));
    }
    await laptop.sendChat(g1, "from the laptop");
    await laptop.deliver(8_000);
    await bob.sync();
    await alice.sync();
    expect(await chatTexts(bob, g1)).toContain("from the laptop");
    expect(await chatTexts(alice, g1)).toContain("from the laptop");
    await bob.sendChat(g1, "hello both");
    await bob.deliver(8_000);
    await laptop.sync();
    await alice.sync();
    expect(await chatTexts(laptop, g1)).toContain("hello both");
    expect(await chatTexts(alice, g1)).toContain("hello both");

    // An event, an answer and a poll vote made on either device show on both, and for everyone.
    const ev = await laptop.createEvent(g1, {
      title: "Rent strike assembly",
      start: "2027-03-01T18:00",
      tz: "UTC",
    });
    const poll = await laptop.createPoll(g1, { question: "Which night?", options: ["Tue", "Thu"] });
    await laptop.deliver(8_000);
    await alice.sync();
    await alice.rsvp(g1, ev.id, "going");
    await alice.vote(g1, poll.id, [poll.options[1]?.id as string]);
    await alice.deliver(8_000);
    for (const c of [laptop, bob]) await c.sync();
    for (const c of [alice, laptop, bob]) {
      const [seen] = (await c.events(g1)).filter((e) => e.id === ev.id);
      expect(seen?.rsvps.going).toEqual([await npubOf(alice)]);
      const [p] = (await c.polls(g1)).filter((x) => x.id === poll.id);
      expect(p?.options[1]?.votes).toEqual([await npubOf(alice)]);
    }

    // Members are told, in words.
    const noticeTexts = (await bob.chatHistory(g1))
      .filter((e) => e.type === "notice")
      .map((e) => ("text" in e ? e.text : ""));
    expect(noticeTexts).toContain("Alice added a device");

    // The laptop lists the same two devices, each once, by name.
    expect((await laptop.devices()).map((d) => [d.name, d.current]).sort()).toEqual([
      ["First device", false],
      ["Laptop", true],
    ]);

    const devices = await alice.devices();
    expect(devices.map((d) => [d.name, d.current]).sort()).toEqual([
      ["First device", true],
      ["Laptop", false],
    ]);

    // The link works once.
    const again = await blankDevice("thief");
    await again.addDevice(link, "Thief");
    await again.deliver(8_000);
    await alice.sync();
    await again.sync();
    expect(await again.account()).toBeNull();
    expect((await again.deviceJoining())?.state).toBe("requested");

    // Removing Alice from a group removes both devices.
    await alice.sync();
    await carol.sync();
    await carol.remove(g3, await npubOf(alice));
    await laptop.sync();
    await alice.sync();
    expect((await laptop.groups()).find((g) => g.id === g3)?.status).toBe("removed");
    expect((await alice.groups()).find((g) => g.id === g3)?.status).toBe("removed");

    // Revoking the laptop from the phone: it reads nothing sent afterwards, anywhere, and what it
    // still sends with the keys it kept is refused by every member.
    const laptopId = devices.find((d) => !d.current)?.id as string;
    expect(await alice.revokeDevice(laptopId)).toBe(2);
    await alice.deliver(8_000);
    await laptop.sendChat(g1, "sent by the revoked laptop");
    await laptop.deliver(8_000);
    await bob.sync();
    await carol.sync();
    expect(await chatTexts(bob, g1)).not.toContain("sent by the revoked laptop");
    expect(await chatTexts(carol, g1)).not.toContain("sent by the revoked laptop");
    // Its key package is withdrawn: inviting Alice again finds no device of hers to add.
    await bob.sync();
    await expect(bob.invite(g2, await npubOf(alice))).rejects.toThrow(/already in/);
    await bob.sync();
    await bob.sendChat(g1, "after the revoke");
    await bob.deliver(8_000);
    await laptop.sync();
    expect(await chatTexts(laptop, g1)).not.toContain("after the revoke");
    await alice.sync();
    expect(await chatTexts(alice, g1)).toContain("after the revoke");
    const afterRevoke = (await bob.chatHistory(g1))
      .filter((e) => e.type === "notice")
      .map((e) => ("text" in e ? e.text : ""));
    expect(afterRevoke).toContain("Alice removed a device");
  }, 300_000);

  it("gives nothing to someone who saw the link: only the code the person confirms is answered", async () => {
    const erin = await person(w, "Erin");
    const g = await groupWith(erin, [], "Night Shelter");
    await erin.sendChat(g, "rota for December");
    await erin.deliver(8_000);
    const { link } = await erin.linkDevice();
    // Someone who saw the QR code opens the link first, under the same name; then Erin's phone.
    const stranger = await blankDevice("erin-stranger");
    await stranger.addDevice(link, "Phone");
    await stranger.deliver(8_000);
    const phone = await blankDevice("erin-phone");
    await phone.addDevice(link, "Phone");
    await phone.deliver(8_000);
    await erin.sync();
    const [progress] = await erin.deviceLinks();
    const phoneCode = (await phone.deviceJoining())?.code as string;
    const strangerCode = (await stranger.deviceJoining())?.code as string;
    expect(phoneCode).not.toBe(strangerCode);
    expect(progress?.state).toBe("asked");
    expect(progress?.asks.map((a) => a.code).sort()).toEqual([phoneCode, strangerCode].sort());

    // A code nobody asked with, or no code at all, answers nobody.
    const other = phoneCode === "000 000" || strangerCode === "000 000" ? "000 001" : "000 000";
    await expect(erin.confirmDeviceLink(other)).rejects.toMatchObject({ code: "bad-input" });
    await expect(erin.confirmDeviceLink("12345")).rejects.toThrow(/six digits/);
    expect(await erin.confirmDeviceLink(phoneCode)).toEqual({ name: "Phone" });
    await erin.deliver(8_000);
    // Answered in time, the link reads as answered past its expiry, for a day, and then as expired.
    const { expiresAt } = (await erin.deviceLinks())[0] as { expiresAt: number };
    const nowSeconds = Math.floor((Date.now() + w.clock.offsetMs) / 1000);
    w.clock.offsetMs += (expiresAt - nowSeconds + 2 * 3600) * 1000;
    expect((await erin.deviceLinks()).map((l) => l.state)).toEqual(["answered"]);
    w.clock.offsetMs += 23 * 3600 * 1000;
    expect((await erin.deviceLinks()).map((l) => l.state)).toEqual(["expired"]);
    w.clock.offsetMs = 0;
    await settleLink(erin, phone, 1);
    expect(await chatTexts(phone, g)).toContain("rota for December");

    // The stranger's device got nothing, then or later; the link is used.
    for (let i = 0; i < 3; i++) {
      await stranger.sync();
      await erin.sync();
    }
    expect(await stranger.account()).toBeNull();
    expect((await stranger.deviceJoining())?.state).toBe("requested");
    await expect(erin.confirmDeviceLink(strangerCode)).rejects.toMatchObject({ code: "bad-input" });
    expect((await erin.deviceLinks()).map((l) => l.state)).toEqual(["linked"]);
    expect((await erin.devices()).map((d) => d.name).sort()).toEqual(["First device", "Phone"]);
  }, 180_000);

  it("closes a link its person refuses: the device that asked gets nothing", async () => {
    const fay = await person(w, "Fay");
    const { link } = await fay.linkDevice();
    const stranger = await blankDevice("fay-stranger");
    await stranger.addDevice(link, "Tablet");
    await stranger.deliver(8_000);
    await fay.sync();
    expect((await fay.deviceLinks())[0]?.state).toBe("asked");
    expect(await fay.refuseDeviceLinks()).toBe(1);
    expect((await fay.deviceLinks()).map((l) => [l.state, l.asks])).toEqual([["closed", []]]);
    const code = (await stranger.deviceJoining())?.code as string;
    await expect(fay.confirmDeviceLink(code)).rejects.toMatchObject({ code: "link-seen" });
    // A later request on the closed link is not kept either.
    const late = await blankDevice("fay-late");
    await late.addDevice(link, "Laptop");
    await late.deliver(8_000);
    for (let i = 0; i < 2; i++) {
      await fay.sync();
      await stranger.sync();
    }
    expect(await stranger.account()).toBeNull();
    expect((await fay.deviceLinks())[0]?.asks).toEqual([]);
    expect(await fay.refuseDeviceLinks()).toBe(0);
  }, 120_000);

  it("answers the first request unasked when the link was made so (scripts)", async () => {
    const gus = await person(w, "Gus");
    const { link } = await gus.linkDevice({ confirm: false });
    const laptop = await blankDevice("gus-laptop");
    await laptop.addDevice(link, "Laptop");
    await laptop.deliver(8_000);
    await settleLink(gus, laptop, 0);
    expect((await laptop.account())?.pubkey).toBe(await pubkeyOf(gus));
    // A linked device is not a recovery: it leaves the person's other key packages alone, and an
    // invitation adds both devices.
    for (let i = 0; i < 2; i++) await laptop.sync();
    await laptop.deliver(8_000);
    const host = await person(w, "Hana");
    const g = await host.createGroup({ name: "Orchard" });
    expect(await host.invite(g.id, await npubOf(gus))).toEqual({ devices: 2, waiting: 0, unusable: [] });
  }, 120_000);

  it("refuses a damaged, expired or wrong link in plain words", async () => {
    const dana = await person(w, "Dana");
    const fresh = await blankDevice("dana-new");
    await expect(fresh.addDevice("http://127.0.0.1/#device=garbage!!", "Phone")).rejects.toThrow(/damaged/);
    await expect(fresh.addDevice("http://127.0.0.1/#join=abc", "Phone")).rejects.toThrow(
      /invite link to a group/,
    );
    await expect(dana.linkDevice({ expiresInSeconds: 5 })).rejects.toThrow(/1 minute to 24 hours/);
    const { link } = await dana.linkDevice();
    await expect(fresh.addDevice(link, "")).rejects.toThrow(/name/);
    await expect(dana.addDevice(link, "Phone")).rejects.toThrow(/already has an account/);
  }, 60_000);
});
