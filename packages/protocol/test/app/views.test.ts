import { describe, expect, test } from "vitest";
import {
  buildCalendarEvent,
  buildChatMessage,
  buildDeletion,
  buildPlaces,
  buildPoll,
  buildPollResponse,
  buildReaction,
  buildRsvp,
  chatViews,
  eventTimeFromIso,
  eventViews,
  findEvent,
  pollViews,
  reduceGroup,
  sealRumor,
  withUnsealed,
} from "../../src/app/index.ts";
import { alice, bob, carol, dave, from } from "./people.ts";

const ctx = { admins: [alice.pk], members: [alice.pk, bob.pk, carol.pk, dave.pk] };

describe("event views", () => {
  const ev = buildCalendarEvent({
    pubkey: bob.pk,
    createdAt: 1,
    d: "meet",
    title: "Neighbourhood meeting",
    time: eventTimeFromIso({ start: "2025-10-26T01:30", end: "2025-10-26T04:00", tz: "Europe/Berlin" }),
    location: "Library",
    description: "Agenda: rent",
    capacity: 2,
    hosts: [carol.pk],
  });
  const answers = [
    buildRsvp({
      pubkey: alice.pk,
      createdAt: 2,
      event: { kind: 31923, owner: bob.pk, d: "meet" },
      status: "going",
      guests: 1,
    }),
    buildRsvp({
      pubkey: dave.pk,
      createdAt: 3,
      event: { kind: 31923, owner: bob.pk, d: "meet" },
      status: "going",
    }),
    buildRsvp({
      pubkey: carol.pk,
      createdAt: 4,
      event: { kind: 31923, owner: bob.pk, d: "meet" },
      status: "maybe",
    }),
  ];

  // carol, a co-host, confirmed alice's answer, then dave's.
  const places = buildPlaces({
    pubkey: carol.pk,
    createdAt: 5,
    event: { kind: 31923, owner: bob.pk, d: "meet" },
    seq: 1,
    places: [
      { pubkey: alice.pk, answer: answers[0]!.id, guests: 1 },
      { pubkey: dave.pk, answer: answers[1]!.id, guests: 0 },
    ],
  });

  test("before a host confirms, a going answer is asking for a place", () => {
    const state = reduceGroup(
      [ev, ...answers].map((r) => from(r)),
      ctx,
    );
    const [view] = eventViews(state, dave.pk);
    expect(view).toMatchObject({
      seatsTaken: 0,
      rsvps: { going: [], maybe: [carol.pk], declined: [], waitlist: [], asking: [alice.pk, dave.pk].sort() },
      myRsvp: "going",
      myPlace: "asking",
    });
    expect(eventViews(state, carol.pk)[0]!.myPlace).toBeNull();
  });

  test("the CLI shape: ISO 8601 times with the zone's offset, lists, guests, permissions", () => {
    const state = reduceGroup(
      [ev, ...answers, places].map((r) => from(r)),
      ctx,
    );
    const [view] = eventViews(state, dave.pk);
    expect(view).toMatchObject({
      title: "Neighbourhood meeting",
      // The night the clocks go back: 01:30 is still summer time, 04:00 is winter time.
      start: "2025-10-26T01:30:00+02:00",
      end: "2025-10-26T04:00:00+01:00",
      tz: "Europe/Berlin",
      allDay: false,
      location: "Library",
      description: "Agenda: rent",
      status: "confirmed",
      capacity: 2,
      seatsTaken: 2,
      author: bob.pk,
      hosts: [bob.pk, carol.pk],
      rsvps: { going: [alice.pk], maybe: [carol.pk], declined: [], waitlist: [dave.pk], asking: [] },
      guests: { [alice.pk]: 1 },
      myRsvp: "going",
      myPlace: "waitlist",
      canEdit: false,
      rsvpsHidden: false,
      answers: 3,
    });
    expect(Date.parse(view!.start)).toBe(Date.parse("2025-10-25T23:30:00Z"));
    expect(eventViews(state, bob.pk)[0]!.canEdit).toBe(true);
    expect(eventViews(state, alice.pk)[0]!.canEdit).toBe(true); // admin
    expect(findEvent(state, view!.id)?.d).toBe("meet");
    expect(findEvent(state, view!.id.slice(0, 8))?.d).toBe("meet");
    expect(findEvent(state, view!.id.slice(0, 3))).toBeUndefined();
    // Upcoming filter: over once it has ended.
    const end = Date.parse("2025-10-26T03:00:00Z") / 1000;
    expect(eventViews(state, null, { upcomingAfter: end - 1 })).toHaveLength(1);
    expect(eventViews(state, null, { upcomingAfter: end })).toHaveLength(0);
  });

  test("hosts-only answers: hosts see the list; other members only their own answer and a count", () => {
    const hidden = buildCalendarEvent({
      pubkey: bob.pk,
      createdAt: 1,
      d: "secret",
      title: "Action",
      time: eventTimeFromIso({ start: "2026-03-01" }),
      hosts: [carol.pk],
      hostsOnlyRsvps: true,
    });
    const address = { kind: 31922, owner: bob.pk, d: "secret" };
    const seal = (p: typeof alice, t: number) =>
      sealRumor({
        inner: buildRsvp({ pubkey: p.pk, createdAt: t, event: address, status: "going" }),
        senderSecretKey: p.sk,
        recipients: [bob.pk, carol.pk],
        createdAt: t,
        address: `31922:${bob.pk}:secret`,
      });
    const entries = [hidden, seal(alice, 2), seal(dave, 3)].map((r) => from(r));
    const forCarol = eventViews(reduceGroup(withUnsealed(entries, carol.sk), ctx), carol.pk)[0]!;
    expect(forCarol).toMatchObject({
      start: "2026-03-01",
      end: null,
      allDay: true,
      rsvpsHidden: false,
      answers: 2,
    });
    expect(forCarol.rsvps.going).toEqual([alice.pk, dave.pk]);
    const forDave = eventViews(reduceGroup(withUnsealed(entries, dave.sk), ctx), dave.pk)[0]!;
    expect(forDave).toMatchObject({
      rsvpsHidden: true,
      answers: 2,
      myRsvp: "going",
      myPlace: null,
      rsvps: { going: [dave.pk], maybe: [], declined: [], waitlist: [] },
    });
    expect(JSON.stringify(forDave)).not.toContain(alice.pk);
  });
});

