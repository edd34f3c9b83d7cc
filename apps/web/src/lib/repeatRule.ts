/**
 * The event form's "Repeats" choice, in words people use ("every 2 weeks", "monthly on the second
 * Tuesday"), turned into the RFC 5545 RRULE value events carry, and back. A rule the form cannot
 * say (written with the `rally` command or imported) is kept as it is and shown as written.
 */
import { count } from "./plural.ts";
import { instantToWallTime } from "./time.ts";

export type RepeatKind =
  | "never"
  | "daily"
  | "weekly"
  | "biweekly"
  | "monthlyWeekday"
  | "monthlyDay"
  | "yearly"
  | "custom";

export interface RepeatChoice {
  kind: RepeatKind;
  /** How the series ends: never, after a last day (inclusive), or after a number of times. */
  ends: "never" | "until" | "count";
  /** YYYY-MM-DD, with `ends: "until"`. */
  until: string;
  /** With `ends: "count"`: how many times in all, the first included. */
  times: number;
  /** The rule as written, with `kind: "custom"`. */
  custom: string;
}

export const NO_REPEAT: RepeatChoice = { kind: "never", ends: "never", until: "", times: 10, custom: "" };

const DAYS = ["SU", "MO", "TU", "WE", "TH", "FR", "SA"] as const;
const ORDINALS: Record<number, string> = { 1: "first", 2: "second", 3: "third", 4: "fourth", [-1]: "last" };

function parts(day: string): { y: number; m: number; d: number; weekday: number } | null {
  const match = /^(\d{4})-(\d{2})-(\d{2})$/.exec(day);
  if (!match) return null;
  const [y, m, d] = [Number(match[1]), Number(match[2]), Number(match[3])];
  const date = new Date(Date.UTC(y, m - 1, d));
  if (Number.isNaN(date.getTime())) return null;
  return { y, m, d, weekday: date.getUTCDay() };
}

/** Which of its weekday in the month a day is: 1..4, or -1 for a fifth (said as "last"). */
export function weekdayPosition(day: string): number {
  const p = parts(day);
  if (!p) return 1;
  const n = Math.ceil(p.d / 7);
  return n >= 5 ? -1 : n;
}

function weekdayName(day: string, locale?: string): string {
  const p = parts(day);
  if (!p) return "";
  return new Intl.DateTimeFormat(locale, { weekday: "long", timeZone: "UTC" }).format(
    new Date(Date.UTC(p.y, p.m - 1, p.d)),
  );
}

/** The choices offered for a series starting on `day` (YYYY-MM-DD), in words. */
export function repeatOptions(day: string, locale?: string): { kind: RepeatKind; label: string }[] {
  const p = parts(day);
  const weekday = weekdayName(day, locale);
  const position = ORDINALS[weekdayPosition(day)] ?? "first";
  const dayMonth = p
    ? new Intl.DateTimeFormat(locale, { day: "numeric", month: "long", timeZone: "UTC" }).format(
        new Date(Date.UTC(p.y, p.m - 1, p.d)),
      )
    : "";
  return [
    { kind: "never", label: "Never" },
    { kind: "daily", label: "Every day" },
    { kind: "weekly", label: weekday ? `Every week on ${weekday}` : "Every week" },
    { kind: "biweekly", label: weekday ? `Every 2 weeks on ${weekday}` : "Every 2 weeks" },
    {
      kind: "monthlyWeekday",
      label: weekday ? `Monthly on the ${position} ${weekday}` : "Monthly on the same weekday",
    },
    { kind: "monthlyDay", label: p ? `Monthly on day ${p.d}` : "Monthly on the same day" },
    { kind: "yearly", label: dayMonth ? `Every year on ${dayMonth}` : "Every year" },
  ];
}

/** What the client takes (`EventInput.repeat`): the rule, and its end apart from it. */
export interface RepeatInput {
  rule: string;
  until?: string;
  count?: number;
}

/**
 * The repeat for a choice and a series starting on `day` (YYYY-MM-DD), or null for "never". Throws
 * a plain error for an end the form cannot use.
 */
export function repeatOf(choice: RepeatChoice, day: string): RepeatInput | null {
  if (choice.kind === "never") return null;
  if (choice.kind === "custom") return { rule: choice.custom };
  const rule = bareRule(choice.kind, day);
  if (choice.ends === "until") {
    if (!parts(choice.until)) throw new Error("Choose the last day it repeats, or let it go on.");
    if (choice.until < day) throw new Error("The last day it repeats cannot be before it starts.");
    return { rule, until: choice.until };
  }
  if (choice.ends === "count") {
    if (!Number.isInteger(choice.times) || choice.times < 2 || choice.times > 1000) {
      throw new Error("Say how many times it happens: a whole number from 2 to 1000.");
    }
    return { rule, count: choice.times };
  }
  return { rule };
}

