import { describe, expect, test } from "vitest";
import {
  buildCalendarEvent,
  buildChatMessage,
  buildDeletion,
  buildEventCancel,
  buildEventEdit,
  buildPlaces,
  buildPoll,
  buildPollResponse,
  buildReaction,
  buildRsvp,
  type CalendarEventInput,
  type GroupContext,
  makeRumor,
  type ParsedCalendarEvent,
  parseCalendarEvent,
  type RsvpStatus,
  type Rumor,
  reduceGroup,
  withMs,
} from "../../src/app/index.ts";
import { alice, bob, carol, dave, erin, from, type Person } from "./people.ts";

const everyone = [alice, bob, carol, dave, erin].map((p) => p.pk);
const ctx: GroupContext = { admins: [alice.pk], members: everyone };

const chat = (p: Person, t: number, text: string, replyTo?: Rumor) =>
  buildChatMessage({
    pubkey: p.pk,
    createdAt: t,
    text,
    replyTo: replyTo ? { id: replyTo.id, pubkey: replyTo.pubkey } : null,
  });

const baseEvent: CalendarEventInput = {
  title: "Picnic",
  time: { allDay: false, start: 2_000_000_000, end: 2_000_003_600, tz: null, endTz: null },
};
const event = (p: Person, t: number, extra: Partial<CalendarEventInput> = {}, d = "ev") =>
  buildCalendarEvent({ pubkey: p.pk, createdAt: t, d, ...baseEvent, ...extra });
const parsed = (r: Rumor): ParsedCalendarEvent => {
  const p = parseCalendarEvent(r);
  if (!p.ok) throw new Error(p.error);
  return p.value;
};
const rsvp = (p: Person, t: number, status: RsvpStatus, guests = 0, owner = alice, d = "ev") =>
  buildRsvp({ pubkey: p.pk, createdAt: t, event: { kind: 31923, owner: owner.pk, d }, status, guests });

describe("chat", () => {
  test("messages ordered by (created_at, id), with replies and reactions grouped by emoji", () => {
    const m1 = chat(alice, 10, "first");
    const m2 = chat(bob, 20, "second", m1);
    const m3 = chat(carol, 20, "same second");
    const reactions = [
      buildReaction({ pubkey: bob.pk, createdAt: 30, target: m1, emoji: "👍" }),
      buildReaction({ pubkey: carol.pk, createdAt: 31, target: m1, emoji: "👍" }),
      buildReaction({ pubkey: carol.pk, createdAt: 32, target: m1, emoji: "✊" }),
      buildReaction({ pubkey: carol.pk, createdAt: 33, target: m1, emoji: "👍" }),
    ];
    const s = reduceGroup(
      [m3, ...reactions, m2, m1].map((r) => from(r)),
      ctx,
    );
    const order = [m2, m3].sort((a, b) => (a.id < b.id ? -1 : 1));
    expect(s.messages.map((m) => m.id)).toEqual([m1.id, ...order.map((m) => m.id)]);
    expect(s.messages.find((m) => m.id === m2.id)?.replyTo).toBe(m1.id);
    expect(s.messages[0]!.reactions).toEqual([
      { emoji: "👍", authors: [bob.pk, carol.pk] },
      { emoji: "✊", authors: [carol.pk] },
    ]);
  });

  test("only the author or an admin may delete; a deleted message keeps a tombstone", () => {
    const m1 = chat(bob, 10, "oops");
    const m2 = chat(carol, 11, "keep me");
    const m3 = chat(dave, 12, "rude");
    const byCarolOfBob = buildDeletion({ pubkey: carol.pk, createdAt: 20, targets: [{ id: m1.id }] });
    const byCarolOfOwn = buildDeletion({ pubkey: carol.pk, createdAt: 21, targets: [{ id: m2.id }] });
    const byAdmin = buildDeletion({ pubkey: alice.pk, createdAt: 22, targets: [{ id: m3.id }] });
    const s = reduceGroup(
      [m1, m2, m3, byCarolOfBob, byCarolOfOwn, byAdmin].map((r) => from(r)),
      ctx,
    );
    const [a, b, c] = s.messages;
    expect(a).toMatchObject({ id: m1.id, text: "oops", deleted: false });
    expect(b).toMatchObject({
      id: m2.id,
      text: "",
      deleted: true,
      deletedBy: carol.pk,
      author: carol.pk,
      createdAt: 11,
    });
    expect(c).toMatchObject({ id: m3.id, text: "", deleted: true, deletedBy: alice.pk });
    expect(s.ignored).toContainEqual({
      id: byCarolOfBob.id,
      kind: 5,
      sender: carol.pk,
      reason: "only the author or a group admin may delete a message",
    });
  });

  test("a deletion that arrives before its target still applies; a deleted reaction is withdrawn", () => {
    const m = chat(bob, 10, "hello");
    const like = buildReaction({ pubkey: carol.pk, createdAt: 11, target: m, emoji: "+" });
    const unlike = buildDeletion({ pubkey: carol.pk, createdAt: 12, targets: [{ id: like.id, kind: 7 }] });
    const s = reduceGroup(
      [unlike, like, m].map((r) => from(r)),
      ctx,
    );
    expect(s.messages[0]!.reactions).toEqual([]);
  });

  test("rumors whose author is not the MLS sender are ignored", () => {
    const forged = chat(alice, 10, "I am alice");
    const s = reduceGroup([{ rumor: forged, sender: dave.pk }], ctx);
    expect(s.messages).toEqual([]);
    expect(s.ignored[0]).toMatchObject({
      sender: dave.pk,
      reason: "the rumor's author is not the member who sent it",
    });
  });

  test("malformed entries are reported, not thrown", () => {
    const bad = { ...chat(alice, 1, "x"), content: "tampered" };
    const weird = makeRumor({ pubkey: alice.pk, createdAt: 1, kind: 30023, tags: [], content: "" });
    const s = reduceGroup(
      [from(bad), from(weird), { rumor: null as unknown as Rumor, sender: alice.pk }],
      ctx,
    );
    expect(s.messages).toEqual([]);
    expect(s.ignored.map((i) => i.reason).sort()).toEqual([
      "kind 30023 is not part of a group's application state",
      "rumor id does not match its contents",
      "rumor is not an object",
    ]);
  });
});

