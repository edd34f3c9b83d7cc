/**
 * Issue 4 end to end through the `rally` command, three people and a real relay: an event with a
 * capacity, RSVPs and changed RSVPs, the fair waitlist moving up, an edit, a refused edit by a
 * member who does not own the event, cancelling, a pick-a-date poll, iCalendar output parsed by
 * an independent parser (ical.js), importing an .ics file, and a scan of the relay's files for
 * titles, places and descriptions.
 */
import fs from "node:fs";
import path from "node:path";
import ICAL from "ical.js";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { type RelayHandle, startRelay } from "../helpers/relay.ts";
import { findInFiles, Person, tempRoot } from "./support.ts";

interface EventRow {
  id: string;
  title: string;
  start: string;
  end: string | null;
  location: string;
  description: string;
  status: "confirmed" | "cancelled";
  capacity: number | null;
  rsvps: { going: string[]; maybe: string[]; declined: string[]; waitlist: string[]; asking: string[] };
}
interface PollRow {
  id: string;
  question: string;
  dates: boolean;
  options: { id: string; label: string; votes: string[] }[];
}

const GROUP = "Riverside Food Co-op";
const TITLE = "Seed swap at the old boathouse";
const PLACE = "Old Boathouse, 14 Quay Lane";
const DESCRIPTION = "Bring labelled envelopes of your own saved seeds";
const NEW_TITLE = "Seed and seedling swap";

let relay: RelayHandle;
let root: string;
let people: Person[] = [];
const alice = () => people[0]!;
const bob = () => people[1]!;
const carol = () => people[2]!;
let eventId = "";

async function listEvents(p: Person): Promise<EventRow[]> {
  return p.ok<EventRow[]>("event", "list", GROUP);
}

beforeAll(async () => {
  root = tempRoot("rally-cli-events-");
  relay = await startRelay({ keepData: true });
  people = [
    new Person("Alice Aardvark", root),
    new Person("Bob Bumblebee", root),
    new Person("Carol Caterpillar", root),
  ];
  for (const p of people) await p.createAccount(relay.url);
  await alice().ok("group", "create", GROUP);
  await alice().ok("group", "invite", GROUP, bob().npub);
  await alice().ok("group", "invite", GROUP, carol().npub);
  for (const p of [bob(), carol()]) {
    const invites = await p.ok<{ id: string }[]>("invites");
    await p.ok("invites", "accept", invites[0]!.id);
  }
}, 600_000);

afterAll(async () => {
  await relay?.stop();
  fs.rmSync(relay.dataDir, { recursive: true, force: true });
  fs.rmSync(root, { recursive: true, force: true });
});