/** The whole RRULE value for a choice (its end written into it), or null for "never". */
export function ruleOf(choice: RepeatChoice, day: string): string | null {
  const repeat = repeatOf(choice, day);
  if (!repeat) return null;
  if (repeat.until) return `${repeat.rule};UNTIL=${repeat.until.replaceAll("-", "")}`;
  if (repeat.count) return `${repeat.rule};COUNT=${repeat.count}`;
  return repeat.rule;
}

function bareRule(kind: Exclude<RepeatKind, "never" | "custom">, day: string): string {
  const p = parts(day);
  if (!p) throw new Error("Choose the day it starts first.");
  const code = DAYS[p.weekday] as string;
  const body: Record<typeof kind, string> = {
    daily: "FREQ=DAILY",
    weekly: `FREQ=WEEKLY;BYDAY=${code}`,
    biweekly: `FREQ=WEEKLY;INTERVAL=2;BYDAY=${code}`,
    monthlyWeekday: `FREQ=MONTHLY;BYDAY=${weekdayPosition(day)}${code}`,
    monthlyDay: `FREQ=MONTHLY;BYMONTHDAY=${p.d}`,
    yearly: `FREQ=YEARLY;BYMONTH=${p.m};BYMONTHDAY=${p.d}`,
  };
  return body[kind];
}

function ruleParts(rule: string): Map<string, string> {
  const map = new Map<string, string>();
  for (const part of rule.replace(/^RRULE:/i, "").split(";")) {
    const eq = part.indexOf("=");
    if (eq > 0) map.set(part.slice(0, eq).toUpperCase(), part.slice(eq + 1).toUpperCase());
  }
  return map;
}

/**
 * The form's choice for an event's rule (null: it does not repeat), for editing. An UNTIL written
 * as an instant (how a timed series keeps "until that day") is read back as its day in `zone`.
 */
export function choiceOf(rule: string | null, day: string, zone = "UTC"): RepeatChoice {
  if (!rule) return NO_REPEAT;
  const map = ruleParts(rule);
  const ends: RepeatChoice = { ...NO_REPEAT };
  const until = map.get("UNTIL");
  const times = map.get("COUNT");
  const instant = until ? /^(\d{4})(\d{2})(\d{2})T(\d{2})(\d{2})(\d{2})Z$/.exec(until) : null;
  if (instant) {
    const [y, mo, d, h, mi, sec] = instant.slice(1).map(Number) as [
      number,
      number,
      number,
      number,
      number,
      number,
    ];
    ends.ends = "until";
    ends.until = instantToWallTime(new Date(Date.UTC(y, mo - 1, d, h, mi, sec)), zone).slice(0, 10);
  } else if (until && /^\d{8}/.test(until)) {
    ends.ends = "until";
    ends.until = `${until.slice(0, 4)}-${until.slice(4, 6)}-${until.slice(6, 8)}`;
  } else if (times) {
    ends.ends = "count";
    ends.times = Number(times);
  }
  map.delete("UNTIL");
  map.delete("COUNT");
  map.delete("WKST");
  for (const kind of ["daily", "weekly", "biweekly", "monthlyWeekday", "monthlyDay", "yearly"] as const) {
    if (!parts(day)) break;
    const made = ruleParts(bareRule(kind, day));
    const same =
      made.size === map.size &&
      [...made].every(([k, v]) => map.get(k) === v || (k === "INTERVAL" && v === "1"));
    if (same) return { ...ends, kind };
  }
  // FREQ=WEEKLY without BYDAY repeats on the start's weekday: the same as the form's weekly.
  if (
    map.get("FREQ") === "WEEKLY" &&
    !map.has("BYDAY") &&
    (map.get("INTERVAL") ?? "1") === "1" &&
    map.size <= 2
  ) {
    return { ...ends, kind: "weekly" };
  }
  return { ...NO_REPEAT, kind: "custom", custom: rule.replace(/^RRULE:/i, "") };
}

/** A rule in words for the event's page: "Every 2 weeks on Tuesday, 8 times". */
export function describeRule(rule: string, day: string, zone = "UTC", locale?: string): string {
  const choice = choiceOf(rule, day, zone);
  const base =
    choice.kind === "custom"
      ? `Repeats (${choice.custom})`
      : (repeatOptions(day, locale).find((o) => o.kind === choice.kind)?.label ?? rule);
  if (choice.ends === "count") return `${base}, ${count(choice.times, "time")}`;
  if (choice.ends === "until") {
    const p = parts(choice.until);
    const last = p
      ? new Intl.DateTimeFormat(locale, {
          day: "numeric",
          month: "long",
          year: "numeric",
          timeZone: "UTC",
        }).format(new Date(Date.UTC(p.y, p.m - 1, p.d)))
      : choice.until;
    return `${base}, until ${last}`;
  }
  return base;
}
