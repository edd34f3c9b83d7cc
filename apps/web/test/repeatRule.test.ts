import { describe, expect, it } from "vitest";
import {
  choiceOf,
  describeRule,
  NO_REPEAT,
  repeatOf,
  repeatOptions,
  ruleOf,
  weekdayPosition,
} from "../src/lib/repeatRule.ts";

// Tuesday 9 June 2026: the second Tuesday of the month.
const DAY = "2026-06-09";

describe("the form's repeat choices", () => {
  it("offers choices named for the start day", () => {
    expect(repeatOptions(DAY, "en-GB").map((o) => o.label)).toEqual([
      "Never",
      "Every day",
      "Every week on Tuesday",
      "Every 2 weeks on Tuesday",
      "Monthly on the second Tuesday",
      "Monthly on day 9",
      "Every year on 9 June",
    ]);
    expect(weekdayPosition("2026-06-30")).toBe(-1);
    expect(repeatOptions("2026-06-30", "en-GB")[4]?.label).toBe("Monthly on the last Tuesday");
  });

  it("turns a choice into an RRULE value with its end", () => {
    expect(ruleOf(NO_REPEAT, DAY)).toBeNull();
    expect(ruleOf({ ...NO_REPEAT, kind: "weekly" }, DAY)).toBe("FREQ=WEEKLY;BYDAY=TU");
    expect(ruleOf({ ...NO_REPEAT, kind: "biweekly", ends: "count", times: 8 }, DAY)).toBe(
      "FREQ=WEEKLY;INTERVAL=2;BYDAY=TU;COUNT=8",
    );
    expect(ruleOf({ ...NO_REPEAT, kind: "monthlyWeekday", ends: "until", until: "2026-12-31" }, DAY)).toBe(
      "FREQ=MONTHLY;BYDAY=2TU;UNTIL=20261231",
    );
    expect(ruleOf({ ...NO_REPEAT, kind: "yearly" }, DAY)).toBe("FREQ=YEARLY;BYMONTH=6;BYMONTHDAY=9");
    // The client takes the end apart from the rule.
    expect(repeatOf({ ...NO_REPEAT, kind: "biweekly", ends: "count", times: 8 }, DAY)).toEqual({
      rule: "FREQ=WEEKLY;INTERVAL=2;BYDAY=TU",
      count: 8,
    });
    expect(repeatOf({ ...NO_REPEAT, kind: "weekly", ends: "until", until: "2026-12-31" }, DAY)).toEqual({
      rule: "FREQ=WEEKLY;BYDAY=TU",
      until: "2026-12-31",
    });
    expect(repeatOf(NO_REPEAT, DAY)).toBeNull();
    expect(() => ruleOf({ ...NO_REPEAT, kind: "daily", ends: "until", until: "2026-01-01" }, DAY)).toThrow(
      "cannot be before it starts",
    );
    expect(() => ruleOf({ ...NO_REPEAT, kind: "daily", ends: "count", times: 0 }, DAY)).toThrow(
      "a whole number from 2 to 1000",
    );
  });

  it("reads a rule back into the same choice, and keeps one it cannot say", () => {
    for (const kind of ["daily", "weekly", "biweekly", "monthlyWeekday", "monthlyDay", "yearly"] as const) {
      for (const end of [
        { ends: "never" as const },
        { ends: "count" as const, times: 5 },
        { ends: "until" as const, until: "2027-01-31" },
      ]) {
        const choice = { ...NO_REPEAT, kind, ...end };
        expect(choiceOf(ruleOf(choice, DAY), DAY)).toEqual(choice);
      }
    }
    expect(choiceOf("FREQ=WEEKLY", DAY).kind).toBe("weekly");
    // A timed series keeps "until 31 January" as the last second of that day in its zone.
    expect(choiceOf("FREQ=WEEKLY;BYDAY=TU;UNTIL=20270201T045959Z", DAY, "America/New_York")).toEqual({
      ...NO_REPEAT,
      kind: "weekly",
      ends: "until",
      until: "2027-01-31",
    });
    const custom = choiceOf("RRULE:FREQ=WEEKLY;BYDAY=MO,WE,FR", DAY);
    expect(custom.kind).toBe("custom");
    expect(ruleOf(custom, DAY)).toBe("FREQ=WEEKLY;BYDAY=MO,WE,FR");
  });

  it("says a rule in words", () => {
    expect(describeRule("FREQ=WEEKLY;INTERVAL=2;BYDAY=TU;COUNT=8", DAY, "UTC", "en-GB")).toBe(
      "Every 2 weeks on Tuesday, 8 times",
    );
    expect(describeRule("FREQ=MONTHLY;BYDAY=2TU;UNTIL=20261231", DAY, "UTC", "en-GB")).toBe(
      "Monthly on the second Tuesday, until 31 December 2026",
    );
    expect(describeRule("FREQ=DAILY;COUNT=1", DAY, "UTC", "en-GB")).toBe("Every day, 1 time");
  });
});
