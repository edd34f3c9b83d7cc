/**
 * Repeating events end to end through the `rally` command, two people and a real relay: a weekly
 * series in Europe/Berlin (its occurrences keep 19:00 local across daylight-saving changes), one
 * occurrence cancelled by its local time, answers for the whole series and for one occurrence, the
 * series listed once with its next occurrences, the .ics carrying RRULE and EXDATE, and bad input
 * refused in plain words (a rule outside Rally's subset, --until with --count, a start the rule does
 * not give, a time that is not an occurrence); with a capacity, each date has its own places.
 *
 * The series starts on a Tuesday a few weeks after today, so that its next occurrences are the ones
 * listed whatever the date the test runs on.
 */
import fs from "node:fs";
import ICAL from "ical.js";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { type RelayHandle, startRelay } from "../helpers/relay.ts";
import { Person, rally, tempRoot } from "./support.ts";

interface Occurrence {
  original: string;
  start: string;
  end: string | null;
  status: "confirmed" | "cancelled";
  moved: boolean;
  rsvps: { going: string[]; maybe: string[]; declined: string[]; waitlist: string[]; asking: string[] };
  seatsTaken: number;
  myRsvp: string | null;
  myPlace: string | null;
}
interface EventRow {
  id: string;
  title: string;
  start: string;
  repeat: { rule: string; cancelled: string[] } | null;
  occurrences: Occurrence[];
  myRsvp: string | null;
}

const GROUP = "Allotment Association";
const TITLE = "Weekly plenum";

let relay: RelayHandle;
let root: string;
let alice: Person;
let bob: Person;
let eventId = "";

/** The date `weeks` weeks after the first Tuesday at least three weeks from now, YYYY-MM-DD. */
function tuesday(weeks: number): string {
  const d = new Date(Date.now() + 21 * 86400_000);
  d.setUTCDate(d.getUTCDate() + ((2 - d.getUTCDay() + 7) % 7) + weeks * 7);
  return d.toISOString().slice(0, 10);
}

async function plenum(p: Person): Promise<EventRow> {
  const list = await p.ok<EventRow[]>("event", "list", GROUP);
  const rows = list.filter((e) => e.title === TITLE);
  expect(rows).toHaveLength(1);
  return rows[0]!;
}

beforeAll(async () => {
  root = tempRoot("rally-cli-repeat-");
  relay = await startRelay({ keepData: true });
  alice = new Person("Alice Aardvark", root);
  bob = new Person("Bob Bumblebee", root);
  for (const p of [alice, bob]) await p.createAccount(relay.url);
  await alice.ok("group", "create", GROUP);
  await alice.ok("group", "invite", GROUP, bob.npub);
  const invites = await bob.ok<{ id: string }[]>("invites");
  await bob.ok("invites", "accept", invites[0]!.id);
}, 600_000);

afterAll(async () => {
  await relay?.stop();
  if (relay) fs.rmSync(relay.dataDir, { recursive: true, force: true });
  fs.rmSync(root, { recursive: true, force: true });
});

