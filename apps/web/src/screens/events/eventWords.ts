/**
 * What the event screens say about places and answers, written to read well at small numbers:
 * "1 place left", "Full — 2 waiting", "No one has answered yet", "1 person going", "You and 2
 * others are going" — never "0 going of 1". Pure, so the wording is tested without a browser.
 */
import type { EventView } from "@rally/client";
import { count } from "../../lib/plural.ts";

type Counted = Pick<EventView, "rsvps" | "guests">;

/** People with a place, each with the guests they bring. */
export function goingCount(event: Counted, people: readonly string[] = event.rsvps.going): number {
  return people.reduce((sum, npub) => sum + 1 + (event.guests[npub] ?? 0), 0);
}

/**
 * Places in a limited event: "1 place left", "28 of 30 places left", "Full", "Full — 2 waiting".
 * Empty for an event without a limit.
 */
export function placesText(event: Counted & Pick<EventView, "capacity">): string {
  if (event.capacity === null) return "";
  const left = Math.max(0, event.capacity - goingCount(event));
  const waiting = event.rsvps.waitlist.length;
  if (left === 0) return waiting > 0 ? `Full — ${waiting} waiting` : "Full";
  const places =
    left === event.capacity
      ? `${count(left, "place")} left`
      : `${left} of ${count(event.capacity, "place")} left`;
  return waiting > 0 ? `${places}, ${waiting} waiting` : places;
}

/**
 * Who is going, from the reader's side: "No one has answered yet", "No one is going yet",
 * "1 person going", "You're going", "You and 2 others are going". Guests count as people. When
 * only hosts see the answers, only how many answered is known: "3 people answered".
 */
export function goingText(
  event: Counted & Pick<EventView, "answers" | "rsvpsHidden" | "myRsvp" | "capacity" | "myPlace">,
): string {
  if (event.answers === 0 && goingCount(event) === 0) return "No one has answered yet";
  // One's own "going" holds a place at once without a limit, and once a host confirmed it with one.
  const imGoing = event.myRsvp === "going" && (event.capacity === null || event.myPlace === "confirmed");
  if (event.rsvpsHidden) {
    const answered = `${count(event.answers, "person", "people")} answered`;
    return imGoing ? `You're going · ${answered}` : answered;
  }
  const total = goingCount(event);
  if (imGoing) {
    const others = total - 1;
    if (others === 0) return "You're going";
    return `You and ${count(others, "other")} are going`;
  }
  if (total === 0) return "No one is going yet";
  return `${count(total, "person", "people")} going`;
}
