import { describe, expect, test } from "vitest";
import {
  buildPoll,
  buildPollResponse,
  buildRsvp,
  InvalidInputError,
  MAX_GUESTS,
  makeRumor,
  parsePoll,
  parsePollResponse,
  parseRsvp,
  rsvpAnswer,
} from "../../src/app/index.ts";
import { alice, bob } from "./people.ts";

const event = { kind: 31923, owner: alice.pk, d: "ev1" };

describe("RSVPs (NIP-52 31925)", () => {
  test("round trip in NIP-52 words", () => {
    const r = buildRsvp({ pubkey: bob.pk, createdAt: 5, event, status: "going", guests: 2 });
    expect(r.tags).toEqual([
      ["a", `31923:${alice.pk}:ev1`],
      ["d", `${alice.pk}:ev1`],
      ["status", "accepted"],
      ["p", alice.pk],
      ["rally_guests", "2"],
    ]);
    expect(parseRsvp(r)).toEqual({
      ok: true,
      value: { owner: alice.pk, d: "ev1", status: "going", guests: 2, note: "", occurrence: null },
    });
    const maybe = buildRsvp({ pubkey: bob.pk, createdAt: 5, event, status: "maybe" });
    expect(maybe.tags).toContainEqual(["status", "tentative"]);
    expect(parseRsvp(maybe)).toMatchObject({ ok: true, value: { status: "maybe", guests: 0 } });
  });

  test("guests: 0..MAX, only with going; ignored on other answers from other clients", () => {
    expect(() =>
      buildRsvp({ pubkey: bob.pk, createdAt: 5, event, status: "going", guests: MAX_GUESTS + 1 }),
    ).toThrow(InvalidInputError);
    expect(() => buildRsvp({ pubkey: bob.pk, createdAt: 5, event, status: "going", guests: -1 })).toThrow(
      InvalidInputError,
    );
    expect(() => buildRsvp({ pubkey: bob.pk, createdAt: 5, event, status: "declined", guests: 1 })).toThrow(
      /going/,
    );
    const foreign = makeRumor({
      pubkey: bob.pk,
      createdAt: 1,
      kind: 31925,
      tags: [
        ["a", `31923:${alice.pk}:ev1`],
        ["status", "declined"],
        ["rally_guests", "3"],
      ],
      content: "",
    });
    expect(parseRsvp(foreign)).toMatchObject({ ok: true, value: { status: "declined", guests: 0 } });
  });

  test("one rule for an answer from any front end: status checked, guests only with going", () => {
    expect(rsvpAnswer("going", 2)).toEqual({ status: "going", guests: 2, guestsLeftOut: 0 });
    expect(rsvpAnswer("maybe", 2)).toEqual({ status: "maybe", guests: 0, guestsLeftOut: 2 });
    expect(rsvpAnswer("declined")).toEqual({ status: "declined", guests: 0, guestsLeftOut: 0 });
    expect(rsvpAnswer("going", MAX_GUESTS).guests).toBe(MAX_GUESTS);
    expect(() => rsvpAnswer("yes", 0)).toThrow(/going, maybe or declined, not "yes"/);
    expect(() => rsvpAnswer("going", MAX_GUESTS + 1)).toThrow(InvalidInputError);
    expect(() => rsvpAnswer("maybe", 1.5)).toThrow(InvalidInputError);
    expect(() => rsvpAnswer("going", "2")).toThrow(InvalidInputError);
  });

  test.each([
    ["no a tag", [["status", "accepted"]], "no `a` tag"],
    [
      "a not an event",
      [
        ["a", `1:${alice.pk}:x`],
        ["status", "accepted"],
      ],
      "calendar event",
    ],
    [
      "bad status",
      [
        ["a", `31923:${alice.pk}:x`],
        ["status", "yes"],
      ],
      "status must be",
    ],
    [
      "bad guests",
      [
        ["a", `31923:${alice.pk}:x`],
        ["status", "accepted"],
        ["rally_guests", "1e3"],
      ],
      "rally_guests",
    ],
  ])("refuses an RSVP with %s", (_n, tags, message) => {
    const parsed = parseRsvp(makeRumor({ pubkey: bob.pk, createdAt: 1, kind: 31925, tags, content: "" }));
    expect(parsed.ok).toBe(false);
    if (!parsed.ok) expect(parsed.error).toContain(message);
  });
});

describe("polls (NIP-88 1068/1018)", () => {
  test("round trip of a pick-a-date poll", () => {
    const p = buildPoll({
      pubkey: alice.pk,
      createdAt: 1,
      question: "When?",
      options: ["2025-06-01", "2025-06-08"],
      dates: true,
    });
    expect(p.tags).toEqual([
      ["option", "0", "2025-06-01"],
      ["option", "1", "2025-06-08"],
      ["polltype", "singlechoice"],
      ["rally_dates", "true"],
    ]);
    expect(parsePoll(p)).toEqual({
      ok: true,
      value: {
        question: "When?",
        options: [
          { id: "0", label: "2025-06-01" },
          { id: "1", label: "2025-06-08" },
        ],
        multiple: false,
        dates: true,
        endsAt: null,
      },
    });
    const v = buildPollResponse({ pubkey: bob.pk, createdAt: 2, poll: p.id, choices: ["1", "1", "0"] });
    expect(parsePollResponse(v)).toEqual({ ok: true, value: { poll: p.id, choices: ["1", "0"] } });
  });

  test("refusals", () => {
    expect(() => buildPoll({ pubkey: alice.pk, createdAt: 1, question: "Q", options: ["only"] })).toThrow(
      /two options/,
    );
    expect(() => buildPoll({ pubkey: alice.pk, createdAt: 1, question: "", options: ["a", "b"] })).toThrow(
      /question/,
    );
    expect(() =>
      buildPoll({
        pubkey: alice.pk,
        createdAt: 1,
        question: "When",
        options: ["2025-06-01", "next friday"],
        dates: true,
      }),
    ).toThrow(/not a date/);
    expect(() =>
      buildPoll({
        pubkey: alice.pk,
        createdAt: 1,
        question: "Q",
        options: [
          { id: "a", label: "A" },
          { id: "a", label: "B" },
        ],
      }),
    ).toThrow(/used twice/);
    const one = makeRumor({
      pubkey: alice.pk,
      createdAt: 1,
      kind: 1068,
      tags: [["option", "0", "A"]],
      content: "Q",
    });
    expect(parsePoll(one)).toEqual({ ok: false, error: "poll has fewer than two options" });
    const badType = makeRumor({
      pubkey: alice.pk,
      createdAt: 1,
      kind: 1068,
      tags: [
        ["option", "0", "A"],
        ["option", "1", "B"],
        ["polltype", "ranked"],
      ],
      content: "Q",
    });
    expect(parsePoll(badType)).toEqual({ ok: false, error: "unknown polltype" });
    const noPoll = makeRumor({
      pubkey: bob.pk,
      createdAt: 1,
      kind: 1018,
      tags: [["response", "0"]],
      content: "",
    });
    expect(parsePollResponse(noPoll)).toEqual({ ok: false, error: "poll response has no valid `e` tag" });
  });
});
