import { decode } from "nostr-tools/nip19";
import { getPublicKey, verifyEvent } from "nostr-tools/pure";
import { describe, expect, test } from "vitest";
import {
  buildAnswerDecision,
  buildAnswerShare,
  buildCalendarEvent,
  buildPublication,
  buildPublicCalendar,
  buildPublicDeletion,
  buildPublicEvent,
  buildPublicFace,
  buildPublicProfile,
  checkPublicProfile,
  eventTimeFromIso,
  InvalidInputError,
  parseAnswerDecision,
  parseAnswerShare,
  parseCalendarEvent,
  parsePublication,
  parsePublicFace,
  publicEventUrl,
  publicGroupUrl,
  publicInstances,
} from "../../src/app/index.ts";
import { decodeInnerRumor, encodeInnerRumor } from "../../src/wire/index.ts";
import { alice, bob, carol, person } from "./people.ts";

const group = person("group public key");

function privateEvent(over: { approval?: boolean; cancelled?: boolean } = {}) {
  // An admin's edit of Bob's event: carries `rally_owner`, a co-host, a capacity, hosts-only answers.
  const rumor = buildCalendarEvent({
    pubkey: alice.pk,
    owner: bob.pk,
    createdAt: 100,
    d: "ev1",
    title: "Tenants' assembly",
    time: eventTimeFromIso({ start: "2030-06-01T18:00", end: "2030-06-01T20:00", tz: "Europe/Berlin" }),
    description: "Bring chairs.",
    summary: "Monthly meeting",
    location: "Community hall, Main St 1",
    image: "https://example.org/a.png",
    hashtags: ["housing"],
    links: ["https://example.org/agenda"],
    hosts: [carol.pk],
    capacity: 4242,
    hostsOnlyRsvps: true,
    ...over,
  });
  const parsed = parseCalendarEvent(rumor);
  if (!parsed.ok) throw new Error(parsed.error);
  return parsed.value;
}

const D = "0123456789abcdef0123456789abcdef";