describe("events, RSVPs, waitlist, polls and iCalendar through the CLI", { timeout: 300_000 }, () => {
  it("creates an event with two places", async () => {
    const created = await alice().ok<{ id: string }>(
      "event",
      "create",
      GROUP,
      "--title",
      TITLE,
      "--start",
      "2027-04-10T14:00",
      "--end",
      "2027-04-10T17:30",
      "--tz",
      "Europe/Lisbon",
      "--location",
      PLACE,
      "--description",
      DESCRIPTION,
      "--capacity",
      "2",
    );
    expect(created.id).toMatch(/^[0-9a-f]{64}$/);
    eventId = created.id;
    for (const p of people) {
      const [e] = await listEvents(p);
      expect(e).toMatchObject({
        id: eventId,
        title: TITLE,
        start: "2027-04-10T14:00:00+01:00",
        end: "2027-04-10T17:30:00+01:00",
        location: PLACE,
        description: DESCRIPTION,
        status: "confirmed",
        capacity: 2,
        rsvps: { going: [], maybe: [], declined: [], waitlist: [], asking: [] },
      });
    }
  });

  it("fills the places in order, queues the next person, and moves the queue up", async () => {
    await bob().ok("event", "rsvp", GROUP, eventId, "going");
    // The host's device (Alice's) confirms places in the order it receives the answers: Bob's first.
    await listEvents(alice());
    // Guests come only with "going": with "maybe" they are left out, the answer itself is taken.
    // The same rule as the client's (client.rsvp returns { status: "maybe", guests: 0, guestsLeftOut: 2 }).
    expect(await carol().ok("event", "rsvp", GROUP, eventId, "maybe", "--guests", "2")).toMatchObject({
      rsvp: "maybe",
      guests: 0,
    });
    await carol().ok("event", "rsvp", GROUP, eventId, "going", "--guests", "1");
    // Bob (1) + Carol and her guest (2) would be 3 > 2 places: Carol waits.
    let [e] = await listEvents(alice());
    expect(e!.rsvps).toEqual({
      going: [bob().npub],
      maybe: [],
      declined: [],
      waitlist: [carol().npub],
      asking: [],
    });
    // Bob can't come after all: Carol and her guest move up, and every member agrees.
    await bob().ok("event", "rsvp", GROUP, eventId, "declined");
    for (const p of people) {
      [e] = await listEvents(p);
      expect(e!.rsvps).toEqual({
        going: [carol().npub],
        maybe: [],
        declined: [bob().npub],
        waitlist: [],
        asking: [],
      });
    }
  });

  it("lets the author edit, and refuses an edit by someone else", async () => {
    const edited = await alice().ok<EventRow>("event", "edit", GROUP, eventId, "--title", NEW_TITLE);
    expect(edited.title).toBe(NEW_TITLE);
    const refused = await bob().fails("event", "edit", GROUP, eventId, "--title", "Bob's party");
    expect(refused.error).toMatch(/only the person who made this event or a group admin/i);
    const [e] = await listEvents(carol());
    expect(e!.title).toBe(NEW_TITLE);
    expect(e!.location).toBe(PLACE);
  });

  it("exports iCalendar that an independent parser reads back", async () => {
    const r = await alice().run("event", "ics", GROUP, eventId);
    expect(r.code).toBe(0);
    const vcalendar = new ICAL.Component(ICAL.parse(r.stdout));
    const vevent = vcalendar.getFirstSubcomponent("vevent")!;
    const ev = new ICAL.Event(vevent);
    expect(ev.summary).toBe(NEW_TITLE);
    expect(ev.location).toBe(PLACE);
    expect(ev.description).toBe(DESCRIPTION);
    expect(ev.startDate.toJSDate().toISOString()).toBe("2027-04-10T13:00:00.000Z");
    expect(ev.endDate.toJSDate().toISOString()).toBe("2027-04-10T16:30:00.000Z");
    expect(vevent.getFirstPropertyValue("status")).toBe("CONFIRMED");
    const calendar = await bob().run("event", "ics", GROUP);
    expect(new ICAL.Component(ICAL.parse(calendar.stdout)).getAllSubcomponents("vevent")).toHaveLength(1);
  });

  it("cancels the event: it stays listed as cancelled for everyone", async () => {
    const refused = await carol().fails("event", "cancel", GROUP, eventId);
    expect(refused.code).not.toBe(0);
    await alice().ok("event", "cancel", GROUP, eventId);
    for (const p of people) {
      const [e] = await listEvents(p);
      expect(e!.status).toBe("cancelled");
      expect(e!.title).toBe(NEW_TITLE);
    }
    const ics = await carol().run("event", "ics", GROUP, eventId);
    const vevent = new ICAL.Component(ICAL.parse(ics.stdout)).getFirstSubcomponent("vevent")!;
    expect(vevent.getFirstPropertyValue("status")).toBe("CANCELLED");
  });

  it("runs a pick-a-date poll; a changed vote counts once", async () => {
    const poll = await alice().ok<PollRow>(
      "poll",
      "create",
      GROUP,
      "Which Saturday for the harvest?",
      "--option",
      "2027-09-04",
      "--option",
      "2027-09-11",
      "--dates",
    );
    expect(poll.dates).toBe(true);
    await bob().ok("poll", "vote", GROUP, poll.id, "2027-09-04");
    await carol().ok("poll", "vote", GROUP, poll.id, "0");
    await carol().ok("poll", "vote", GROUP, poll.id, "1");
    for (const p of people) {
      const [seen] = await p.ok<PollRow[]>("poll", "list", GROUP);
      expect(seen!.options.map((o) => [o.label, o.votes])).toEqual([
        ["2027-09-04", [bob().npub]],
        ["2027-09-11", [carol().npub]],
      ]);
    }
    const bad = await bob().fails("poll", "vote", GROUP, poll.id, "2027-12-25");
    expect(bad.error).toMatch(/not an option/i);
  });

  it("imports an .ics event file into the group", async () => {
    const file = path.join(root, "picnic.ics");
    fs.writeFileSync(
      file,
      [
        "BEGIN:VCALENDAR",
        "VERSION:2.0",
        "PRODID:-//Example Corp//Calendar 1.0//EN",
        "BEGIN:VEVENT",
        "UID:picnic-2027@example.com",
        "DTSTAMP:20270101T120000Z",
        "DTSTART;VALUE=DATE:20270612",
        "DTEND;VALUE=DATE:20270613",
        "SUMMARY:Orchard picnic",
        "LOCATION:North orchard gate",
        "END:VEVENT",
        "END:VCALENDAR",
        "",
      ].join("\r\n"),
    );
    const imported = await bob().ok<EventRow[]>("event", "import", GROUP, file);
    expect(imported).toEqual([
      expect.objectContaining({
        title: "Orchard picnic",
        start: "2027-06-12",
        location: "North orchard gate",
      }),
    ]);
    const titles = (await listEvents(alice())).map((e) => e.title);
    expect(titles).toContain("Orchard picnic");
    const missing = await bob().fails("event", "import", GROUP, path.join(root, "nope.ics"));
    expect(missing.error).toMatch(/cannot read/i);
  });

  it("keeps answers to a hosts-only event between the answerer and the hosts", async () => {
    const hidden = await alice().ok<{ id: string }>(
      "event",
      "create",
      GROUP,
      "--title",
      "Closed planning session",
      "--start",
      "2027-05-01T10:00",
      "--hosts-only-rsvps",
    );
    await bob().ok("event", "rsvp", GROUP, hidden.id, "going");
    const find = async (p: Person) => (await listEvents(p)).find((e) => e.id === hidden.id)!;
    expect((await find(alice())).rsvps.going).toEqual([bob().npub]);
    expect((await find(bob())).rsvps.going).toEqual([bob().npub]);
    expect((await find(carol())).rsvps).toEqual({
      going: [],
      maybe: [],
      declined: [],
      waitlist: [],
      asking: [],
    });
  });

  it("leaves no title, place or description in the relay's files", async () => {
    const needles = [
      TITLE,
      NEW_TITLE,
      PLACE,
      DESCRIPTION,
      "Old Boathouse",
      "Orchard picnic",
      "North orchard gate",
      GROUP,
      "Which Saturday",
      "Closed planning session",
    ];
    expect(findInFiles(relay.dataDir, needles)).toEqual([]);
  });
});
