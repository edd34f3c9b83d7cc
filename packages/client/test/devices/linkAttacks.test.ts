// What someone who saw a device link (and so holds its key) can try, over a real relay: fill the
// link's request slots, flood it so the person's request is not read, ask with the person's code,
// answer the new device with another account, or send it history of their own making. Each ends
// with nobody but the person's own device linked, or nobody at all. (docs/PROTOCOL.md section 18.)
import { parseDeviceLink, wrapDeviceLinkMessage } from "@rally/protocol/wire";
import type { NostrEvent } from "nostr-tools/core";
import { finalizeEvent, generateSecretKey, getEventHash, getPublicKey } from "nostr-tools/pure";
import { describe, expect, it } from "vitest";
import { hexToBytes } from "../../src/hex.ts";
import type { Rally } from "../../src/rallyClient.ts";
import { chatTexts, groupWith, person, pubkeyOf, useWorld } from "../world.ts";
import { blankDevice, settleLink } from "./linkDevices.ts";

const w = useWorld("device-link-attacks");
/** A relay that answers at most 10 events per filter, whatever a client asks for. */
const capped = useWorld("device-link-capped", ["--max-limit", "10"]);
const now = () => Math.floor(Date.now() / 1000) + Math.round(w.clock.offsetMs / 1000);

/** What a stranger holding `link` can do with the relay. */
function stranger(via: Rally, link: string, relay = w.relay.url) {
  const secret = hexToBytes(parseDeviceLink(link, now()).linkSecretKey);
  const L = getPublicKey(secret);
  const relays = [relay];
  return {
    L,
    secret,
    publish: async (event: NostrEvent) => {
      const [r] = await via.core.transport.publishNow(event, relays);
      expect(r?.ok, r?.message).toBe(true);
    },
    /** The requests sent to the link, read as the link (NIP-42): their senders' keys. */
    requesters: async (): Promise<string[]> => {
      const { events } = await via.core.transport.fetch(via.core.transport.linkPool(secret, L), relays, [
        { kinds: [1059], "#p": [L] },
      ]);
      const { openDeviceLinkMessage } = await import("@rally/protocol/wire");
      return events.map((e) => openDeviceLinkMessage(e, secret).sender);
    },
    request: (from: Uint8Array, name: string) =>
      wrapDeviceLinkMessage({
        message: { step: "request", name },
        senderSecretKey: from,
        recipientPubkey: L,
        now: now(),
      }) as NostrEvent,
  };
}

async function linkState(c: Rally) {
  const [l] = await c.deviceLinks();
  return { state: l?.state, asks: l?.asks.length };
}

