/**
 * The time-zone picker's list and search: every zone the browser knows (`Intl.supportedValuesOf`),
 * each named by its city, with its offset from UTC on a given day as Intl gives it:
 * "Berlin — Europe/Berlin (UTC+1)". Typing part of a city, a region or an offset finds it.
 */
import { offsetSeconds } from "@rally/client";
import { allTimeZones, zoneName } from "./time.ts";

export interface ZoneOption {
  /** The IANA name stored with the event: "America/Argentina/Buenos_Aires". */
  id: string;
  /** The place people look for: "Buenos Aires". */
  city: string;
  /** "UTC+1", "UTC-3", "UTC+5:30", "UTC" (at the day the list was made for). */
  offset: string;
  /** "Buenos Aires — America/Argentina/Buenos Aires (UTC-3)". */
  label: string;
  /** Lower-case words without accents, for matching. */
  words: string[];
  text: string;
}

/** "UTC+1", "UTC-9:30", "UTC" for an offset in seconds. */
export function offsetLabel(seconds: number): string {
  if (seconds === 0) return "UTC";
  const sign = seconds > 0 ? "+" : "-";
  const abs = Math.abs(seconds);
  const hours = Math.floor(abs / 3600);
  const minutes = Math.floor((abs % 3600) / 60);
  return `UTC${sign}${hours}${minutes ? `:${String(minutes).padStart(2, "0")}` : ""}`;
}

/**
 * Browsers list some zones under a city's older name (ICU keeps "Asia/Calcutta"): the name people
 * type today finds them too.
 */
const NOW_CALLED: Record<string, string> = {
  "Asia/Calcutta": "Kolkata",
  "Europe/Kiev": "Kyiv",
  "Asia/Saigon": "Ho Chi Minh",
  "Asia/Rangoon": "Yangon",
  "Asia/Katmandu": "Kathmandu",
  "America/Godthab": "Nuuk",
  "Pacific/Truk": "Chuuk",
  "Pacific/Ponape": "Pohnpei",
  "Atlantic/Faeroe": "Faroe",
};

function fold(text: string): string {
  return text
    .normalize("NFD")
    .replace(/[\u0300-\u036f]/g, "")
    .toLowerCase()
    .replace(/[_/,()—-]+/g, " ")
    .replace(/\s+/g, " ")
    .trim();
}

/** One zone as the picker shows it, with its offset at `at` (unix seconds). */
export function zoneOption(id: string, at: number): ZoneOption {
  const parts = id.split("/");
  const city = NOW_CALLED[id] ?? zoneName(parts[parts.length - 1] ?? id);
  let offset = "";
  try {
    offset = offsetLabel(offsetSeconds(at, id));
  } catch {
    offset = "";
  }
  const label = `${city} — ${zoneName(id)}${offset ? ` (${offset})` : ""}`;
  const text = fold(`${zoneName(id)} ${offset}`);
  return { id, city, offset, label, words: text.split(" "), text };
}

/** Every zone the browser knows, with offsets at `at` (unix seconds), sorted by city. */
export function zoneOptions(at: number, zones: readonly string[] = allTimeZones()): ZoneOption[] {
  return zones
    .map((z) => zoneOption(z, at))
    .sort((a, b) => a.city.localeCompare(b.city) || a.id.localeCompare(b.id));
}

/**
 * The zones matching what was typed, best first: a city starting with it, then a word of the name
 * starting with it (a region, a part of a city), then the text anywhere; an offset typed as
 * "utc+1" or "+5:30" finds the zones at that offset. An empty query lists everything.
 */
export function searchZones(options: readonly ZoneOption[], query: string, limit = 50): ZoneOption[] {
  const q = fold(query);
  if (!q) return options.slice(0, limit);
  const offsetQuery = /^(?:utc|gmt)?\s*([+-]\d{1,2}(?::\d{2})?)$/.exec(q.replace(/\s+/g, ""));
  const ranked: { option: ZoneOption; rank: number }[] = [];
  for (const option of options) {
    let rank = -1;
    if (offsetQuery) {
      if (option.offset === `UTC${offsetQuery[1]!.replace(/^([+-])0(\d)/, "$1$2")}`) rank = 0;
    } else if (fold(option.city).startsWith(q)) rank = 0;
    else if (option.words.some((w) => w.startsWith(q)) || option.text.startsWith(q)) rank = 1;
    else if (option.text.includes(q)) rank = 2;
    if (rank >= 0) ranked.push({ option, rank });
  }
  ranked.sort((a, b) => a.rank - b.rank);
  return ranked.slice(0, limit).map((r) => r.option);
}