describe("public face: signed public events", () => {
  test("a public event carries the NIP-52 fields and no member fact", () => {
    const ev = buildPublicEvent({ event: privateEvent(), d: D, groupPubkey: group.pk }, group.sk, 500);
    expect(verifyEvent(ev)).toBe(true);
    expect(ev.pubkey).toBe(group.pk);
    expect(ev.kind).toBe(31923);
    const tag = (n: string) => ev.tags.find((t) => t[0] === n)?.[1];
    expect(tag("d")).toBe(D);
    expect(tag("title")).toBe("Tenants' assembly");
    expect(tag("start_tzid")).toBe("Europe/Berlin");
    expect(tag("location")).toBe("Community hall, Main St 1");
    expect(tag("t")).toBe("housing");
    expect(tag("r")).toBe("https://example.org/agenda");
    expect(tag("a")).toBe(`31924:${group.pk}:rally`);
    expect(ev.content).toBe("Bring chairs.");
    const json = JSON.stringify(ev);
    for (const member of [alice, bob, carol]) expect(json).not.toContain(member.pk);
    const names = ev.tags.map((t) => t[0]);
    for (const banned of ["p", "rally_owner", "rally_capacity", "rally_rsvp_visibility"]) {
      expect(names).not.toContain(banned);
    }
    expect(json).not.toContain("4242");
  });

  test("approval hides the place; cancelled is marked", () => {
    const ev = buildPublicEvent(
      { event: privateEvent({ approval: true, cancelled: true }), d: D, groupPubkey: group.pk },
      group.sk,
      500,
    );
    expect(ev.tags.find((t) => t[0] === "location")).toBeUndefined();
    expect(JSON.stringify(ev)).not.toContain("Main St");
    expect(ev.tags).toContainEqual(["rally_approval", "required"]);
    expect(ev.tags).toContainEqual(["rally_status", "cancelled"]);
  });

  test("the private approval flag round-trips through calendar.ts", () => {
    expect(privateEvent({ approval: true }).approval).toBe(true);
    expect(privateEvent().approval).toBeUndefined();
  });

  test("an occurrence of a series carries its own time and the series' d", () => {
    const time = { allDay: false as const, start: 1_900_000_000, end: 1_900_003_600, tz: null, endTz: null };
    const ev = buildPublicEvent(
      { event: privateEvent(), d: `${D}:1900000000`, groupPubkey: group.pk, time, series: D },
      group.sk,
      500,
    );
    expect(ev.tags).toContainEqual(["start", "1900000000"]);
    expect(ev.tags).toContainEqual(["rally_series", D]);
  });

  test("profile, calendar and deletion", () => {
    const profile = checkPublicProfile({
      name: " Tenants ",
      about: "We organise.",
      picture: null,
      website: "https://t.example",
    });
    const p = buildPublicProfile(profile, group.sk, 1);
    expect(JSON.parse(p.content)).toEqual({
      name: "Tenants",
      about: "We organise.",
      website: "https://t.example",
    });
    expect(JSON.parse(buildPublicProfile(null, group.sk, 2).content)).toEqual({});
    const ev = buildPublicEvent({ event: privateEvent(), d: D, groupPubkey: group.pk }, group.sk, 500);
    const cal = buildPublicCalendar(profile, [`31923:${group.pk}:${D}`], group.sk, 3);
    expect(cal.kind).toBe(31924);
    expect(cal.tags).toEqual([
      ["d", "rally"],
      ["title", "Tenants"],
      ["a", `31923:${group.pk}:${D}`],
    ]);
    const del = buildPublicDeletion([ev], group.sk, 4);
    expect(del.kind).toBe(5);
    expect(del.tags).toEqual([
      ["e", ev.id],
      ["a", `31923:${group.pk}:${D}`],
      ["k", "31923"],
    ]);
    expect(verifyEvent(del)).toBe(true);
  });

  test("profile checks refuse what a page cannot show", () => {
    expect(() => checkPublicProfile({ name: " ", about: null, picture: null, website: null })).toThrow(
      InvalidInputError,
    );
    expect(() =>
      checkPublicProfile({ name: "x".repeat(101), about: null, picture: null, website: null }),
    ).toThrow(/100/);
    expect(() =>
      checkPublicProfile({ name: "ok", about: null, picture: "javascript:alert(1)", website: null }),
    ).toThrow(/http/);
  });

  test("urls: the relay turned into http(s), npub and naddr", () => {
    const g = publicGroupUrl("wss://relay.example:4443", group.pk);
    expect(g.url).toBe(`https://relay.example:4443/g/${g.npub}`);
    const e = publicEventUrl("ws://127.0.0.1:7447", 31923, group.pk, D);
    expect(e.url).toBe(`http://127.0.0.1:7447/e/${e.naddr}`);
    const decoded = decode(e.naddr);
    expect(decoded.type).toBe("naddr");
    expect(decoded.data).toEqual({
      kind: 31923,
      pubkey: group.pk,
      identifier: D,
      relays: ["ws://127.0.0.1:7447"],
    });
  });
});

describe("public face: repeating events", () => {
  const at = (iso: string) => Date.parse(iso) / 1000;
  function weekly(repeat: {
    rule: string;
    exdates?: number[];
    moved?: { original: number; start: number; end: number | null }[];
  }) {
    const rumor = buildCalendarEvent({
      pubkey: alice.pk,
      createdAt: 100,
      d: "series",
      title: "Choir rehearsal",
      time: eventTimeFromIso({ start: "2030-03-05T19:00", end: "2030-03-05T21:00", tz: "Europe/Berlin" }),
      location: "Crypt",
      repeat: { rule: repeat.rule, exdates: repeat.exdates ?? [], moved: repeat.moved ?? [] },
    });
    const parsed = parseCalendarEvent(rumor);
    if (!parsed.ok) throw new Error(parsed.error);
    return parsed.value;
  }

  test("one public event per occurrence within 90 days, wall-clock time kept across DST", () => {
    const now = at("2030-03-01T00:00:00Z");
    const list = publicInstances(weekly({ rule: "FREQ=WEEKLY;BYDAY=TU" }), D, now);
    // 5 March to 28 May: 13 Tuesdays within 90 days.
    expect(list).toHaveLength(13);
    expect(list[0]).toMatchObject({ d: `${D}:${at("2030-03-05T18:00:00Z")}`, series: D });
    // Berlin moves to summer time on 31 March 2030: 19:00 local is then 17:00 UTC.
    const april = list.find((i) => !i.time.allDay && i.time.start === at("2030-04-02T17:00:00Z"));
    expect(april).toBeDefined();
    const ev = buildPublicEvent(
      {
        event: weekly({ rule: "FREQ=WEEKLY;BYDAY=TU" }),
        d: list[0]!.d,
        groupPubkey: group.pk,
        time: list[0]!.time,
        series: D,
      },
      group.sk,
      1,
    );
    expect(ev.tags).toContainEqual(["rally_series", D]);
    expect(JSON.stringify(ev)).not.toContain("rally_rrule");
  });

  test("a series that starts months ahead is published from its first date, not cut off by today's window", () => {
    const now = at("2029-09-01T00:00:00Z");
    const list = publicInstances(weekly({ rule: "FREQ=WEEKLY;BYDAY=TU" }), D, now);
    expect(list[0]).toMatchObject({ d: `${D}:${at("2030-03-05T18:00:00Z")}`, series: D });
    expect(list).toHaveLength(13);
    // A series whose dates are all past has nothing to publish.
    const over = publicInstances(
      weekly({ rule: "FREQ=WEEKLY;BYDAY=TU;COUNT=3" }),
      D,
      at("2031-01-01T00:00:00Z"),
    );
    expect(over).toEqual([]);
  });

  test("cancelled occurrences are left out, moved ones keep their d and carry the new time; at most 60", () => {
    const now = at("2030-03-01T00:00:00Z");
    const second = at("2030-03-12T18:00:00Z");
    const third = at("2030-03-19T18:00:00Z");
    const moved = at("2030-03-20T18:00:00Z");
    const list = publicInstances(
      weekly({
        rule: "FREQ=WEEKLY;BYDAY=TU",
        exdates: [second],
        moved: [{ original: third, start: moved, end: moved + 7200 }],
      }),
      D,
      now,
    );
    expect(list.map((i) => i.d)).not.toContain(`${D}:${second}`);
    const m = list.find((i) => i.d === `${D}:${third}`);
    expect(m?.time).toMatchObject({ allDay: false, start: moved, end: moved + 7200 });
    expect(publicInstances(weekly({ rule: "FREQ=DAILY" }), D, now)).toHaveLength(60);
    // A single event is itself.
    expect(publicInstances(privateEvent(), D, now)).toEqual([{ d: D, time: privateEvent().time }]);
  });
});

