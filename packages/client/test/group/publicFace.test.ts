/**
 * A group's public face over a real relay (docs/PROTOCOL.md §19): what a Nostr client that knows
 * nothing of Rally reads (nostr-tools' SimplePool, its own signature check), who may publish, what
 * a hostile member's forged records do (nothing), edits and cancellations following, rotation of
 * the key when an admin leaves, and answers from the web approved with the place.
 */

import {
  buildCalendarEvent,
  buildEventEdit,
  buildPublication,
  buildPublicFace,
  calendarEventId,
  eventTimeFromIso,
  parseCalendarEvent,
  sealRumor,
} from "@rally/protocol/app";
import { openPublicReply, PUBLIC_ANSWER_POW, wrapPublicAnswer } from "@rally/protocol/wire";
import type { NostrEvent } from "nostr-tools/core";
import { getPow } from "nostr-tools/nip13";
import { decode } from "nostr-tools/nip19";
import { SimplePool, useWebSocketImplementation } from "nostr-tools/pool";
import { finalizeEvent, generateSecretKey, getPublicKey, verifyEvent } from "nostr-tools/pure";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import WebSocket from "ws";
import type { Rally } from "../../src/rallyClient.ts";
import { keys } from "../../src/store/keys.ts";
import {
  acceptAll,
  npubOf,
  person as personIn,
  pubkeyOf,
  startWorld,
  stopWorld,
  type World,
} from "../world.ts";
import { allotmentSeedSwap } from "./publishedEvent.ts";

useWebSocketImplementation(WebSocket);

let w: World;
let pool: SimplePool;
const person = (name: string): Promise<Rally> => personIn(w, name);

beforeAll(async () => {
  w = await startWorld("public-face");
  pool = new SimplePool();
}, 600_000);

afterAll(async () => {
  pool?.close([w.relay.url]);
  await stopWorld(w);
});

/** What the relay shows of a key, read by a plain Nostr client; every signature checked. */
async function shown(pubkey: string, kinds = [0, 5, 31922, 31923, 31924]): Promise<NostrEvent[]> {
  const events = await pool.querySync([w.relay.url], { authors: [pubkey], kinds });
  for (const e of events) expect(verifyEvent(e)).toBe(true);
  return events;
}

/** The group's replies to a web answerer: gift wraps are served only to their recipient (NIP-42). */
function repliesTo(throwaway: Uint8Array): Promise<NostrEvent[]> {
  // A connection of its own: one signed in as another answerer's key is refused this key's mail.
  const own = new SimplePool();
  return new Promise<NostrEvent[]>((resolve, reject) => {
    const got: NostrEvent[] = [];
    own.subscribeEose(
      [w.relay.url],
      { kinds: [1059], "#p": [getPublicKey(throwaway)] },
      {
        onevent: (e) => got.push(e),
        onclose: (reasons) => {
          own.close([w.relay.url]);
          // Closed for another reason than the end of stored events: the question was not answered.
          const why = JSON.stringify(reasons);
          if (why.includes("closed automatically on eose")) resolve(got);
          else reject(new Error(why));
        },
        onauth: async (t) => finalizeEvent(t, throwaway),
      },
    );
  });
}

const tag = (e: NostrEvent, name: string) => e.tags.find((t) => t[0] === name)?.[1];

const groupKeyOf = (npub: string): string => {
  const d = decode(npub);
  if (d.type !== "npub") throw new Error("not an npub");
  return d.data;
};

function codeOf(p: Promise<unknown>): Promise<string> {
  return p.then(
    () => "resolved",
    (e: { code?: string }) => e.code ?? "no code",
  );
}