describe("calendar events", () => {
  test("newest permitted version wins; ties go to the lowest id", () => {
    const v1 = event(alice, 100);
    const v2 = buildEventEdit(parsed(v1), { title: "Picnic (moved)" }, { pubkey: alice.pk, createdAt: 200 });
    const s = reduceGroup(
      [v2, v1].map((r) => from(r)),
      ctx,
    );
    expect(s.events).toHaveLength(1);
    expect(s.events[0]).toMatchObject({
      title: "Picnic (moved)",
      createdAt: 100,
      updatedAt: 200,
      versionId: v2.id,
    });
    const t1 = buildEventEdit(parsed(v1), { title: "A" }, { pubkey: alice.pk, createdAt: 300 });
    const t2 = buildEventEdit(parsed(v1), { title: "B" }, { pubkey: alice.pk, createdAt: 300 });
    const lowest = t1.id < t2.id ? t1 : t2;
    const tie = reduceGroup(
      [v1, t1, t2].map((r) => from(r)),
      ctx,
    );
    expect(tie.events[0]!.versionId).toBe(lowest.id);
  });

  test("a member cannot edit someone else's event; an admin can; co-hosts cannot", () => {
    const v1 = event(bob, 100, { hosts: [carol.pk] });
    const byDave = buildEventEdit(parsed(v1), { title: "Hijacked" }, { pubkey: dave.pk, createdAt: 200 });
    const byCohost = buildEventEdit(
      parsed(v1),
      { title: "By co-host" },
      { pubkey: carol.pk, createdAt: 250 },
    );
    const s1 = reduceGroup(
      [v1, byDave, byCohost].map((r) => from(r)),
      ctx,
    );
    expect(s1.events[0]!.title).toBe("Picnic");
    expect(
      s1.ignored
        .filter((i) => i.reason.includes("owner or a group admin"))
        .map((i) => i.sender)
        .sort(),
    ).toEqual([carol.pk, dave.pk].sort());
    const byAdmin = buildEventEdit(parsed(v1), { title: "Fixed typo" }, { pubkey: alice.pk, createdAt: 300 });
    const s2 = reduceGroup(
      [v1, byDave, byAdmin].map((r) => from(r)),
      ctx,
    );
    expect(s2.events[0]).toMatchObject({ title: "Fixed typo", owner: bob.pk, updatedBy: alice.pk });
    // A forged version under bob's own pubkey but sent by dave is refused at the door.
    const forged = buildEventEdit(parsed(v1), { title: "Forged" }, { pubkey: bob.pk, createdAt: 400 });
    const s3 = reduceGroup([from(v1), { rumor: forged, sender: dave.pk }], ctx);
    expect(s3.events[0]!.title).toBe("Picnic");
  });

  test("admin rights are judged in the epoch that carried the edit", () => {
    const v1 = event(bob, 100);
    const edit = buildEventEdit(
      parsed(v1),
      { title: "Edited by carol" },
      { pubkey: carol.pk, createdAt: 200 },
    );
    const admins = new Map([
      [1, [alice.pk, carol.pk]],
      [2, [alice.pk]],
    ]);
    const whileAdmin = reduceGroup([from(v1, 1), from(edit, 1)], { ...ctx, adminsByEpoch: admins });
    expect(whileAdmin.events[0]!.title).toBe("Edited by carol");
    const afterDemotion = reduceGroup([from(v1, 1), from(edit, 2)], { ...ctx, adminsByEpoch: admins });
    expect(afterDemotion.events[0]!.title).toBe("Picnic");
    // The same edit delivered twice: the copy from the earliest epoch decides, whatever the order.
    const twice = [from(v1, 1), from(edit, 2), from(edit, 1)];
    expect(reduceGroup(twice, { ...ctx, adminsByEpoch: admins }).events[0]!.title).toBe("Edited by carol");
    expect(reduceGroup(twice.reverse(), { ...ctx, adminsByEpoch: admins }).events[0]!.title).toBe(
      "Edited by carol",
    );
  });

  test("cancelling keeps the event with status cancelled; a later edit can restore it", () => {
    const v1 = event(alice, 100, { capacity: 5 });
    const cancel = buildEventCancel(parsed(v1), { pubkey: alice.pk, createdAt: 200 });
    const s = reduceGroup(
      [v1, cancel].map((r) => from(r)),
      ctx,
    );
    expect(s.events[0]).toMatchObject({ cancelled: true, capacity: 5, title: "Picnic" });
    const restore = buildEventEdit(
      parsed(cancel),
      { cancelled: false },
      { pubkey: alice.pk, createdAt: 300 },
    );
    expect(
      reduceGroup(
        [v1, cancel, restore].map((r) => from(r)),
        ctx,
      ).events[0]!.cancelled,
    ).toBe(false);
  });

  test("events are ordered by start; all-day and timed mix", () => {
    const late = event(
      alice,
      1,
      { time: { allDay: false, start: 2_100_000_000, end: null, tz: null, endTz: null } },
      "late",
    );
    const day = event(bob, 1, { time: { allDay: true, start: "2033-05-19", end: null } }, "day");
    const early = event(carol, 1, {}, "early");
    const s = reduceGroup(
      [late, day, early].map((r) => from(r)),
      ctx,
    );
    expect(s.events.map((e) => e.d)).toEqual(["early", "day", "late"]);
  });
});