describe("public face: inner messages", () => {
  const by = { pubkey: alice.pk, createdAt: 10 };
  const secret = Buffer.from(group.sk).toString("hex");

  test("1927 round-trips and travels as an inner message", () => {
    const r = buildPublicFace(
      { secret, name: "Tenants", about: null, picture: null, website: null, off: false },
      by,
    );
    expect(decodeInnerRumor(encodeInnerRumor(r)).kind).toBe(1927);
    const p = parsePublicFace(r);
    expect(p.ok && p.value.secret).toBe(secret);
    expect(p.ok && getPublicKey(Buffer.from(p.value.secret, "hex"))).toBe(group.pk);
    const bad = { ...r, content: JSON.stringify({ v: 1, secret: "zz", name: "x" }) };
    expect(parsePublicFace(bad).ok).toBe(false);
  });

  test("1928 and 1929 round-trip and refuse bad values", () => {
    const event = "ab".repeat(32);
    const pub = buildPublication({ event, d: D, status: "published" }, by);
    expect(decodeInnerRumor(encodeInnerRumor(pub)).kind).toBe(1928);
    expect(parsePublication(pub)).toEqual({ ok: true, value: { event, d: D, status: "published" } });
    expect(() => buildPublication({ event, d: "short", status: "published" }, by)).toThrow(InvalidInputError);
    const dec = buildAnswerDecision({ answer: "cd".repeat(32), event, status: "refused" }, by);
    expect(decodeInnerRumor(encodeInnerRumor(dec)).kind).toBe(1929);
    expect(parseAnswerDecision(dec)).toEqual({
      ok: true,
      value: { answer: "cd".repeat(32), event, status: "refused" },
    });
    const forged = { ...dec, tags: [["e", "x"]] };
    expect(parseAnswerDecision(forged).ok).toBe(false);
  });

  test("1931 carries a web answer to the hosts, checked with the web form's rules", () => {
    const event = "ab".repeat(32);
    const answer = {
      event: `31923:${group.pk}:${D}`,
      name: "Dora",
      contact: "dora@example.org",
      status: "going" as const,
      guests: 1,
      note: "",
      id: "cd".repeat(32),
      replyTo: bob.pk,
      at: 42,
    };
    const r = buildAnswerShare({ event, answer }, by);
    expect(r.kind).toBe(1931);
    expect(parseAnswerShare(r)).toEqual({ ok: true, value: { event, answer } });
    const tooMany = { ...r, content: JSON.stringify({ ...answer, guests: 99 }) };
    expect(parseAnswerShare(tooMany).ok).toBe(false);
  });
});