describe("poll and chat views", () => {
  test("polls with my vote; deleted polls are left out", () => {
    const p = buildPoll({
      pubkey: bob.pk,
      createdAt: 1,
      question: "Date?",
      options: ["2025-06-01", "2025-06-02"],
      dates: true,
    });
    const gone = buildPoll({ pubkey: bob.pk, createdAt: 2, question: "Old", options: ["a", "b"] });
    const state = reduceGroup(
      [
        p,
        gone,
        buildPollResponse({ pubkey: carol.pk, createdAt: 3, poll: p.id, choices: ["1"] }),
        buildDeletion({ pubkey: bob.pk, createdAt: 4, targets: [{ id: gone.id }] }),
      ].map((r) => from(r)),
      ctx,
    );
    const views = pollViews(state, carol.pk, { now: 10 });
    expect(views).toHaveLength(1);
    expect(views[0]).toMatchObject({
      question: "Date?",
      dates: true,
      multiple: false,
      myVote: ["1"],
      voters: 1,
      closed: false,
      canDelete: false,
      options: [
        { id: "0", label: "2025-06-01", votes: [] },
        { id: "1", label: "2025-06-02", votes: [carol.pk] },
      ],
    });
  });

  test("chat with reactions and tombstones", () => {
    const m1 = buildChatMessage({ pubkey: bob.pk, createdAt: 1, text: "<script>alert(1)</script>" });
    const m2 = buildChatMessage({ pubkey: carol.pk, createdAt: 2, text: "bye", replyTo: m1 });
    const state = reduceGroup(
      [
        m1,
        m2,
        buildReaction({ pubkey: carol.pk, createdAt: 3, target: m1, emoji: "👀" }),
        buildDeletion({ pubkey: carol.pk, createdAt: 4, targets: [{ id: m2.id }] }),
      ].map((r) => from(r)),
      ctx,
    );
    expect(chatViews(state, carol.pk)).toEqual([
      {
        id: m1.id,
        author: bob.pk,
        text: "<script>alert(1)</script>",
        createdAt: 1,
        ms: 0,
        replyTo: null,
        reactions: [{ emoji: "👀", authors: [carol.pk] }],
        deleted: false,
        mine: false,
        canDelete: false,
      },
      {
        id: m2.id,
        author: carol.pk,
        text: "",
        createdAt: 2,
        ms: 0,
        replyTo: m1.id,
        reactions: [],
        deleted: true,
        mine: true,
        canDelete: false,
      },
    ]);
    expect(chatViews(state, alice.pk)[0]!.canDelete).toBe(true);
  });
});
