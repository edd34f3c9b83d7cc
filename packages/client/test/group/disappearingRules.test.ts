/** Which stored inner messages a disappearing-messages timer has run out for (pure rules). */
import {
  buildCalendarEvent,
  buildChatMessage,
  buildPoll,
  buildProfileRumor,
  buildRsvp,
  newEventIdentifier,
  type Rumor,
} from "@rally/protocol/app";
import { DISAPPEAR_AFTER_CHOICES } from "@rally/protocol/mls";
import { generateSecretKey, getPublicKey } from "nostr-tools/pure";
import { describe, expect, it } from "vitest";
import {
  DISAPPEAR_CHOICES,
  disappearWords,
  eventEnds,
  expiredIds,
  pollCloses,
} from "../../src/group/disappearing.ts";
import type { StoredRumor } from "../../src/store/store.ts";

const me = getPublicKey(generateSecretKey());
const HOUR = 3600;
const T0 = 1_800_000_000;

function row(r: Rumor): StoredRumor {
  return {
    id: r.id,
    group: "g",
    kind: r.kind,
    created_at: r.created_at,
    pubkey: r.pubkey,
    json: JSON.stringify({ r, e: 1 }),
  };
}

describe("disappearing-message rules", () => {
  it("offers exactly the protocol's timers, in words", () => {
    expect(DISAPPEAR_CHOICES.map((c) => c.seconds)).toEqual([...DISAPPEAR_AFTER_CHOICES]);
    expect(DISAPPEAR_CHOICES.map((c) => disappearWords(c.seconds))).toEqual([
      "1 hour",
      "1 day",
      "1 week",
      "4 weeks",
    ]);
    expect(disappearWords(null)).toBe("off");
  });

  it("chat goes when the timer has passed; an event and its answers wait until it is over; names stay", () => {
    const chat = row(buildChatMessage({ pubkey: me, createdAt: T0, text: "hello" }));
    const d = newEventIdentifier();
    const event = row(
      buildCalendarEvent({
        pubkey: me,
        createdAt: T0,
        d,
        title: "Picnic",
        time: { allDay: false, start: T0 + 5 * HOUR, end: T0 + 6 * HOUR, tz: null, endTz: null },
      }),
    );
    const rsvp = row(
      buildRsvp({
        pubkey: me,
        createdAt: T0,
        event: { kind: event.kind, owner: me, d },
        status: "going",
      }),
    );
    const profile = row(buildProfileRumor({ pubkey: me, name: "Me", createdAt: T0 }));
    const rows = [chat, event, rsvp, profile];
    const ends = eventEnds([event]);
    const none = new Map<string, number | null>();

    expect(expiredIds(rows, HOUR, T0 + HOUR - 1, ends, none)).toEqual([]);
    expect(expiredIds(rows, HOUR, T0 + HOUR, ends, none)).toEqual([chat.id]);
    expect(expiredIds(rows, HOUR, T0 + 6 * HOUR - 1, ends, none)).toEqual([chat.id]);
    expect(expiredIds(rows, HOUR, T0 + 6 * HOUR, ends, none).sort()).toEqual(
      [chat.id, event.id, rsvp.id].sort(),
    );
  });

  it("a poll waits until it closes; an open-ended one follows the timer", () => {
    const closing = row(
      buildPoll({
        pubkey: me,
        createdAt: T0,
        question: "Which day?",
        options: ["Mon", "Tue"],
        endsAt: T0 + 3 * HOUR,
      }),
    );
    const open = row(buildPoll({ pubkey: me, createdAt: T0, question: "Snacks?", options: ["Yes", "No"] }));
    const closes = new Map([
      [closing.id, pollCloses(closing)],
      [open.id, pollCloses(open)],
    ]);
    expect(pollCloses(closing)).toBe(T0 + 3 * HOUR);
    expect(expiredIds([closing, open], HOUR, T0 + HOUR, new Map(), closes)).toEqual([open.id]);
    expect(expiredIds([closing, open], HOUR, T0 + 3 * HOUR, new Map(), closes).sort()).toEqual(
      [closing.id, open.id].sort(),
    );
  });
});