describe("repeating events through the CLI", { timeout: 300_000 }, () => {
  it("refuses bad rules and ends in plain words, before anything is sent", async () => {
    const base = ["event", "create", GROUP, "--title", TITLE, "--start", `${tuesday(0)}T19:00`];
    const hourly = await alice.fails(...base, "--tz", "Europe/Berlin", "--repeat", "FREQ=HOURLY");
    expect(hourly.error).toContain(
      'The repeat rule "FREQ=HOURLY" cannot be used: FREQ=HOURLY is not supported',
    );
    const both = await alice.fails(
      ...base,
      "--repeat",
      "FREQ=WEEKLY",
      "--until",
      "2099-01-01",
      "--count",
      "3",
    );
    expect(both.error).toBe(
      "Give --until or --count, not both: a repeating event ends at a date or after a number of times.",
    );
    const lonely = await alice.fails(...base, "--count", "3");
    expect(lonely.error).toContain("--until and --count go with --repeat");
    const notFriday = await alice.fails(
      ...base,
      "--tz",
      "Europe/Berlin",
      "--repeat",
      "FREQ=MONTHLY;BYDAY=-1FR",
    );
    expect(notFriday.error).toMatch(
      new RegExp(
        `^The event starts on ${tuesday(0)}, which is not a day the rule FREQ=MONTHLY;BYDAY=-1FR gives \\(it gives \\d{4}-\\d{2}-\\d{2}, `,
      ),
    );
    const setpos = await alice.fails(...base, "--repeat", "FREQ=MONTHLY;BYDAY=TU;BYSETPOS=2");
    expect(setpos.error).toContain("BYSETPOS is not supported");
    expect(await alice.ok<EventRow[]>("event", "list", GROUP)).toEqual([]);
  });

  it("creates a weekly series whose occurrences stay at 19:00 in Berlin", async () => {
    const created = await alice.ok<EventRow>(
      "event",
      "create",
      GROUP,
      "--title",
      TITLE,
      "--start",
      `${tuesday(0)}T19:00`,
      "--end",
      `${tuesday(0)}T21:00`,
      "--tz",
      "Europe/Berlin",
      "--repeat",
      "freq=weekly;byday=tu",
      "--count",
      "40",
    );
    eventId = created.id;
    expect(created.repeat).toEqual({ rule: "FREQ=WEEKLY;BYDAY=TU;COUNT=40", cancelled: [], moved: [] });
    expect(created.occurrences).toHaveLength(10);
    expect(created.occurrences.map((o) => o.start.slice(0, 19))).toEqual(
      Array.from({ length: 10 }, (_, i) => `${tuesday(i)}T19:00:00`),
    );
    expect(created.occurrences.map((o) => o.end?.slice(0, 19))).toEqual(
      Array.from({ length: 10 }, (_, i) => `${tuesday(i)}T21:00:00`),
    );
    for (const o of created.occurrences) expect(o.start).toMatch(/\+0[12]:00$/);
    expect(created.start).toBe(created.occurrences[0]!.start);
  });

  it("cancels one occurrence named by its local time; a time that is not one names the nearest", async () => {
    const wrong = await alice.fails("event", "cancel", GROUP, eventId, "--occurrence", `${tuesday(1)}T18:00`);
    expect(wrong.error).toMatch(
      new RegExp(
        `^${tuesday(1)}T18:00 is not an occurrence of "${TITLE}" \\(FREQ=WEEKLY;BYDAY=TU;COUNT=40\\)\\. The nearest: ${tuesday(0)}T19:00:00\\+0[12]:00 and ${tuesday(1)}T19:00:00\\+0[12]:00\\.$`,
      ),
    );
    const cancelled = await alice.ok<{ id: string; occurrence: string; status: string; event: EventRow }>(
      "event",
      "cancel",
      GROUP,
      eventId,
      "--occurrence",
      `${tuesday(1)}T19:00`,
    );
    expect(cancelled.status).toBe("cancelled");
    expect(cancelled.occurrence.slice(0, 19)).toBe(`${tuesday(1)}T19:00:00`);
    expect(cancelled.event.repeat?.cancelled).toEqual([cancelled.occurrence]);
    const again = await alice.fails("event", "cancel", GROUP, eventId, "--occurrence", `${tuesday(1)}T19:00`);
    expect(again.error).toContain("is already cancelled");
    // Bob is not its owner nor an admin.
    await bob.ok("event", "list", GROUP);
    const notHis = await bob.fails("event", "cancel", GROUP, eventId, "--occurrence", `${tuesday(2)}T19:00`);
    expect(notHis.error).toContain("Only the person who made this event or a group admin can cancel it.");
  });

  it("answers for the series and for one occurrence; the occurrence's answer wins there", async () => {
    await bob.ok("event", "rsvp", GROUP, eventId, "going");
    const one = await bob.ok<{ rsvp: string; occurrence: string }>(
      "event",
      "rsvp",
      GROUP,
      eventId,
      "declined",
      "--occurrence",
      `${tuesday(2)}T19:00`,
    );
    expect(one).toMatchObject({ rsvp: "declined", occurrence: `${tuesday(2)}T19:00` });
    await alice.ok("event", "rsvp", GROUP, eventId, "maybe", "--occurrence", tuesday(3));
    const onCancelled = await bob.fails(
      "event",
      "rsvp",
      GROUP,
      eventId,
      "going",
      "--occurrence",
      `${tuesday(1)}T19:00`,
    );
    expect(onCancelled.error).toContain("is cancelled");
    const notOne = await bob.fails(
      "event",
      "rsvp",
      GROUP,
      eventId,
      "going",
      "--occurrence",
      `${tuesday(2)}T20:00`,
    );
    expect(notOne.error).toContain("is not an occurrence");

    for (const p of [alice, bob]) {
      const e = await plenum(p);
      expect(e.myRsvp).toBe(p === bob ? "going" : null);
      const [first, second, third, fourth] = e.occurrences;
      expect(second!.status).toBe("cancelled");
      expect([first, third, fourth].map((o) => o!.status)).toEqual(["confirmed", "confirmed", "confirmed"]);
      const none = { waitlist: [], asking: [] };
      expect(first!.rsvps).toEqual({ going: [bob.npub], maybe: [], declined: [], ...none });
      expect(third!.rsvps).toEqual({ going: [], maybe: [], declined: [bob.npub], ...none });
      expect(fourth!.rsvps).toEqual({ going: [bob.npub], maybe: [alice.npub], declined: [], ...none });
      expect(third!.myRsvp).toBe(p === bob ? "declined" : null);
      expect(fourth!.myRsvp).toBe(p === bob ? "going" : "maybe");
    }
  });

  it("moves one occurrence to another evening", async () => {
    // The Wednesday after the fifth Tuesday, at 18:30.
    const next = new Date(Date.parse(`${tuesday(4)}T00:00:00Z`) + 86400_000).toISOString().slice(0, 10);
    const onlyTimes = await alice.fails(
      "event",
      "edit",
      GROUP,
      eventId,
      "--occurrence",
      `${tuesday(4)}T19:00`,
      "--start",
      `${next}T18:30`,
      "--title",
      "Other",
    );
    expect(onlyTimes.error).toBe(
      "With --occurrence, only --start and --end change: they move that one occurrence.",
    );
    const moved = await alice.ok<{ occurrence: string; status: string; event: EventRow }>(
      "event",
      "edit",
      GROUP,
      eventId,
      "--occurrence",
      `${tuesday(4)}T19:00`,
      "--start",
      `${next}T18:30`,
    );
    expect(moved.status).toBe("moved");
    expect(moved.occurrence.slice(0, 19)).toBe(`${tuesday(4)}T19:00:00`);
    const o = (await plenum(bob)).occurrences[4]!;
    expect(o).toMatchObject({
      original: moved.occurrence,
      moved: true,
      status: "confirmed",
      myRsvp: "going",
    });
    expect(o.start.slice(0, 19)).toBe(`${next}T18:30:00`);
    // As long as the others: two hours.
    expect(o.end?.slice(0, 19)).toBe(`${next}T20:30:00`);
  });

  it("lists the series once, with its rule and next occurrences, in words", async () => {
    const r = await rally(["event", "list", GROUP, "--home", bob.home]);
    expect(r.code).toBe(0);
    expect(r.stdout.split("\n").filter((l) => l === TITLE)).toHaveLength(1);
    expect(r.stdout).toContain("  repeats: FREQ=WEEKLY;BYDAY=TU;COUNT=40\n");
    expect(r.stdout).toMatch(new RegExp(`  next:  ${tuesday(0)}T19:00:00\\+0[12]:00  you: going\n`));
    expect(r.stdout).toMatch(new RegExp(`\n {9}${tuesday(1)}T19:00:00\\+0[12]:00  \\[CANCELLED\\]\n`));
    expect(r.stdout).toMatch(new RegExp(`\n {9}${tuesday(2)}T19:00:00\\+0[12]:00  you: declined\n`));
    expect(r.stdout).toMatch(
      new RegExp(`T18:30:00\\+0[12]:00  \\(moved from ${tuesday(4)}T19:00:00\\+0[12]:00\\)  you: going\n`),
    );
  });

  it("exports the series as RRULE and EXDATE that another calendar reads the same way", async () => {
    const r = await alice.run("event", "ics", GROUP, eventId);
    expect(r.code).toBe(0);
    const calendar = new ICAL.Component(ICAL.parse(r.stdout) as unknown[]);
    const vevent = calendar.getFirstSubcomponent("vevent")!;
    expect(r.stdout).toContain("\r\nRRULE:FREQ=WEEKLY;BYDAY=TU;COUNT=40\r\n");
    expect(r.stdout).toContain(`\r\nEXDATE;TZID=Europe/Berlin:${tuesday(1).replaceAll("-", "")}T190000\r\n`);
    expect(vevent.getAllProperties("exdate")).toHaveLength(1);
    const overrides = calendar.getAllSubcomponents("vevent").slice(1);
    expect(overrides).toHaveLength(1);
    expect(overrides[0]!.getFirstPropertyValue("uid")).toBe(vevent.getFirstPropertyValue("uid"));
    expect(r.stdout).toContain(
      `\r\nRECURRENCE-ID;TZID=Europe/Berlin:${tuesday(4).replaceAll("-", "")}T190000\r\n`,
    );
    const event = new ICAL.Event(vevent);
    for (const o of overrides) event.relateException(o);
    const it = event.iterator();
    const starts: number[] = [];
    for (let next = it.next(); next; next = it.next())
      starts.push(event.getOccurrenceDetails(next).startDate.toUnixTime());
    expect(starts).toHaveLength(39);
    const listed = (await plenum(alice)).occurrences
      .filter((o) => o.status === "confirmed")
      .map((o) => Date.parse(o.start) / 1000);
    expect(starts.slice(0, listed.length)).toEqual(listed);
  });

  it("an edit of the first time takes the series along, its cancelled evening included", async () => {
    const e = await alice.ok<EventRow>("event", "edit", GROUP, eventId, "--start", `${tuesday(0)}T18:30`);
    expect(e.repeat?.rule).toBe("FREQ=WEEKLY;BYDAY=TU;COUNT=40");
    expect(e.repeat?.cancelled.map((c) => c.slice(0, 19))).toEqual([`${tuesday(1)}T18:30:00`]);
    expect(e.occurrences.slice(0, 4).map((o) => [o.start.slice(0, 19), o.status])).toEqual([
      [`${tuesday(0)}T18:30:00`, "confirmed"],
      [`${tuesday(1)}T18:30:00`, "cancelled"],
      [`${tuesday(2)}T18:30:00`, "confirmed"],
      [`${tuesday(3)}T18:30:00`, "confirmed"],
    ]);
    const single = await alice.ok<EventRow>("event", "edit", GROUP, eventId, "--no-repeat");
    expect(single.repeat).toBeNull();
    expect(single.occurrences).toEqual([]);
    const wrong = await alice.fails("event", "edit", GROUP, eventId, "--repeat", "FREQ=WEEKLY;BYDAY=WE");
    expect(wrong.error).toContain(
      `The event starts on ${tuesday(0)}, which is not a day the rule FREQ=WEEKLY;BYDAY=WE gives`,
    );
  });

  it("with a capacity, each date has its own places", async () => {
    const title = "Tool library shift";
    const created = await alice.ok<EventRow>(
      "event",
      "create",
      GROUP,
      "--title",
      title,
      "--start",
      `${tuesday(0)}T10:00`,
      "--tz",
      "Europe/Berlin",
      "--capacity",
      "1",
      "--repeat",
      "FREQ=WEEKLY",
      "--count",
      "3",
    );
    await bob.ok("event", "rsvp", GROUP, created.id, "going");
    // Alice's device (the host's) confirms Bob's place, for every week at once.
    await alice.ok("event", "list", GROUP);
    // Alice wants the second week too: Bob has it, so she waits — that week only.
    const week2 = created.occurrences[1]!.original;
    const r = await rally([
      "event",
      "rsvp",
      GROUP,
      created.id,
      "going",
      "--occurrence",
      week2,
      "--home",
      alice.home,
    ]);
    expect(r.code).toBe(0);
    expect(r.stdout).toContain(
      `Answered for ${week2}: going. The event is full: you are on the waiting list.`,
    );
    const e = (await alice.ok<EventRow[]>("event", "list", GROUP)).find((x) => x.id === created.id)!;
    expect(e.occurrences.map((o) => [o.seatsTaken, o.rsvps.going, o.rsvps.waitlist, o.myPlace])).toEqual([
      [1, [bob.npub], [], null],
      [1, [bob.npub], [alice.npub], "waitlist"],
      [1, [bob.npub], [], null],
    ]);
    // Bob cannot come that week after all: Alice has the place.
    await bob.ok("event", "rsvp", GROUP, created.id, "declined", "--occurrence", week2);
    const text = await rally(["event", "list", GROUP, "--home", alice.home]);
    expect(text.stdout).toContain(
      `\n         ${week2}  [1 of 1 places taken]  you: going (you have a place)\n`,
    );
    const bobs = (await bob.ok<EventRow[]>("event", "list", GROUP)).find((x) => x.id === created.id)!;
    expect(bobs.occurrences.map((o) => o.myPlace)).toEqual(["confirmed", null, "confirmed"]);
    expect(bobs.occurrences[1]!.rsvps.going).toEqual([alice.npub]);
  });
});
