/**
 * Places per occurrence over a real relay (PROTOCOL.md 13.5, 13.10): a weekly event with two places
 * has two places every week. Series answers are confirmed once for every date; a decline for one
 * date frees a place that week only, without any confirmation; more guests on one date are
 * confirmed for that date alone. And editing only the time zone of a series that ends on a set day
 * keeps that day.
 */
import { KIND_PLACES, type Rumor } from "@rally/protocol/app";
import { describe, expect, it } from "vitest";
import type { Rally } from "../../src/rallyClient.ts";
import { groupWith, person, pubkeyOf, useWorld } from "../world.ts";

const w = useWorld("occurrence-places");

async function eventOf(c: Rally, group: string, id: string) {
  const e = (await c.events(group)).find((x) => x.id === id);
  if (!e) throw new Error("no such event");
  return e;
}

async function confirmationsOn(c: Rally, group: string): Promise<Rumor[]> {
  const rows = await c.core.store.rumors({ group, kinds: [KIND_PLACES] });
  // Stored as an envelope whose `r` is the rumor.
  return rows.map((r) => (JSON.parse(r.json) as { r: Rumor }).r);
}

describe("places per occurrence", { timeout: 300_000 }, () => {
  it("each week has its own line, fed by the answers that apply to it", async () => {
    const alice = await person(w, "Alice");
    const bob = await person(w, "Bob");
    const carol = await person(w, "Carol");
    const dave = await person(w, "Dave");
    const g = await groupWith(alice, [bob, carol, dave], "Climbing club");
    // The host's device confirms places after a sync brought answers, then sends them out.
    const hostSync = async () => {
      await alice.sync();
      await alice.deliver(8_000);
    };
    const day = new Date((alice.core.now() + 3 * 86_400) * 1000).toISOString().slice(0, 10);
    const created = await alice.createEvent(g, {
      title: "Bouldering",
      start: `${day}T18:00`,
      end: `${day}T20:00`,
      tz: "UTC",
      capacity: 2,
      repeat: { rule: "FREQ=WEEKLY", count: 4 },
    });
    await alice.deliver(8_000);
    for (const c of [bob, carol, dave]) await c.sync();

    // Everyone answers for every week; the host's device receives them in one sync.
    for (const c of [bob, carol, dave]) {
      await c.rsvp(g, created.id, "going");
      await c.deliver(8_000);
    }
    await hostSync();
    const [bobPk, carolPk, davePk] = await Promise.all([bob, carol, dave].map(pubkeyOf));
    const afterSeries = await eventOf(alice, g, created.id);
    expect(afterSeries.occurrences).toHaveLength(4);
    for (const o of afterSeries.occurrences) {
      expect(o.seatsTaken).toBe(2);
      expect(o.rsvps.going).toHaveLength(2);
      expect(o.rsvps.waitlist).toHaveLength(1);
    }
    // One confirmation seats every week.
    expect(await confirmationsOn(alice, g)).toHaveLength(1);
    const line = (await confirmationsOn(alice, g))[0]!.tags
      .filter((t) => t[0] === "rally_place")
      .map((t) => t[1]);
    const [first, second, third] = line as [string, string, string];
    expect(new Set(line)).toEqual(new Set([bobPk, carolPk, davePk]));
    const byPk = new Map([
      [bobPk, bob],
      [carolPk, carol],
      [davePk, dave],
    ]);
    const seated = byPk.get(first)!;
    const waiting = byPk.get(third)!;

    // The first in line cannot come in week 2: the one waiting has a place that week only.
    const week2 = afterSeries.occurrences[1]!.original;
    const off = await seated.rsvp(g, created.id, "declined", 0, { occurrence: week2 });
    expect(off.occurrence).toBe(week2);
    await seated.deliver(8_000);
    await hostSync();
    await waiting.sync();
    const waiterView = await eventOf(waiting, g, created.id);
    expect(waiterView.occurrences.map((o) => o.myPlace)).toEqual([
      "waitlist",
      "confirmed",
      "waitlist",
      "waitlist",
    ]);
    expect(waiterView.myPlace).toBe("waitlist");
    const week2View = waiterView.occurrences[1]!;
    expect(week2View.rsvps.declined.length).toBe(1);
    expect(week2View.rsvps.waitlist).toEqual([]);
    // Nobody was asking anywhere: nothing more to confirm.
    expect(await confirmationsOn(alice, g)).toHaveLength(1);

    // The second in line brings a guest in week 4: too many for that week; they wait behind the third.
    const week4 = afterSeries.occurrences[3]!.original;
    const second4 = byPk.get(second)!;
    const plus = await second4.rsvp(g, created.id, "going", 1, { occurrence: week4 });
    expect(plus.occurrence).toBe(week4);
    expect((await eventOf(second4, g, created.id)).occurrences[3]!.myPlace).toBe("asking");
    await second4.deliver(8_000);
    await hostSync();
    const sent = await confirmationsOn(alice, g);
    expect(sent).toHaveLength(2);
    const forWeek4 = sent.find((r) => r.tags.some((t) => t[0] === "rally_occurrence"))!;
    const week4Key = String(Date.parse(week4) / 1000);
    expect(forWeek4.tags.find((t) => t[0] === "rally_occurrence")).toEqual(["rally_occurrence", week4Key]);
    expect(forWeek4.tags.filter((t) => t[0] === "rally_place")).toEqual([
      ["rally_place", first, expect.any(String), "0"],
      ["rally_place", third, expect.any(String), "0"],
      ["rally_place", second, expect.any(String), "1"],
    ]);
    await second4.sync();
    const guestView = await eventOf(second4, g, created.id);
    expect(guestView.occurrences.map((o) => o.myPlace)).toEqual([
      "confirmed",
      "confirmed",
      "confirmed",
      "waitlist",
    ]);
    expect(guestView.occurrences[3]!.myGuests).toBe(1);
    expect(guestView.occurrences[3]!.seatsTaken).toBe(2);
    await waiting.sync();
    expect((await eventOf(waiting, g, created.id)).occurrences[3]!.myPlace).toBe("confirmed");
  });

  it("editing only the time zone keeps the day the series ends on", async () => {
    const alice = await person(w, "Erin");
    const g = (await alice.createGroup({ name: "Choir" })).id;
    const year = new Date(alice.core.now() * 1000).getUTCFullYear() + 1;
    const created = await alice.createEvent(g, {
      title: "Rehearsal",
      start: `${year}-03-03T19:00`,
      tz: "Europe/Berlin",
      repeat: { rule: "FREQ=WEEKLY", until: `${year}-03-24` },
    });
    expect(created.repeat!.rule).toBe(`FREQ=WEEKLY;UNTIL=${year}0324T225959Z`);
    expect(created.occurrences.map((o) => o.start.slice(0, 10)).at(-1)).toBe(`${year}-03-24`);
    const edited = await alice.editEvent(g, created.id, { tz: "Pacific/Auckland" });
    expect(edited.tz).toBe("Pacific/Auckland");
    // The same instants, so in Auckland each evening is the next morning: the last one that is
    // still on or before the 24th there is the 18th (kept in UTC, the end would have let the 25th in).
    expect(edited.repeat!.rule).toBe(`FREQ=WEEKLY;UNTIL=${year}0324T105959Z`);
    expect(edited.occurrences.map((o) => o.start)).toEqual([
      `${year}-03-04T07:00:00+13:00`,
      `${year}-03-11T07:00:00+13:00`,
      `${year}-03-18T07:00:00+13:00`,
    ]);
  });
});
