/**
 * Issue 8's application-layer rules: late admin acts (review F2) and inner `created_at` clamped to
 * the receipt time plus MAX_CLOCK_SKEW (review F13).
 */
import { describe, expect, test } from "vitest";
import {
  buildCalendarEvent,
  buildChatMessage,
  buildDeletion,
  buildEventEdit,
  buildReaction,
  effectiveCreatedAt,
  type GroupContext,
  MAX_CLOCK_SKEW,
  type ParsedCalendarEvent,
  parseCalendarEvent,
  type Rumor,
  type RumorEntry,
  reduceGroup,
} from "../../src/app/index.ts";
import { alice, bob, carol, dave } from "./people.ts";

const parsed = (r: Rumor): ParsedCalendarEvent => {
  const p = parseCalendarEvent(r);
  if (!p.ok) throw new Error(p.error);
  return p.value;
};
const entry = (rumor: Rumor, epoch: number, extra: Partial<RumorEntry> = {}): RumorEntry => ({
  rumor,
  sender: rumor.pubkey,
  epoch,
  ...extra,
});
const time = { allDay: false, start: 2_000_000_000, end: null, tz: null, endTz: null } as const;

// Bob was an admin in epochs 1 and 2; Alice demoted him in the commit that opened epoch 3.
const demoted: GroupContext = {
  admins: [alice.pk],
  adminsByEpoch: new Map([
    [1, [alice.pk, bob.pk]],
    [2, [alice.pk, bob.pk]],
    [3, [alice.pk]],
  ]),
  members: [alice.pk, bob.pk, carol.pk],
};
// Same history, but the commit that opened epoch 3 removed Bob at t=500.
const removed: GroupContext = { ...demoted, members: [alice.pk, carol.pk], removedAt: { [bob.pk]: 500 } };
// Bob is still an admin now.
const stillAdmin: GroupContext = {
  ...demoted,
  admins: [alice.pk, bob.pk],
  adminsByEpoch: new Map([
    [1, [alice.pk, bob.pk]],
    [2, [alice.pk, bob.pk]],
    [3, [alice.pk, bob.pk]],
  ]),
};

describe("late admin acts (F2)", () => {
  const carolsMessage = buildChatMessage({ pubkey: carol.pk, createdAt: 100, text: "see you at 6" });
  const bobsDeletion = buildDeletion({
    pubkey: bob.pk,
    createdAt: 400,
    targets: [{ id: carolsMessage.id, kind: 9 }],
  });
  const carolsEvent = buildCalendarEvent({
    pubkey: carol.pk,
    createdAt: 100,
    d: "ev",
    title: "Picnic",
    time,
  });
  const bobsEdit = buildEventEdit(
    parsed(carolsEvent),
    { title: "Cancelled, stay home" },
    {
      pubkey: bob.pk,
      createdAt: 400,
    },
  );

  const run = (ctx: GroupContext, late: boolean) =>
    reduceGroup(
      [
        entry(carolsMessage, 1),
        entry(carolsEvent, 1),
        entry(bobsDeletion, 2, { late, receivedAt: 450 }),
        entry(bobsEdit, 2, { late, receivedAt: 450 }),
      ],
      ctx,
    );

  test("F2: a demoted admin's deletion and edit of others' content, read late, have no effect", () => {
    const s = run(demoted, true);
    expect(s.messages[0]).toMatchObject({ deleted: false, text: "see you at 6" });
    expect(s.events[0]).toMatchObject({ title: "Picnic", updatedBy: carol.pk });
    expect(s.ignored.map((i) => i.reason)).toContain(
      "read after its author stopped being an admin of the group",
    );
  });

  test("F2: a removed admin's deletion and edit of others' content, read late, have no effect", () => {
    // Dated before the removal, so the removedAt rule alone would let them through.
    const s = run(removed, true);
    expect(s.messages[0]).toMatchObject({ deleted: false, text: "see you at 6" });
    expect(s.events[0]).toMatchObject({ title: "Picnic", updatedBy: carol.pk });
  });

  test("F2: acts read in time still stand after a later demotion", () => {
    const s = run(demoted, false);
    expect(s.messages[0]).toMatchObject({ deleted: true, deletedBy: bob.pk });
    expect(s.events[0]).toMatchObject({ title: "Cancelled, stay home", updatedBy: bob.pk });
  });

  test("F2: a late act of someone who is still a member and an admin counts", () => {
    const s = run(stillAdmin, true);
    expect(s.messages[0]).toMatchObject({ deleted: true, deletedBy: bob.pk });
    expect(s.events[0]).toMatchObject({ title: "Cancelled, stay home" });
  });

  test("F2: a late act needs admin rights in its own epoch too, not only now", () => {
    // Dave was never an admin before epoch 3; a late epoch-2 deletion does not borrow today's rights.
    const ctx: GroupContext = {
      admins: [alice.pk, dave.pk],
      adminsByEpoch: new Map([[2, [alice.pk]]]),
      members: [alice.pk, carol.pk, dave.pk],
    };
    const del = buildDeletion({ pubkey: dave.pk, createdAt: 400, targets: [{ id: carolsMessage.id }] });
    const s = reduceGroup([entry(carolsMessage, 1), entry(del, 2, { late: true })], ctx);
    expect(s.messages[0]?.deleted).toBe(false);
  });

  test("F2: a demoted admin still deletes their own messages, late or not", () => {
    const own = buildChatMessage({ pubkey: bob.pk, createdAt: 100, text: "oops" });
    const del = buildDeletion({ pubkey: bob.pk, createdAt: 400, targets: [{ id: own.id }] });
    const s = reduceGroup([entry(own, 1), entry(del, 2, { late: true })], demoted);
    expect(s.messages[0]).toMatchObject({ deleted: true, deletedBy: bob.pk });
  });

  test("F2: a removed person's message is judged by its epoch, not by its date", () => {
    // Written in an epoch Bob belonged to, from a clock ahead of the removing commit: it stays.
    // What he writes later with kept keys never gets here: the engine refuses a past-epoch message
    // from someone no longer in the group (mls/lateMessages.test.ts, `sender-removed`).
    const ahead = buildChatMessage({ pubkey: bob.pk, createdAt: 500, text: "written while still in" });
    const s = reduceGroup([entry(ahead, 1, { receivedAt: 480 })], removed);
    expect(s.messages.map((m) => m.text)).toEqual(["written while still in"]);
  });

  test("F2: a removed person's message read late counts for nothing, whatever its date", () => {
    const backdated = buildChatMessage({ pubkey: bob.pk, createdAt: 100, text: "gig cancelled" });
    const s = reduceGroup([entry(backdated, 1, { late: true, receivedAt: 600 })], removed);
    expect(s.messages).toEqual([]);
  });

  test("of two copies of one deletion, the earliest epoch's decides, whatever the order", () => {
    const a = entry(bobsDeletion, 2, { late: true });
    const b = entry(bobsDeletion, 3, { late: false });
    const one = reduceGroup([entry(carolsMessage, 1), a, b], demoted);
    const two = reduceGroup([b, entry(carolsMessage, 1), a], demoted);
    expect(one).toEqual(two);
    expect(one.messages[0]?.deleted).toBe(false);
  });
});

