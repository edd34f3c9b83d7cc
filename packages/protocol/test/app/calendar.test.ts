import { describe, expect, test } from "vitest";
import {
  buildCalendarEvent,
  buildEventCancel,
  buildEventEdit,
  calendarEventId,
  eventAddress,
  eventTimeFromIso,
  InvalidInputError,
  makeRumor,
  newEventIdentifier,
  parseCalendarEvent,
  parseEventAddress,
} from "../../src/app/index.ts";
import { alice, bob, carol } from "./people.ts";

const at = (iso: string) => Date.parse(iso) / 1000;

const timed = () =>
  buildCalendarEvent({
    pubkey: alice.pk,
    createdAt: 100,
    d: "ev1",
    title: "Tenants' assembly",
    time: eventTimeFromIso({ start: "2025-06-01T18:00", end: "2025-06-01T20:00", tz: "Europe/Berlin" }),
    description: "Bring chairs.\nSecond line.",
    summary: "Monthly meeting",
    location: "Community hall, Main St 1",
    image: "https://example.org/a.png",
    hashtags: ["housing", "assembly"],
    links: ["https://example.org/agenda"],
    hosts: [bob.pk],
    capacity: 30,
    hostsOnlyRsvps: true,
  });

describe("calendar events (NIP-52 31923/31922)", () => {
  test("a timed event carries the NIP-52 tags and Rally's additions", () => {
    const r = timed();
    expect(r.kind).toBe(31923);
    expect(r.content).toBe("Bring chairs.\nSecond line.");
    expect(r.tags).toEqual([
      ["d", "ev1"],
      ["title", "Tenants' assembly"],
      ["start", String(at("2025-06-01T16:00:00Z"))],
      ["end", String(at("2025-06-01T18:00:00Z"))],
      ["start_tzid", "Europe/Berlin"],
      ["summary", "Monthly meeting"],
      ["image", "https://example.org/a.png"],
      ["location", "Community hall, Main St 1"],
      ["p", bob.pk, "", "host"],
      ["t", "housing"],
      ["t", "assembly"],
      ["r", "https://example.org/agenda"],
      ["rally_capacity", "30"],
      ["rally_rsvp_visibility", "hosts"],
    ]);
    const parsed = parseCalendarEvent(r);
    expect(parsed).toEqual({
      ok: true,
      value: {
        owner: alice.pk,
        d: "ev1",
        title: "Tenants' assembly",
        time: {
          allDay: false,
          start: at("2025-06-01T16:00:00Z"),
          end: at("2025-06-01T18:00:00Z"),
          tz: "Europe/Berlin",
          endTz: "Europe/Berlin",
        },
        description: "Bring chairs.\nSecond line.",
        summary: "Monthly meeting",
        location: "Community hall, Main St 1",
        image: "https://example.org/a.png",
        hashtags: ["housing", "assembly"],
        links: ["https://example.org/agenda"],
        hosts: [bob.pk],
        capacity: 30,
        cancelled: false,
        hostsOnlyRsvps: true,
      },
    });
  });

  test("an all-day event uses dates, end exclusive", () => {
    const time = eventTimeFromIso({ start: "2025-07-04", end: "2025-07-06" });
    expect(time).toEqual({ allDay: true, start: "2025-07-04", end: "2025-07-06" });
    expect(eventTimeFromIso({ start: "2025-07-04", end: "2025-07-04" })).toEqual({
      allDay: true,
      start: "2025-07-04",
      end: "2025-07-05",
    });
    const r = buildCalendarEvent({ pubkey: alice.pk, createdAt: 1, d: "x", title: "Camp", time });
    expect(r.kind).toBe(31922);
    expect(r.tags).toContainEqual(["start", "2025-07-04"]);
    expect(parseCalendarEvent(r)).toMatchObject({ ok: true, value: { time } });
  });

  test("edits keep owner and d; an admin's edit names the owner", () => {
    const parsed = parseCalendarEvent(timed());
    if (!parsed.ok) throw new Error(parsed.error);
    const own = buildEventEdit(parsed.value, { title: "New title" }, { pubkey: alice.pk, createdAt: 200 });
    expect(own.tags.find((t) => t[0] === "rally_owner")).toBeUndefined();
    const byAdmin = buildEventCancel(parsed.value, { pubkey: carol.pk, createdAt: 300 });
    expect(byAdmin.pubkey).toBe(carol.pk);
    expect(byAdmin.tags).toContainEqual(["rally_owner", alice.pk]);
    expect(byAdmin.tags).toContainEqual(["rally_status", "cancelled"]);
    const reparsed = parseCalendarEvent(byAdmin);
    expect(reparsed).toMatchObject({
      ok: true,
      value: { owner: alice.pk, d: "ev1", cancelled: true, capacity: 30 },
    });
  });

  test("addresses and stable ids", () => {
    expect(eventAddress(31923, alice.pk, "ev1")).toBe(`31923:${alice.pk}:ev1`);
    expect(parseEventAddress(`31923:${alice.pk}:ev:1`)).toEqual({
      ok: true,
      value: { kind: 31923, owner: alice.pk, d: "ev:1" },
    });
    expect(parseEventAddress(`1:${alice.pk}:x`).ok).toBe(false);
    expect(parseEventAddress("31923:abc:x").ok).toBe(false);
    expect(parseEventAddress("nonsense").ok).toBe(false);
    expect(calendarEventId(alice.pk, "ev1")).toMatch(/^[0-9a-f]{64}$/);
    expect(calendarEventId(alice.pk, "ev1")).not.toBe(calendarEventId(bob.pk, "ev1"));
    expect(newEventIdentifier()).toMatch(/^[0-9a-f]{32}$/);
    expect(newEventIdentifier()).not.toBe(newEventIdentifier());
  });

  test("builder refuses bad input with the field at fault", () => {
    const ok = {
      pubkey: alice.pk,
      createdAt: 1,
      d: "x",
      title: "T",
      time: eventTimeFromIso({ start: "2025-01-01T10:00Z" }),
    };
    const field = (f: () => unknown) => {
      try {
        f();
      } catch (e) {
        expect(e).toBeInstanceOf(InvalidInputError);
        return (e as InvalidInputError).field;
      }
      throw new Error("did not throw");
    };
    expect(field(() => buildCalendarEvent({ ...ok, title: "  " }))).toBe("title");
    expect(field(() => buildCalendarEvent({ ...ok, capacity: 0 }))).toBe("capacity");
    expect(field(() => buildCalendarEvent({ ...ok, capacity: 2.5 }))).toBe("capacity");
    expect(field(() => buildCalendarEvent({ ...ok, d: "" }))).toBe("d");
    expect(field(() => buildCalendarEvent({ ...ok, hosts: ["bob"] }))).toBe("hosts");
    expect(
      field(() =>
        buildCalendarEvent({ ...ok, time: { allDay: false, start: 10, end: 5, tz: null, endTz: null } }),
      ),
    ).toBe("time");
    expect(field(() => eventTimeFromIso({ start: "2025-01-01T10:00", end: "2025-01-01T09:00" }))).toBe("end");
    expect(field(() => eventTimeFromIso({ start: "tomorrow" }))).toBe("start");
    expect(field(() => eventTimeFromIso({ start: "2025-01-01T10:00", tz: "Mars/Base" }))).toBe("tz");
    expect(field(() => eventTimeFromIso({ start: "2025-01-01T10:00", end: "2025-01-02" }))).toBe("end");
    expect(field(() => eventTimeFromIso({ start: "2025-01-03", end: "2025-01-02" }))).toBe("end");
  });

  test.each([
    [
      "no d",
      [
        ["title", "T"],
        ["start", "1"],
      ],
      "no `d` tag",
    ],
    [
      "no title",
      [
        ["d", "x"],
        ["start", "1"],
      ],
      "no title",
    ],
    [
      "start not seconds",
      [
        ["d", "x"],
        ["title", "T"],
        ["start", "2025-01-01"],
      ],
      "not Unix seconds",
    ],
    [
      "end before start",
      [
        ["d", "x"],
        ["title", "T"],
        ["start", "10"],
        ["end", "5"],
      ],
      "end must be after start",
    ],
    [
      "bad capacity",
      [
        ["d", "x"],
        ["title", "T"],
        ["start", "10"],
        ["rally_capacity", "-3"],
      ],
      "rally_capacity",
    ],
    [
      "bad status",
      [
        ["d", "x"],
        ["title", "T"],
        ["start", "10"],
        ["rally_status", "postponed"],
      ],
      "rally_status",
    ],
    [
      "bad owner",
      [
        ["d", "x"],
        ["title", "T"],
        ["start", "10"],
        ["rally_owner", "me"],
      ],
      "rally_owner",
    ],
  ])("refuses a timed event with %s", (_n, tags, message) => {
    const r = makeRumor({ pubkey: alice.pk, createdAt: 1, kind: 31923, tags, content: "" });
    const parsed = parseCalendarEvent(r);
    expect(parsed.ok).toBe(false);
    if (!parsed.ok) expect(parsed.error).toContain(message);
  });

  test("reads the deprecated name tag, several locations, and drops unknown zones", () => {
    const r = makeRumor({
      pubkey: alice.pk,
      createdAt: 1,
      kind: 31923,
      tags: [
        ["d", "x"],
        ["name", "Old style"],
        ["start", "100"],
        ["start_tzid", "Not/AZone"],
        ["location", "Room 1"],
        ["location", "https://meet.example/abc"],
      ],
      content: "",
    });
    expect(parseCalendarEvent(r)).toMatchObject({
      ok: true,
      value: { title: "Old style", location: "Room 1, https://meet.example/abc", time: { tz: null } },
    });
    const allDayBad = makeRumor({
      pubkey: alice.pk,
      createdAt: 1,
      kind: 31922,
      tags: [
        ["d", "x"],
        ["title", "T"],
        ["start", "1700000000"],
      ],
      content: "",
    });
    expect(parseCalendarEvent(allDayBad)).toEqual({
      ok: false,
      error: "all-day event `start` is not a YYYY-MM-DD date",
    });
  });
});