describe("RSVPs, capacity and waitlist", () => {
  const ev = event(alice, 1, { capacity: 3 });
  /** alice's device confirms places in the order it received these answers. */
  const confirm = (seq: number, answers: Rumor[]) =>
    buildPlaces({
      pubkey: alice.pk,
      createdAt: 1000 + seq,
      event: { kind: 31923, owner: alice.pk, d: "ev" },
      seq,
      places: answers.map((a) => ({
        pubkey: a.pubkey,
        answer: a.id,
        guests: Number(a.tags.find((t) => t[0] === "rally_guests")?.[1] ?? 0),
      })),
    });

  test("newest answer per person wins; guests count as seats; the waitlist moves up", () => {
    const answers = [
      rsvp(bob, 10, "going", 1), // 2 seats
      rsvp(carol, 11, "going"), // 1 seat: full
      rsvp(dave, 12, "going"), // waits
      rsvp(erin, 13, "going"), // waits
    ];
    const line = confirm(1, answers);
    const s1 = reduceGroup(
      [ev, ...answers, line].map((r) => from(r)),
      ctx,
    );
    expect(s1.events[0]).toMatchObject({
      going: [bob.pk, carol.pk],
      waitlist: [dave.pk, erin.pk],
      seatsTaken: 3,
    });
    // carol can't go after all: dave moves up, erin still waits.
    const s2 = reduceGroup(
      [ev, ...answers, line, rsvp(carol, 20, "declined")].map((r) => from(r)),
      ctx,
    );
    expect(s2.events[0]).toMatchObject({
      going: [bob.pk, dave.pk],
      waitlist: [erin.pk],
      declined: [carol.pk],
    });
    // bob drops his guest: erin fits too.
    const s3 = reduceGroup(
      [ev, ...answers, line, rsvp(carol, 20, "declined"), rsvp(bob, 21, "going", 0)].map((r) => from(r)),
      ctx,
    );
    expect(s3.events[0]).toMatchObject({ going: [bob.pk, dave.pk, erin.pk], waitlist: [], seatsTaken: 3 });
  });

  test("answers in the same second: the lowest id is the newer one, as for event versions", () => {
    const a = rsvp(bob, 10, "going");
    const b = rsvp(bob, 10, "declined");
    const lowest = a.id < b.id ? a : b;
    const s = reduceGroup(
      [ev, a, b].map((r) => from(r)),
      ctx,
    );
    expect(s.events[0]!.rsvps[0]!.id).toBe(lowest.id);
    const votesPoll = buildPoll({ pubkey: alice.pk, createdAt: 1, question: "Q", options: ["x", "y"] });
    const v1 = buildPollResponse({ pubkey: bob.pk, createdAt: 5, poll: votesPoll.id, choices: ["0"] });
    const v2 = buildPollResponse({ pubkey: bob.pk, createdAt: 5, poll: votesPoll.id, choices: ["1"] });
    const winner = v1.id < v2.id ? "0" : "1";
    for (const order of [
      [votesPoll, v1, v2],
      [v2, v1, votesPoll],
    ]) {
      const p = reduceGroup(
        order.map((r) => from(r)),
        ctx,
      ).polls[0]!;
      expect(p.options.find((o) => o.votes.includes(bob.pk))!.id).toBe(winner);
    }
  });

  test("an answer or a vote changed twice in one second keeps the later one by its milliseconds", () => {
    // Whichever id is lower, the later millisecond wins: ids decide only what the clock left equal.
    for (const [first, then] of [
      ["going", "declined"],
      ["declined", "going"],
    ] as const) {
      const a = withMs(rsvp(bob, 10, first), 100);
      const b = withMs(rsvp(bob, 10, then), 700);
      for (const order of [
        [ev, a, b],
        [ev, b, a],
      ]) {
        const s = reduceGroup(
          order.map((r) => from(r)),
          ctx,
        );
        expect(s.events[0]!.rsvps[0]!.id).toBe(b.id);
      }
    }
    const poll = buildPoll({ pubkey: alice.pk, createdAt: 1, question: "Q", options: ["x", "y"] });
    const v1 = withMs(buildPollResponse({ pubkey: bob.pk, createdAt: 5, poll: poll.id, choices: ["0"] }), 10);
    const v2 = withMs(buildPollResponse({ pubkey: bob.pk, createdAt: 5, poll: poll.id, choices: ["1"] }), 20);
    for (const order of [
      [poll, v1, v2],
      [v2, v1, poll],
    ]) {
      const p = reduceGroup(
        order.map((r) => from(r)),
        ctx,
      ).polls[0]!;
      expect(p.options.find((o) => o.votes.includes(bob.pk))!.id).toBe("1");
    }
  });

  test("fewer guests keep one's place, more ask again; maybe then going again goes to the back", () => {
    const base = [
      rsvp(bob, 10, "going", 1),
      rsvp(carol, 11, "going"),
      rsvp(dave, 12, "going"),
      rsvp(erin, 13, "going"),
    ];
    const line = confirm(1, base);
    const s1 = reduceGroup(
      [ev, ...base, line, rsvp(bob, 30, "going", 0)].map((r) => from(r)),
      ctx,
    );
    expect(s1.events[0]).toMatchObject({ going: [bob.pk, carol.pk, dave.pk], waitlist: [erin.pk] });
    const grown = rsvp(bob, 30, "going", 2);
    const s2 = reduceGroup(
      [ev, ...base, line, grown].map((r) => from(r)),
      ctx,
    );
    expect(s2.events[0]).toMatchObject({ going: [carol.pk, dave.pk, erin.pk], asking: [bob.pk] });
    const back = rsvp(bob, 31, "going");
    const s3 = reduceGroup(
      [ev, ...base, line, rsvp(bob, 30, "maybe"), back].map((r) => from(r)),
      ctx,
    );
    expect(s3.events[0]).toMatchObject({
      going: [carol.pk, dave.pk, erin.pk],
      asking: [bob.pk],
      maybe: [],
    });
    // The host's next confirmation puts him at the back of the line.
    const s4 = reduceGroup(
      [ev, ...base, line, rsvp(bob, 30, "maybe"), back, confirm(2, [...base.slice(1), back])].map((r) =>
        from(r),
      ),
      ctx,
    );
    expect(s4.events[0]).toMatchObject({ going: [carol.pk, dave.pk, erin.pk], waitlist: [bob.pk] });
  });

  test("answers from people no longer in the group hold no seat; a removed member's later answers are ignored", () => {
    const answers = [
      rsvp(bob, 10, "going"),
      rsvp(carol, 11, "going"),
      rsvp(dave, 12, "going"),
      rsvp(erin, 13, "going"),
    ];
    const daveRemoved: GroupContext = {
      admins: [alice.pk],
      members: [alice.pk, bob.pk, carol.pk, erin.pk],
      removedAt: { [dave.pk]: 100 },
    };
    const s = reduceGroup(
      [ev, ...answers, confirm(1, answers)].map((r) => from(r)),
      daveRemoved,
    );
    expect(s.events[0]).toMatchObject({ going: [bob.pk, carol.pk, erin.pk], waitlist: [] });
    // Removal is judged by epoch, not by dave's clock: an answer dated after his removal but read
    // in time is not refused for its date (as a former member he holds no seat anyway); one read
    // late is refused.
    const ahead = rsvp(dave, 150, "going", 2);
    const s2 = reduceGroup([from(ev), from(ahead)], daveRemoved);
    expect(s2.events[0]).toMatchObject({ going: [], waitlist: [] });
    expect(s2.ignored.map((i) => i.id)).not.toContain(ahead.id);
    const s3 = reduceGroup([from(ev), { ...from(ahead), late: true }], daveRemoved);
    expect(s3.ignored).toContainEqual({
      id: ahead.id,
      kind: 31925,
      sender: dave.pk,
      reason: "written after its author was removed from the group",
    });
  });

  test("answers for an unknown event wait for it; answers follow the event across kinds", () => {
    const early = rsvp(bob, 10, "going");
    expect(reduceGroup([from(early)], ctx).events).toEqual([]);
    const allDay = buildEventEdit(
      parsed(ev),
      { time: { allDay: true, start: "2033-05-18", end: null } },
      { pubkey: alice.pk, createdAt: 50 },
    );
    const s = reduceGroup(
      [ev, allDay, early, confirm(1, [early])].map((r) => from(r)),
      ctx,
    );
    expect(s.events[0]).toMatchObject({ kind: 31922, going: [bob.pk] });
  });
});

