/**
 * A rumor's time is raised to the start of the epoch that carried it (`floor`), as it is capped at
 * its receipt plus MAX_CLOCK_SKEW: a slow clock, or a member choosing a date, cannot file a message
 * before the commit that began its epoch, nor vote in a poll that had closed by then.
 */
import { describe, expect, test } from "vitest";
import {
  buildCalendarEvent,
  buildChatMessage,
  buildEventEdit,
  buildPoll,
  buildPollResponse,
  effectiveCreatedAt,
  type GroupContext,
  MAX_CLOCK_SKEW,
  parseCalendarEvent,
  type Rumor,
  type RumorEntry,
  reduceGroup,
} from "../../src/app/index.ts";
import { alice, bob, carol } from "./people.ts";

const entry = (rumor: Rumor, epoch: number, extra: Partial<RumorEntry> = {}): RumorEntry => ({
  rumor,
  sender: rumor.pubkey,
  epoch,
  ...extra,
});
const context: GroupContext = {
  admins: [alice.pk],
  adminsByEpoch: new Map([
    [1, [alice.pk]],
    [2, [alice.pk]],
  ]),
  members: [alice.pk, bob.pk, carol.pk],
};
const HOUR = 3600;
/** Epoch 2 began with a commit this device filed at this time. */
const EPOCH_2 = 1_700_000_000;

describe("effectiveCreatedAt: between the epoch's start and the receipt plus skew", () => {
  test("the floor raises an earlier time and leaves a later one", () => {
    expect(effectiveCreatedAt(EPOCH_2 - 2 * HOUR, EPOCH_2 + 60, EPOCH_2)).toBe(EPOCH_2);
    expect(effectiveCreatedAt(0, EPOCH_2 + 60, EPOCH_2)).toBe(EPOCH_2);
    expect(effectiveCreatedAt(EPOCH_2 - 1, undefined, EPOCH_2)).toBe(EPOCH_2);
    expect(effectiveCreatedAt(EPOCH_2, EPOCH_2 + 60, EPOCH_2)).toBe(EPOCH_2);
    expect(effectiveCreatedAt(EPOCH_2 + 30, EPOCH_2 + 60, EPOCH_2)).toBe(EPOCH_2 + 30);
  });

  test("the ceiling still caps a time in the future", () => {
    expect(effectiveCreatedAt(4_000_000_000, EPOCH_2 + 60, EPOCH_2)).toBe(EPOCH_2 + 60 + MAX_CLOCK_SKEW);
    expect(effectiveCreatedAt(EPOCH_2 + 60 + MAX_CLOCK_SKEW, EPOCH_2 + 60, EPOCH_2)).toBe(
      EPOCH_2 + 60 + MAX_CLOCK_SKEW,
    );
  });

  test("a floor after the receipt (the reader's clock was set back) yields to the ceiling", () => {
    expect(effectiveCreatedAt(EPOCH_2 - 2 * HOUR, EPOCH_2 - 600, EPOCH_2)).toBe(
      EPOCH_2 - 600 + MAX_CLOCK_SKEW,
    );
  });

  test("no floor without a valid one: the time as before", () => {
    expect(effectiveCreatedAt(100, 900)).toBe(100);
    expect(effectiveCreatedAt(100, 900, undefined)).toBe(100);
    expect(effectiveCreatedAt(100, 900, -5)).toBe(100);
    expect(effectiveCreatedAt(100, 900, 1.5)).toBe(100);
    expect(effectiveCreatedAt(100, 900, Number.NaN)).toBe(100);
  });
});

describe("the reducer files a slow clock's message after the commit that began its epoch", () => {
  // Alice wrote in epoch 1, ten minutes before the commit that began epoch 2; Carol's clock is two
  // hours slow and she writes in epoch 2, a minute after it began; Bob writes after her.
  const before = buildChatMessage({ pubkey: alice.pk, createdAt: EPOCH_2 - 600, text: "before" });
  const slow = buildChatMessage({ pubkey: carol.pk, createdAt: EPOCH_2 + 60 - 2 * HOUR, text: "slow" });
  const after = buildChatMessage({ pubkey: bob.pk, createdAt: EPOCH_2 + 120, text: "after" });
  const entries = [
    entry(before, 1, { receivedAt: EPOCH_2 - 600 }),
    entry(slow, 2, { receivedAt: EPOCH_2 + 60, floor: EPOCH_2 }),
    entry(after, 2, { receivedAt: EPOCH_2 + 120, floor: EPOCH_2 }),
  ];

  test("in order, at the epoch's start", () => {
    const s = reduceGroup(entries, context);
    expect(s.messages.map((m) => m.text)).toEqual(["before", "slow", "after"]);
    expect(s.messages[1]?.createdAt).toBe(EPOCH_2);
  });

  test("without the floor (a record from before it was kept) it sinks, as it used to", () => {
    const s = reduceGroup(
      entries.map(({ floor: _, ...e }) => e),
      context,
    );
    expect(s.messages.map((m) => m.text)).toEqual(["slow", "before", "after"]);
  });

  test("the same state in any order", () => {
    const reference = reduceGroup(entries, context);
    expect(reduceGroup([...entries].reverse(), context)).toEqual(reference);
    expect(reduceGroup([entries[1]!, entries[2]!, entries[0]!], context)).toEqual(reference);
  });
});

describe("a date chosen a year back buys nothing", () => {
  const YEAR = 365 * 24 * HOUR;

  test("a vote dated before a poll closed, carried in an epoch that began after, does not count", () => {
    const poll = buildPoll({
      pubkey: alice.pk,
      createdAt: EPOCH_2 - HOUR,
      question: "Saturday?",
      options: ["yes", "no"],
      endsAt: EPOCH_2 - 60,
    });
    const vote = (pubkey: string, createdAt: number) =>
      buildPollResponse({ pubkey, createdAt, poll: poll.id, choices: ["1"] });
    const s = reduceGroup(
      [
        entry(poll, 1, { receivedAt: EPOCH_2 - HOUR }),
        entry(vote(bob.pk, EPOCH_2 - 120), 1, { receivedAt: EPOCH_2 - 120 }),
        entry(vote(carol.pk, EPOCH_2 - YEAR), 2, { receivedAt: EPOCH_2 + 60, floor: EPOCH_2 }),
      ],
      context,
    );
    expect(s.polls[0]?.options[1]?.votes).toEqual([bob.pk]);
  });

  test("an edit dated a year back still supersedes the version it was written over", () => {
    const time = { allDay: false, start: 2_000_000_000, end: null, tz: null, endTz: null } as const;
    const v1 = buildCalendarEvent({
      pubkey: carol.pk,
      createdAt: EPOCH_2 - HOUR,
      d: "ev",
      title: "Picnic",
      time,
    });
    const p = parseCalendarEvent(v1);
    if (!p.ok) throw new Error(p.error);
    const edit = buildEventEdit(
      p.value,
      { title: "Picnic at 6" },
      { pubkey: carol.pk, createdAt: EPOCH_2 - YEAR },
    );
    const s = reduceGroup(
      [
        entry(v1, 1, { receivedAt: EPOCH_2 - HOUR }),
        entry(edit, 2, { receivedAt: EPOCH_2 + 60, floor: EPOCH_2 }),
      ],
      context,
    );
    expect(s.events[0]?.title).toBe("Picnic at 6");
    expect(s.events[0]?.updatedAt).toBe(EPOCH_2);
  });
});
