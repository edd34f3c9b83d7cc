/**
 * Event times at daylight-saving changes through the `rally` command, against a real relay: a
 * start or end the clocks skip (Berlin, 28 March 2027, 2:00 → 3:00) is refused with the times
 * meant and nothing is made or changed; a time they show twice (31 October 2027, 2:30) is taken as
 * the first, said so on stderr with how to write the second, which an explicit offset then gets.
 */
import fs from "node:fs";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { type RelayHandle, startRelay } from "../helpers/relay.ts";
import { Person, rally, tempRoot } from "./support.ts";

interface EventRow {
  id: string;
  title: string;
  start: string;
  end: string | null;
  tz: string | null;
}

const GROUP = "Night Bus Campaign";
const GAP =
  "2:30 on 28 March 2027 does not exist in Europe/Berlin (clocks go forward from 2:00 to 3:00). Use 3:30 (or 1:30).";
const OVERLAP =
  "2:30 on 31 October 2027 happens twice in Europe/Berlin (clocks go back from 3:00 to 2:00). Taken as the first 2:30, before the clocks go back.";

let relay: RelayHandle;
let root: string;
let ida: Person;

beforeAll(async () => {
  root = tempRoot("rally-cli-clocks-");
  relay = await startRelay();
  ida = new Person("Ida Ibis", root);
  await ida.createAccount(relay.url);
  await ida.ok("group", "create", GROUP);
}, 600_000);

afterAll(async () => {
  await relay?.stop();
  fs.rmSync(root, { recursive: true, force: true });
});

describe("event times at daylight-saving changes", { timeout: 300_000 }, () => {
  it("refuses a start or an end the clocks skip, and makes nothing", async () => {
    const start = await ida.fails(
      "event",
      "create",
      GROUP,
      "--title",
      "First night bus",
      "--start",
      "2027-03-28T02:30",
      "--tz",
      "Europe/Berlin",
    );
    expect(start.code).not.toBe(0);
    expect(start.error).toBe(GAP);
    const end = await ida.fails(
      "event",
      "create",
      GROUP,
      "--title",
      "First night bus",
      "--start",
      "2027-03-28T01:00",
      "--end",
      "2027-03-28T02:30",
      "--tz",
      "Europe/Berlin",
    );
    expect(end.error).toBe(GAP);
    // People read the same words without --json.
    const plain = await rally([
      "event",
      "create",
      GROUP,
      "--title",
      "First night bus",
      "--start",
      "2027-03-28T02:30",
      "--tz",
      "Europe/Berlin",
      "--home",
      ida.home,
    ]);
    expect(plain.code).not.toBe(0);
    expect(plain.stderr).toContain(GAP);
    expect(await ida.ok<EventRow[]>("event", "list", GROUP)).toEqual([]);
  });

  it("takes a repeated time as the first and says so; an offset picks the second", async () => {
    const r = await ida.run(
      "event",
      "create",
      GROUP,
      "--title",
      "Last summer-time bus",
      "--start",
      "2027-10-31T02:30",
      "--tz",
      "Europe/Berlin",
    );
    expect(r.code).toBe(0);
    const first = JSON.parse(r.stdout) as EventRow;
    expect(first.start).toBe("2027-10-31T02:30:00+02:00");
    expect(r.stderr).toContain(`${OVERLAP} For the second, use --start 2027-10-31T02:30:00+01:00.`);

    const second = await ida.run(
      "event",
      "create",
      GROUP,
      "--title",
      "First winter-time bus",
      "--start",
      "2027-10-31T02:30:00+01:00",
      "--tz",
      "Europe/Berlin",
    );
    expect(second.code).toBe(0);
    expect((JSON.parse(second.stdout) as EventRow).start).toBe("2027-10-31T02:30:00+01:00");
    expect(second.stderr).not.toContain("happens twice");
  });

  it("refuses an edit to a time the clocks skip, in the event's own zone, and keeps the event as it was", async () => {
    const made = await ida.ok<EventRow>(
      "event",
      "create",
      GROUP,
      "--title",
      "Spring timetable meeting",
      "--start",
      "2027-03-27T19:00",
      "--tz",
      "Europe/Berlin",
    );
    expect(made.start).toBe("2027-03-27T19:00:00+01:00");
    // No --tz: the event's zone (Berlin) is the one whose clocks skip 2:30.
    const refused = await ida.fails("event", "edit", GROUP, made.id, "--start", "2027-03-28T02:30");
    expect(refused.error).toBe(GAP);
    const withZone = await ida.fails(
      "event",
      "edit",
      GROUP,
      made.id,
      "--start",
      "2027-03-28T02:30",
      "--tz",
      "Europe/Berlin",
    );
    expect(withZone.error).toBe(GAP);
    const after = (await ida.ok<EventRow[]>("event", "list", GROUP)).find((e) => e.id === made.id);
    expect(after?.start).toBe("2027-03-27T19:00:00+01:00");
    // The time meant is taken.
    const moved = await ida.ok<EventRow>("event", "edit", GROUP, made.id, "--start", "2027-03-28T03:30");
    expect(moved.start).toBe("2027-03-28T03:30:00+02:00");
  });
});