describe("polls", () => {
  const single = buildPoll({
    pubkey: alice.pk,
    createdAt: 1,
    question: "Where?",
    options: ["Park", "Hall", "Café"],
  });
  const multi = buildPoll({
    pubkey: bob.pk,
    createdAt: 2,
    question: "Which dates?",
    options: ["2025-06-01", "2025-06-08", "2025-06-15"],
    dates: true,
    multiple: true,
    endsAt: 100,
  });
  const vote = (p: Person, t: number, poll: Rumor, choices: string[]) =>
    buildPollResponse({ pubkey: p.pk, createdAt: t, poll: poll.id, choices });

  test("newest response per person; single choice keeps one option; tallies", () => {
    const s = reduceGroup(
      [
        single,
        vote(bob, 10, single, ["0"]),
        vote(bob, 11, single, ["1"]),
        vote(carol, 12, single, ["1", "2"]),
        vote(dave, 13, single, ["9", "2"]),
      ].map((r) => from(r)),
      ctx,
    );
    expect(s.polls[0]!.options.map((o) => [o.label, o.votes])).toEqual([
      ["Park", []],
      ["Hall", [bob.pk, carol.pk]],
      ["Café", [dave.pk]],
    ]);
    expect(s.polls[0]!.voters).toBe(3);
  });

  test("multiple choice, pick-a-date, responses after endsAt ignored, empty response clears", () => {
    const s = reduceGroup(
      [
        multi,
        vote(carol, 10, multi, ["0", "2"]),
        vote(dave, 20, multi, ["1"]),
        vote(dave, 200, multi, ["0"]), // too late: dave's earlier vote stands
        vote(erin, 30, multi, ["1"]),
        vote(erin, 40, multi, []),
      ].map((r) => from(r)),
      ctx,
    );
    const p = s.polls[0]!;
    expect(p).toMatchObject({ dates: true, multiple: true, endsAt: 100 });
    expect(p.options.map((o) => o.votes)).toEqual([[carol.pk], [dave.pk], [carol.pk]]);
    expect(p.voters).toBe(3);
  });

  test("votes of non-members are not counted; a deleted poll is flagged", () => {
    const s = reduceGroup(
      [
        single,
        vote(dave, 10, single, ["0"]),
        vote(bob, 11, single, ["0"]),
        buildDeletion({ pubkey: alice.pk, createdAt: 50, targets: [{ id: single.id, kind: 1068 }] }),
      ].map((r) => from(r)),
      { admins: [alice.pk], members: [alice.pk, bob.pk] },
    );
    expect(s.polls[0]).toMatchObject({ deleted: true, voters: 1 });
    expect(s.polls[0]!.options[0]!.votes).toEqual([bob.pk]);
  });
});