describe("public face", { timeout: 300_000 }, () => {
  it("publishes a NIP-52 event any Nostr client reads; members and private fields stay inside", async () => {
    const alice = await person("Alice");
    const bob = await person("Bob");
    const carol = await person("Carol");
    const g = await alice.createGroup({ name: "Tenants" });
    for (const p of [bob, carol]) {
      await alice.invite(g.id, await npubOf(p));
      await acceptAll(p);
      await alice.sync();
    }
    for (const p of [bob, carol]) await p.sync();
    const members = await Promise.all([alice, bob, carol].map(pubkeyOf));

    // Bob is not an admin: he can neither give the group a face nor publish.
    expect(await codeOf(bob.setPublicFace(g.id, { name: "Tenants" }))).toBe("not-admin");
    const event = await bob.createEvent(g.id, {
      title: "Assembly",
      start: "2030-03-01T18:00",
      end: "2030-03-01T20:00",
      tz: "Europe/Berlin",
      location: "Hall, Main St 1",
      description: "Bring chairs.",
      capacity: 4242,
      hostsOnlyRsvps: true,
      hosts: [await npubOf(carol)],
      tags: ["housing"],
    });
    await bob.deliver(8_000);
    await alice.sync();
    expect(await codeOf(bob.publishEvent(g.id, event.id))).toBe("not-admin");
    // No face yet: publishing is refused in plain words.
    expect(await codeOf(alice.publishEvent(g.id, event.id))).toBe("no-public-face");
    expect(await codeOf(alice.publishEvent(g.id, "f".repeat(64)))).toBe("no-public-face");

    const face = await alice.setPublicFace(g.id, { name: "Tenants' union", about: "We organise." });
    expect(face.url).toBe(`${w.relay.url.replace(/^ws/, "http")}/g/${face.npub}`);
    expect(await codeOf(alice.publishEvent(g.id, "f".repeat(64)))).toBe("unknown-event");
    const pub = await alice.publishEvent(g.id, event.id);
    await alice.deliver(8_000);
    const groupKey = groupKeyOf(face.npub);
    expect(members).not.toContain(groupKey);
    const addr = decode(pub.naddr);
    expect(addr.type).toBe("naddr");
    if (addr.type !== "naddr") return;
    expect(addr.data.pubkey).toBe(groupKey);
    expect(addr.data.relays).toEqual([w.relay.url]);

    const all = await shown(groupKey);
    const ev = all.find((e) => e.kind === 31923);
    expect(ev).toBeDefined();
    if (!ev) return;
    expect(ev.pubkey).toBe(groupKey);
    expect(tag(ev, "d")).toBe(addr.data.identifier);
    expect(tag(ev, "title")).toBe("Assembly");
    expect(tag(ev, "start_tzid")).toBe("Europe/Berlin");
    expect(tag(ev, "location")).toBe("Hall, Main St 1");
    expect(ev.content).toBe("Bring chairs.");
    const calendar = all.find((e) => e.kind === 31924);
    expect(calendar && tag(calendar, "d")).toBe("rally");
    expect(calendar?.tags.filter((t) => t[0] === "a").map((t) => t[1])).toEqual([
      `31923:${groupKey}:${addr.data.identifier}`,
    ]);
    const profile = all.find((e) => e.kind === 0);
    expect(JSON.parse(profile?.content ?? "{}")).toEqual({ name: "Tenants' union", about: "We organise." });
    // Nothing public names a member or carries a private field.
    const text = JSON.stringify(all);
    for (const m of members) expect(text).not.toContain(m);
    for (const m of [await npubOf(alice), await npubOf(bob), await npubOf(carol)])
      expect(text).not.toContain(m);
    for (const word of ["rally_owner", "rally_capacity", "rally_rsvp_visibility", "4242", "Alice", "Bob"]) {
      expect(text).not.toContain(word);
    }

    // Bob, hostile, forges a face (his own key) sealed to the admins and withdraws the event: ignored.
    const bobKey = bob.core.requireSecrets().secretKey;
    const bobPk = await pubkeyOf(bob);
    const now = bob.core.now() + 5;
    const forgedFace = buildPublicFace(
      {
        secret: "11".repeat(32),
        name: "Not the union",
        about: null,
        picture: null,
        website: null,
        off: false,
      },
      { pubkey: bobPk, createdAt: now },
    );
    await bob.groupsSvc.sendRumor(
      g.id,
      sealRumor({
        inner: forgedFace,
        senderSecretKey: bobKey,
        recipients: [members[0] as string],
        createdAt: now,
      }),
    );
    await bob.groupsSvc.sendRumor(
      g.id,
      buildPublication(
        { event: event.id, d: addr.data.identifier, status: "unpublished" },
        { pubkey: bobPk, createdAt: now },
      ),
    );
    await bob.deliver(8_000);
    await alice.sync();
    expect((await alice.setPublicFace(g.id, { name: "Tenants' union", about: "We organise." })).npub).toBe(
      face.npub,
    );
    await alice.deliver(8_000);
    expect((await shown(groupKey, [31923])).map((e) => tag(e, "title"))).toEqual(["Assembly"]);

    // Bob edits his event, then cancels it: the public version follows at Alice's next sync.
    await bob.editEvent(g.id, event.id, { title: "Assembly (new hall)", approval: true });
    await bob.deliver(8_000);
    await alice.sync();
    let now31923 = await shown(groupKey, [31923]);
    expect(now31923.map((e) => tag(e, "title"))).toEqual(["Assembly (new hall)"]);
    // Approval needed: the place is no longer public.
    expect(now31923[0] && tag(now31923[0], "location")).toBeUndefined();
    expect(now31923[0]?.tags).toContainEqual(["rally_approval", "required"]);
    await bob.cancelEvent(g.id, event.id);
    await bob.deliver(8_000);
    await alice.sync();
    now31923 = await shown(groupKey, [31923]);
    expect(now31923[0]?.tags).toContainEqual(["rally_status", "cancelled"]);

    // Alice withdraws it: gone from the relay, a deletion signed by the group key stays.
    await alice.unpublishEvent(g.id, event.id);
    await alice.deliver(8_000);
    expect(await shown(groupKey, [31923])).toEqual([]);
    const deletions = await shown(groupKey, [5]);
    const address = `31923:${groupKey}:${addr.data.identifier}`;
    expect(deletions.some((d) => d.tags.some((t) => t[0] === "a" && t[1] === address))).toBe(true);
    const cal = (await shown(groupKey, [31924]))[0];
    expect(cal?.tags.filter((t) => t[0] === "a")).toEqual([]);
    expect(await codeOf(alice.unpublishEvent(g.id, event.id))).toBe("not-published");
  });

  it("answers from the web are approved with the place; a new key when an admin leaves", async () => {
    const alice = await person("Alice");
    const carol = await person("Carol");
    const g = await alice.createGroup({ name: "Choir" });
    await alice.invite(g.id, await npubOf(carol));
    await acceptAll(carol);
    await alice.sync();
    await carol.sync();
    const face = await alice.setPublicFace(g.id, { name: "Choir" });
    const event = await alice.createEvent(g.id, {
      title: "Rehearsal",
      start: "2030-04-01",
      location: "Crypt of St Mary",
      approval: true,
    });
    const pub = await alice.publishEvent(g.id, event.id);
    await alice.deliver(8_000);
    const oldKey = groupKeyOf(face.npub);
    const ev = (await shown(oldKey, [31922]))[0];
    expect(ev && tag(ev, "location")).toBeUndefined();

    // Someone without Rally answers from the web.
    const doraWrapEvent = `31922:${oldKey}:${tag(ev as NostrEvent, "d")}`;
    const throwaway = generateSecretKey();
    const wrap = await wrapPublicAnswer(
      {
        event: doraWrapEvent,
        name: "Dora",
        contact: "dora@example.org",
        status: "going",
        guests: 1,
        note: "",
      },
      throwaway,
      oldKey,
      alice.core.now(),
    );
    await pool.publish([w.relay.url], wrap as NostrEvent)[0];
    await alice.sync();
    const answers = await alice.eventAnswers(g.id, event.id);
    const dora = answers.find((a) => a.via === "web");
    expect(dora).toMatchObject({
      occurrence: null,
      name: "Dora",
      status: "going",
      guests: 1,
      approved: false,
      contact: "dora@example.org",
    });
    await carol.sync();
    expect(await codeOf(carol.decideAnswer(g.id, event.id, dora?.id ?? "", "approved"))).toBe("not-admin");
    expect(await codeOf(carol.eventAnswers(g.id, event.id))).toBe("not-admin");
    await alice.decideAnswer(g.id, event.id, dora?.id ?? "", "approved");
    await alice.deliver(8_000);
    const replies = await repliesTo(throwaway);
    expect(replies).toHaveLength(1);
    const reply = openPublicReply(replies[0] as Parameters<typeof openPublicReply>[0], throwaway);
    expect(reply).toMatchObject({ status: "approved", place: "Crypt of St Mary", from: oldKey });
    expect((await alice.eventAnswers(g.id, event.id)).find((a) => a.via === "web")?.approved).toBe(true);

    // Carol becomes a host (no admin): new web answers are passed on to her; she refuses one and
    // Alice's device, which holds the key, replies.
    await alice.editEvent(g.id, event.id, { hosts: [await npubOf(carol)] });
    await alice.deliver(8_000);
    const eveKey = generateSecretKey();
    const eveWrap = await wrapPublicAnswer(
      { event: doraWrapEvent, name: "Eve", contact: null, status: "going", guests: 0, note: "" },
      eveKey,
      oldKey,
      alice.core.now(),
    );
    await pool.publish([w.relay.url], eveWrap as NostrEvent)[0];
    await alice.sync();
    await alice.deliver(8_000);
    await carol.sync();
    const eve = (await carol.eventAnswers(g.id, event.id)).find((a) => a.name === "Eve");
    expect(eve).toMatchObject({ via: "web", decision: "pending", approved: false });
    await carol.decideAnswer(g.id, event.id, eve?.id ?? "", "refused");
    await carol.deliver(8_000);
    expect(await repliesTo(eveKey)).toEqual([]); // Carol holds no group key: nothing sent yet
    await alice.sync();
    await alice.deliver(8_000);
    const eveReplies = await repliesTo(eveKey);
    expect(eveReplies).toHaveLength(1);
    expect(openPublicReply(eveReplies[0] as Parameters<typeof openPublicReply>[0], eveKey)).toMatchObject({
      status: "refused",
      place: null,
      from: oldKey,
    });
    expect((await alice.eventAnswers(g.id, event.id)).find((a) => a.name === "Eve")?.decision).toBe(
      "refused",
    );

    // Carol becomes an admin and gets the key. Demoted, her device forgets it and the key is replaced.
    const faceOn = (c: Rally) => c.core.store.get<{ pubkey: string }>(keys.publicFace(g.id));
    const promote = async (admin: boolean) => {
      await alice.setAdmin(g.id, await npubOf(carol), admin);
      await alice.deliver(8_000);
      await alice.sync(); // shares the key with the new admin set, or replaces it
      await alice.deliver(8_000);
      await carol.sync();
    };
    await promote(true);
    expect((await faceOn(carol))?.pubkey).toBe(oldKey);
    await promote(false);
    expect(await faceOn(carol)).toBeUndefined();
    const secondKey = (await faceOn(alice))?.pubkey as string;
    expect(secondKey).not.toBe(oldKey);
    expect((await shown(oldKey)).filter((e) => e.kind !== 5)).toEqual([]);
    // Promoted again she gets the key in force; removed, it is replaced once more.
    await promote(true);
    expect((await faceOn(carol))?.pubkey).toBe(secondKey);
    await alice.remove(g.id, await npubOf(carol));
    await alice.deliver(8_000);
    await alice.sync();
    await alice.deliver(8_000);
    const after = await alice.setPublicFace(g.id, { name: "Choir" });
    await alice.deliver(8_000);
    const newKey = groupKeyOf(after.npub);
    expect([oldKey, secondKey]).not.toContain(newKey);
    expect((await shown(secondKey)).filter((e) => e.kind !== 5)).toEqual([]);
    const fresh = await shown(newKey, [31922, 31924, 0]);
    expect(fresh.map((e) => e.kind).sort()).toEqual([0, 31922, 31924]);
    const moved = fresh.find((e) => e.kind === 31922);
    // The public d is kept: only the key in the address changes.
    expect(moved && tag(moved, "d")).toBe((decode(pub.naddr).data as { identifier: string }).identifier);
  });

  it("a stranger's flood of wraps without proof of work straight to the relay is skipped unopened; the honest answer is listed", async () => {
    const alice = await person("Alice");
    const { g, face, event } = await allotmentSeedSwap(alice);
    const groupKey = groupKeyOf(face.npub);
    const published = (await shown(groupKey, [31922]))[0] as NostrEvent;
    const address = `31922:${groupKey}:${tag(published, "d")}`;
    await alice.sync();
    const before = { ...alice.face.answerWraps };

    // 200 well-formed answers to the published event, each from a fresh key, sealed and wrapped as
    // the page does but mined for less than an answer needs (none, or 8 bits committing to 8),
    // sent straight to the relay; then one honest answer.
    const junk: NostrEvent[] = [];
    for (let i = 0; i < 200; i++) {
      const wrap = await wrapPublicAnswer(
        { event: address, name: `Junk ${i}`, contact: null, status: "going", guests: 0, note: "" },
        generateSecretKey(),
        groupKey,
        alice.core.now(),
        { difficulty: i % 2 === 0 ? 0 : 8 },
      );
      expect(getPow(wrap.id) < PUBLIC_ANSWER_POW || wrap.tags[1]?.[2] === "8").toBe(true);
      junk.push(wrap as NostrEvent);
    }
    for (const wrap of junk) await Promise.any(pool.publish([w.relay.url], wrap));
    const honest = await wrapPublicAnswer(
      { event: address, name: "Hana", contact: "hana@example.org", status: "maybe", guests: 0, note: "" },
      generateSecretKey(),
      groupKey,
      alice.core.now(),
    );
    expect(getPow(honest.id)).toBeGreaterThanOrEqual(PUBLIC_ANSWER_POW);
    await Promise.any(pool.publish([w.relay.url], honest as NostrEvent));
    // The relay holds every one of them: the defence is the admin device's, not the relay's.
    const faceRecord = await alice.core.store.get<{ secret: string }>(keys.publicFace(g.id));
    const stored = await repliesTo(Uint8Array.from(Buffer.from(faceRecord?.secret ?? "", "hex")));
    expect(stored.filter((e) => junk.some((j) => j.id === e.id))).toHaveLength(200);

    await alice.sync();
    const web = (await alice.eventAnswers(g.id, event.id)).filter((a) => a.via === "web");
    expect(web.map((a) => a.name)).toEqual(["Hana"]);
    // The device's own count: the 200 were skipped on sight of their ids, one wrap was decrypted.
    expect(alice.face.answerWraps.skipped - before.skipped).toBeGreaterThanOrEqual(200);
    expect(alice.face.answerWraps.opened - before.opened).toBe(1);
    // A later sync reads the junk again and again skips it without opening anything.
    const again = { ...alice.face.answerWraps };
    await alice.sync();
    expect(alice.face.answerWraps.opened).toBe(again.opened);
    expect((await alice.eventAnswers(g.id, event.id)).filter((a) => a.via === "web")).toHaveLength(1);
  });

  it("a repeating event is published one occurrence at a time; a cancelled occurrence is withdrawn", async () => {
    const alice = await person("Alice");
    const g = await alice.createGroup({ name: "Choir" });
    const face = await alice.setPublicFace(g.id, { name: "Choir" });
    const groupKey = groupKeyOf(face.npub);
    const me = await pubkeyOf(alice);
    // Weekly on Tuesdays from next week, in Berlin's time.
    const now = alice.core.now();
    const firstDay = new Date((now + 7 * 86_400) * 1000).toISOString().slice(0, 10);
    const rumor = buildCalendarEvent({
      pubkey: me,
      createdAt: now,
      d: "rehearsals",
      title: "Rehearsal",
      time: eventTimeFromIso({ start: `${firstDay}T19:00`, end: `${firstDay}T21:00`, tz: "Europe/Berlin" }),
      location: "Crypt",
      repeat: { rule: "FREQ=WEEKLY", exdates: [], moved: [] },
    });
    await alice.groupsSvc.sendRumor(g.id, rumor);
    const id = calendarEventId(me, "rehearsals");
    const pub = await alice.publishEvent(g.id, id);
    await alice.deliver(8_000);
    const series = (decode(pub.naddr).data as { identifier: string }).identifier;
    expect(series).toMatch(/^[0-9a-f]{32}:\d+$/);
    const base = series.split(":")[0] as string;
    const occurrences = await shown(groupKey, [31923]);
    // Weekly within 90 days, starting in a week: 12 or 13 of them.
    expect(occurrences.length).toBeGreaterThanOrEqual(12);
    expect(occurrences.length).toBeLessThanOrEqual(13);
    for (const o of occurrences) {
      expect(o.tags).toContainEqual(["rally_series", base]);
      expect(tag(o, "d")).toBe(`${base}:${tag(o, "start")}`);
    }
    const calendar = (await shown(groupKey, [31924]))[0];
    expect(calendar?.tags.filter((t) => t[0] === "a")).toHaveLength(occurrences.length);

    // The second occurrence is cancelled in the group: its public event is deleted.
    const starts = occurrences.map((o) => Number(tag(o, "start"))).sort((a, b) => a - b);
    const parsed = parseCalendarEvent(rumor);
    if (!parsed.ok) throw new Error(parsed.error);
    await alice.groupsSvc.sendRumor(
      g.id,
      buildEventEdit(
        parsed.value,
        { repeat: { rule: "FREQ=WEEKLY", exdates: [starts[1] as number], moved: [] } },
        { pubkey: me, createdAt: now + 1 },
      ),
    );
    await alice.sync();
    await alice.deliver(8_000);
    const after = await shown(groupKey, [31923]);
    expect(after.map((o) => tag(o, "d"))).not.toContain(`${base}:${starts[1]}`);
    expect(after.map((o) => tag(o, "d"))).toContain(`${base}:${starts[2]}`);
    expect(after).toHaveLength(occurrences.length - 1);
  });
});
