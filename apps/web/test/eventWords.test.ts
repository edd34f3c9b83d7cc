import type { EventView } from "@rally/client";
import { describe, expect, it } from "vitest";
import { goingCount, goingText, placesText } from "../src/screens/events/eventWords.ts";

type Words = Pick<
  EventView,
  "rsvps" | "guests" | "capacity" | "answers" | "rsvpsHidden" | "myRsvp" | "myPlace"
>;

function event(over: Partial<Omit<Words, "rsvps">> & { rsvps?: Partial<Words["rsvps"]> } = {}): Words {
  const { rsvps, ...rest } = over;
  return {
    guests: {},
    capacity: null,
    answers: 0,
    rsvpsHidden: false,
    myRsvp: null,
    myPlace: null,
    ...rest,
    rsvps: { going: [], maybe: [], declined: [], waitlist: [], asking: [], ...rsvps },
  };
}

describe("places in plain words", () => {
  it("says how many places are left, in the singular at one", () => {
    expect(placesText(event({ capacity: 1 }))).toBe("1 place left");
    expect(placesText(event({ capacity: 30 }))).toBe("30 places left");
    expect(placesText(event({ capacity: 30, rsvps: { going: ["a", "b"] } }))).toBe("28 of 30 places left");
    expect(placesText(event({ capacity: 2, rsvps: { going: ["a"] } }))).toBe("1 of 2 places left");
  });

  it("says Full, with how many wait, and counts guests as places", () => {
    expect(placesText(event({ capacity: 1, rsvps: { going: ["a"] } }))).toBe("Full");
    expect(placesText(event({ capacity: 1, rsvps: { going: ["a"], waitlist: ["b", "c"] } }))).toBe(
      "Full — 2 waiting",
    );
    expect(placesText(event({ capacity: 3, guests: { a: 2 }, rsvps: { going: ["a"] } }))).toBe("Full");
    expect(placesText(event({ capacity: null }))).toBe("");
  });
});

describe("who is going in plain words", () => {
  it("never says 0 going: nobody answered, or nobody going yet", () => {
    expect(goingText(event({ capacity: 1 }))).toBe("No one has answered yet");
    expect(goingText(event({ answers: 1, rsvps: { maybe: ["a"] } }))).toBe("No one is going yet");
  });

  it("counts people with their guests, one person in the singular", () => {
    expect(goingText(event({ answers: 1, rsvps: { going: ["a"] } }))).toBe("1 person going");
    expect(goingText(event({ answers: 2, rsvps: { going: ["a", "b"] } }))).toBe("2 people going");
    expect(goingText(event({ answers: 1, guests: { a: 2 }, rsvps: { going: ["a"] } }))).toBe(
      "3 people going",
    );
    expect(goingCount(event({ guests: { a: 2 }, rsvps: { going: ["a", "b"] } }))).toBe(4);
  });

  it("puts the reader first when they are going", () => {
    const mine = { myRsvp: "going" as const };
    expect(goingText(event({ ...mine, answers: 1, rsvps: { going: ["me"] } }))).toBe("You're going");
    expect(goingText(event({ ...mine, answers: 2, rsvps: { going: ["me", "a"] } }))).toBe(
      "You and 1 other are going",
    );
    expect(goingText(event({ ...mine, answers: 3, rsvps: { going: ["me", "a", "b"] } }))).toBe(
      "You and 2 others are going",
    );
    // At a limited event, a going answer a host has not confirmed holds no place yet.
    expect(
      goingText(event({ ...mine, capacity: 5, myPlace: "asking", answers: 2, rsvps: { going: ["a"] } })),
    ).toBe("1 person going");
    expect(
      goingText(
        event({ ...mine, capacity: 5, myPlace: "confirmed", answers: 2, rsvps: { going: ["me", "a"] } }),
      ),
    ).toBe("You and 1 other are going");
  });

  it("says only how many answered when only hosts see the answers", () => {
    expect(goingText(event({ rsvpsHidden: true, answers: 1 }))).toBe("1 person answered");
    expect(
      goingText(event({ rsvpsHidden: true, answers: 4, myRsvp: "going", rsvps: { going: ["me"] } })),
    ).toBe("You're going · 4 people answered");
  });
});
