/** What pages read from public events and profiles, and the directory's filter. */

import type { NostrEvent } from "@rally/client";
import { describe, expect, it } from "vitest";
import {
  matchesFilter,
  readDirectoryFilter,
  readProfile,
  readPublicEvent,
} from "../../../src/serve/public/model.ts";
import { whenText } from "../../../src/serve/public/timeText.ts";

// Pages read what the relay already verified: the signature is not theirs to check.
const SIGNER = "7e7e9c42a91bfef19fa929e5fda1b72e0ebc1a4c1141673e2794234d86addf4e";
const OTHER = "a".repeat(64);
const sign = (kind: number, tags: string[][], content = "") =>
  ({
    id: "0".repeat(64),
    sig: "0".repeat(128),
    pubkey: SIGNER,
    kind,
    tags,
    content,
    created_at: 1_900_000_000,
  }) as NostrEvent;
const T = Date.parse("2031-03-20T18:00:00Z") / 1000;

describe("public events as pages read them", () => {
  it("hides the place when approval is required and always names the signer as owner", () => {
    const e = readPublicEvent(
      sign(31923, [
        ["d", "x"],
        ["title", "Meeting"],
        ["start", String(T)],
        ["location", "Back room"],
        ["rally_approval", "required"],
        ["rally_owner", OTHER],
      ]),
    )!;
    expect(e.location).toBeNull();
    expect(e.approval).toBe(true);
    expect(e.owner).toBe(SIGNER);
    expect(e.address).toBe(`31923:${SIGNER}:x`);
  });

  it("leaves out what is not a calendar event or has no title", () => {
    expect(readPublicEvent(sign(1, [["d", "x"]]))).toBeUndefined();
    expect(
      readPublicEvent(
        sign(31923, [
          ["d", "x"],
          ["start", String(T)],
        ]),
      ),
    ).toBeUndefined();
  });

  it("reads a profile's public fields only, and nothing from an emptied one", () => {
    const p = readProfile(
      sign(0, [], JSON.stringify({ name: " Mill ", about: "Hi", nip05: "x", lud16: "y" })),
    );
    expect(p).toEqual({ name: "Mill", about: "Hi", picture: null, website: null });
    expect(readProfile(sign(0, [], "{}"))).toBeUndefined();
    expect(readProfile(sign(0, [], "not json"))).toBeUndefined();
  });

  it("filters by tag, place and days, and reports a bad date", () => {
    const e = readPublicEvent(
      sign(31923, [
        ["d", "x"],
        ["title", "Repair café"],
        ["start", String(T)],
        ["end", String(T + 7200)],
        ["location", "Library hall"],
        ["t", "Repair"],
      ]),
    )!;
    const f = (q: string) => readDirectoryFilter(new URLSearchParams(q));
    expect(matchesFilter(e, f("tag=%23repair").filter)).toBe(true);
    expect(matchesFilter(e, f("tag=music").filter)).toBe(false);
    expect(matchesFilter(e, f("place=LIBRARY").filter)).toBe(true);
    expect(matchesFilter(e, f("from=2031-03-20&to=2031-03-20").filter)).toBe(true);
    expect(matchesFilter(e, f("from=2031-03-21").filter)).toBe(false);
    expect(matchesFilter(e, f("to=2031-03-19").filter)).toBe(false);
    expect(f("from=2031-02-30").problems).toEqual(['"2031-02-30" is not a date: write it as YYYY-MM-DD.']);
    expect(f("from=2031-03-02&to=2031-03-01").problems).toEqual(["The end date is before the start date."]);
  });

  it("writes times in the event's zone or another, and all-day dates as dates", () => {
    const time = {
      allDay: false as const,
      start: T,
      end: T + 7200,
      tz: "Europe/Berlin",
      endTz: "Europe/Berlin",
    };
    expect(whenText(time)).toBe("Thursday, 20 March 2031, 19:00 – 21:00 (Europe/Berlin)");
    expect(whenText(time, "Asia/Tokyo")).toBe("Friday, 21 March 2031, 03:00 – 05:00 (Asia/Tokyo)");
    expect(whenText({ ...time, end: T + 86_400 })).toBe(
      "Thursday, 20 March 2031, 19:00 – Friday, 21 March 2031, 19:00 (Europe/Berlin)",
    );
    expect(whenText({ allDay: true, start: "2031-06-14", end: "2031-06-16" })).toBe(
      "Saturday, 14 June 2031 – Sunday, 15 June 2031 (all day)",
    );
  });
});