describe("created_at clamped to receipt plus skew (F13)", () => {
  test("effectiveCreatedAt caps only times beyond the skew, and only with a receipt time", () => {
    expect(MAX_CLOCK_SKEW).toBe(120);
    expect(effectiveCreatedAt(900 + MAX_CLOCK_SKEW - 1, 900)).toBe(900 + MAX_CLOCK_SKEW - 1);
    expect(effectiveCreatedAt(900 + MAX_CLOCK_SKEW, 900)).toBe(900 + MAX_CLOCK_SKEW);
    expect(effectiveCreatedAt(900 + MAX_CLOCK_SKEW + 1, 900)).toBe(900 + MAX_CLOCK_SKEW);
    expect(effectiveCreatedAt(5_000_000_000, undefined)).toBe(5_000_000_000);
    expect(effectiveCreatedAt(5_000_000_000, -1)).toBe(5_000_000_000);
  });

  test("F13: a far-future message does not stay at the bottom of the chat", () => {
    const future = buildChatMessage({ pubkey: bob.pk, createdAt: 4_000_000_000, text: "pinned" });
    const later = buildChatMessage({ pubkey: carol.pk, createdAt: 2_000, text: "hello" });
    const s = reduceGroup(
      [entry(future, 1, { receivedAt: 1_000 }), entry(later, 1, { receivedAt: 2_000 })],
      demoted,
    );
    expect(s.messages.map((m) => m.text)).toEqual(["pinned", "hello"]);
    expect(s.messages[0]?.createdAt).toBe(1_000 + MAX_CLOCK_SKEW);
  });

  test("F13: a far-future event version is superseded by a later honest edit", () => {
    const v1 = buildCalendarEvent({ pubkey: carol.pk, createdAt: 100, d: "ev", title: "Picnic", time });
    const pinned = buildEventEdit(
      parsed(v1),
      { title: "Forever" },
      { pubkey: carol.pk, createdAt: 4_000_000_000 },
    );
    const honest = buildEventEdit(
      parsed(v1),
      { title: "Picnic at 6" },
      { pubkey: alice.pk, createdAt: 3_000 },
    );
    const s = reduceGroup(
      [
        entry(v1, 1, { receivedAt: 100 }),
        entry(pinned, 1, { receivedAt: 1_000 }),
        entry(honest, 1, { receivedAt: 3_000 }),
      ],
      demoted,
    );
    expect(s.events[0]).toMatchObject({ title: "Picnic at 6", updatedAt: 3_000 });
  });

  test("F13: a far-future reaction or deletion is clamped like any rumor", () => {
    const m = buildChatMessage({ pubkey: carol.pk, createdAt: 100, text: "hi" });
    const r = buildReaction({ pubkey: bob.pk, createdAt: 4_000_000_000, target: m, emoji: "+" });
    const s = reduceGroup([entry(m, 1, { receivedAt: 100 }), entry(r, 1, { receivedAt: 200 })], demoted);
    expect(s.messages[0]?.reactions).toEqual([{ emoji: "+", authors: [bob.pk] }]);
  });

  test("honest times within the skew are kept as written", () => {
    const m = buildChatMessage({ pubkey: carol.pk, createdAt: 1_100, text: "fast clock" });
    const s = reduceGroup([entry(m, 1, { receivedAt: 1_000 })], demoted);
    expect(s.messages[0]?.createdAt).toBe(1_100);
  });
});
