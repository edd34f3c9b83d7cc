/** Malformed inner messages of every kind: parsers return a reason, the reducer never throws. */

import fc from "fast-check";
import { describe, expect, test } from "vitest";
import {
  eventViews,
  makeRumor,
  parseCalendarEvent,
  parseChatMessage,
  parseDeletion,
  parsePoll,
  parsePollResponse,
  parseReaction,
  parseRsvp,
  parseSealed,
  pollViews,
  reduceGroup,
  unsealRumor,
} from "../../src/app/index.ts";
import { alice, bob, from } from "./people.ts";

const kinds = [5, 7, 9, 1018, 1068, 1925, 31922, 31923, 31925];
const names = [
  "e",
  "p",
  "a",
  "d",
  "k",
  "q",
  "title",
  "name",
  "start",
  "end",
  "start_tzid",
  "end_tzid",
  "location",
  "t",
  "r",
  "status",
  "option",
  "polltype",
  "endsAt",
  "response",
  "rally_capacity",
  "rally_status",
  "rally_owner",
  "rally_guests",
  "rally_dates",
  "rally_rsvp_visibility",
];
const values = fc.oneof(
  fc.string({ maxLength: 20 }),
  fc.constantFrom(
    alice.pk,
    bob.pk,
    `31923:${alice.pk}:x`,
    `31922:${bob.pk}:y`,
    "accepted",
    "declined",
    "tentative",
  ),
  fc.constantFrom(
    "2025-06-01",
    "2025-13-40",
    "1700000000",
    "-5",
    "1e9",
    "cancelled",
    "hosts",
    "true",
    "0",
    "1",
    "Europe/Berlin",
  ),
  fc.integer({ min: 0, max: 2_000_000_000 }).map(String),
);
const tag = fc
  .tuple(fc.constantFrom(...names), fc.array(values, { maxLength: 4 }))
  .map(([n, v]) => [n, ...v]);
const rumor = fc
  .record({
    who: fc.constantFrom(alice, bob),
    kind: fc.constantFrom(...kinds),
    at: fc.integer({ min: 0, max: 100 }),
    tags: fc.array(tag, { maxLength: 8 }),
    content: fc.oneof(
      fc.string({ maxLength: 40 }),
      fc.constantFrom("{}", `{"${alice.pk}":"AgAAAA"}`, "[1]", "null"),
    ),
  })
  .map((r) =>
    makeRumor({ pubkey: r.who.pk, createdAt: r.at, kind: r.kind, tags: r.tags, content: r.content }),
  );

describe("malformed inner messages", () => {
  test("every parser answers ok or a reason, never throws", () => {
    const parsers = [
      parseChatMessage,
      parseReaction,
      parseDeletion,
      parseCalendarEvent,
      parseRsvp,
      parsePoll,
      parsePollResponse,
      parseSealed,
      (r: Parameters<typeof unsealRumor>[0]) => unsealRumor(r, alice.sk),
    ];
    fc.assert(
      fc.property(rumor, (r) => {
        for (const parse of parsers) {
          const result = parse(r);
          expect(result.ok || typeof (result as { error: unknown }).error === "string").toBe(true);
        }
      }),
      { numRuns: 400 },
    );
  });

  test("the reducer and views never throw and stay order-independent on junk", () => {
    fc.assert(
      fc.property(fc.array(rumor, { maxLength: 25 }), (list) => {
        const ctx = { admins: [alice.pk] };
        const state = reduceGroup(
          list.map((r) => from(r)),
          ctx,
        );
        expect(
          reduceGroup(
            [...list].reverse().map((r) => from(r)),
            ctx,
          ),
        ).toEqual(state);
        eventViews(state, bob.pk);
        pollViews(state, alice.pk);
      }),
      { numRuns: 200 },
    );
  });
});