describe("someone who saw a device link", { timeout: 240_000 }, () => {
  it("fills its request slots: one request too many closes the link", async () => {
    const ann = await person(w, "Ann");
    const { link } = await ann.linkDevice();
    const s = stranger(ann, link);
    for (let i = 0; i < 8; i++) await s.publish(s.request(generateSecretKey(), `Tablet ${i}`));
    await ann.sync();
    expect(await linkState(ann)).toEqual({ state: "asked", asks: 8 });
    // The person's phone asks now: its request would be dropped unread, so the link closes.
    const phone = await blankDevice(w, "ann-phone");
    await phone.addDevice(link, "Phone");
    await phone.deliver(8_000);
    await ann.sync();
    expect(await linkState(ann)).toEqual({ state: "closed", asks: 0 });
    const code = (await phone.deviceJoining())?.code as string;
    await expect(ann.confirmDeviceLink(code)).rejects.toMatchObject({ code: "link-seen" });
    await phone.sync();
    expect(await phone.account()).toBeNull();

    // The phone takes the next link, and is linked through it.
    const next = await ann.linkDevice();
    await phone.addDevice(next.link, "Phone");
    await phone.deliver(8_000);
    await ann.sync();
    await ann.confirmDeviceLink((await phone.deviceJoining())?.code as string);
    await ann.deliver(8_000);
    await settleLink(ann, phone, 0);
    expect((await phone.account())?.pubkey).toBe(await pubkeyOf(ann));
  });

  it("floods it so that the person's request is not read: a full page closes the link", async () => {
    const ben = await person(w, "Ben");
    const { link } = await ben.linkDevice();
    const phone = await blankDevice(w, "ben-phone");
    await phone.addDevice(link, "Phone");
    await phone.deliver(8_000);
    const s = stranger(ben, link);
    // Junk dated now: relays answer newest first, so it comes before the phone's request.
    for (let i = 0; i < 100; i++) {
      const junk = finalizeEvent(
        { kind: 1059, created_at: now(), tags: [["p", s.L]], content: `junk ${i}` },
        generateSecretKey(),
      ) as NostrEvent;
      await s.publish(junk);
    }
    await ben.sync();
    expect(await linkState(ben)).toEqual({ state: "closed", asks: 0 });
    await phone.sync();
    expect(await phone.account()).toBeNull();
  });

  it("floods it on a relay that answers fewer than asked: the link reads back in time, and closes", async () => {
    const fox = await person(capped, "Fox");
    const { link } = await fox.linkDevice();
    const phone = await blankDevice(capped, "fox-phone");
    await phone.addDevice(link, "Phone");
    await phone.deliver(8_000);
    const s = stranger(fox, link, capped.relay.url);
    // 25 junk wraps over three seconds, all newer than the phone's request.
    for (let i = 0; i < 25; i++) {
      const junk = finalizeEvent(
        { kind: 1059, created_at: now() + 1 + (i % 3), tags: [["p", s.L]], content: `junk ${i}` },
        generateSecretKey(),
      ) as NostrEvent;
      await s.publish(junk);
    }
    await fox.sync();
    expect(await linkState(fox)).toEqual({ state: "closed", asks: 0 });
    await expect(fox.confirmDeviceLink((await phone.deviceJoining())?.code as string)).rejects.toMatchObject({
      code: "link-seen",
    });
  });

  it("asks with the code the person's device shows: two requests with one code close the link", async () => {
    const cai = await person(w, "Cai");
    const { link } = await cai.linkDevice();
    const phone = await blankDevice(w, "cai-phone");
    await phone.addDevice(link, "Phone");
    await phone.deliver(8_000);
    await cai.sync();
    const code = (await phone.deviceJoining())?.code as string;
    // Finding a key with that code takes a million tries; the stranger's request is put in place
    // of one here, beside the phone's, as the link would keep it.
    const [row] = await cai.core.store.list<{ asks: { requester: string; name: string; code: string }[] }>(
      "devicelink/",
    );
    const forged = { requester: getPublicKey(generateSecretKey()), name: "Phone", code };
    await cai.core.store.batch([
      {
        op: "put",
        key: row?.key as string,
        value: { ...row?.value, asks: [...(row?.value.asks ?? []), forged] },
      },
    ]);
    await expect(cai.confirmDeviceLink(code)).rejects.toMatchObject({ code: "link-seen" });
    expect(await linkState(cai)).toEqual({ state: "closed", asks: 0 });
    await cai.deliver(8_000);
    await phone.sync();
    expect(await phone.account()).toBeNull();
  });

  it("closes the link with a request whose name Rally would never send", async () => {
    const dev = await person(w, "Dev");
    const { link } = await dev.linkDevice();
    const s = stranger(dev, link);
    await s.publish(s.request(generateSecretKey(), "Phone\u001b[2K code 000 000"));
    await dev.sync();
    expect(await linkState(dev)).toEqual({ state: "closed", asks: 0 });
    // A right-to-left override, which would show a stranger's code as another: refused the same way.
    const again = await dev.linkDevice();
    const t = stranger(dev, again.link);
    await t.publish(t.request(generateSecretKey(), "Laptop\u202e"));
    await dev.sync();
    expect((await dev.deviceLinks()).map((l) => l.state)).toEqual(["closed", "closed"]);
  });

  it("answers the new device first, with another account, and sends it history: the device takes neither", async () => {
    const eve = await person(w, "Eve");
    const mal = await person(w, "Mal");
    const bob = await person(w, "Bob");
    const g = await groupWith(eve, [bob], "Tenants");
    await eve.sendChat(g, "rent strike on Monday");
    await eve.deliver(8_000);
    const { link } = await eve.linkDevice();
    const phone = await blankDevice(w, "eve-phone");
    await phone.addDevice(link, "Phone");
    await phone.deliver(8_000);
    const s = stranger(mal, link);
    const [n] = await s.requesters();
    const fromLink = (message: Parameters<typeof wrapDeviceLinkMessage>[0]["message"]) =>
      wrapDeviceLinkMessage({ message, senderSecretKey: s.secret, recipientPubkey: n as string, now: now() });
    await s.publish(
      fromLink({
        step: "answer",
        words: await mal.recoveryWords(),
        name: "Eve",
        relays: [w.relay.url],
        from: "First device",
      }),
    );
    // History of the stranger's making: Eve's real message, its text changed (a well-formed rumor).
    const real = (await eve.core.store.rumors({ group: g })).find((r) => r.json.includes("rent strike"));
    const env = JSON.parse(real?.json as string) as { r: NostrEvent };
    env.r.content = env.r.content.replace("rent strike on Monday", "strike is off");
    env.r.id = getEventHash(env.r);
    const fake = { ...real, id: env.r.id, json: JSON.stringify(env) };
    await s.publish(
      fromLink({ step: "history", group: g, part: 0, parts: 1, records: [JSON.stringify(fake)] }),
    );
    await s.publish(fromLink({ step: "done", groups: 0, parts: 0 }));
    await phone.sync();
    expect(await phone.account()).toBeNull();

    await eve.sync();
    await eve.confirmDeviceLink((await phone.deviceJoining())?.code as string);
    await eve.deliver(8_000);
    await settleLink(eve, phone, 1);
    expect((await phone.account())?.pubkey).toBe(await pubkeyOf(eve));
    // Sent again once the device is in the group, where history would be stored at once.
    await s.publish(
      fromLink({ step: "history", group: g, part: 0, parts: 1, records: [JSON.stringify(fake)] }),
    );
    await phone.sync();
    const texts = await chatTexts(phone, g);
    expect(texts).toContain("rent strike on Monday");
    expect(texts).not.toContain("strike is off");
  });
});
