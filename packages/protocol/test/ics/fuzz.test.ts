/** Damaged .ics files: the importer answers with events or an IcsError, never anything else. */

import { readFileSync } from "node:fs";
import fc from "fast-check";
import { expect, test } from "vitest";
import { IcsError, icsToEvents } from "../../src/ics/index.ts";

const fixtures = ["google-calendar.ics", "apple-calendar.ics", "outlook.ics", "thunderbird.ics"].map((f) =>
  readFileSync(new URL(`../fixtures/ics/${f}`, import.meta.url), "utf8").split("\r\n"),
);

const damage = fc.record({
  file: fc.nat(),
  edits: fc.array(
    fc.record({
      at: fc.nat(),
      op: fc.constantFrom("drop", "dup", "cut", "junk", "swap"),
      junk: fc.constantFrom(
        "DTSTART:",
        "DTSTART;TZID=:20250101T000000",
        "DTEND;VALUE=DATE:2025",
        "BEGIN:VEVENT",
        "END:VTIMEZONE",
        "RRULE:FREQ=NEVER",
        "DURATION:PXYZ",
        " continued",
        ":",
        ";;;",
        'SUMMARY;X="unterminated:oops',
        "CATEGORIES:,,,",
      ),
    }),
    { minLength: 1, maxLength: 6 },
  ),
});

test("damaged calendar files give events or an IcsError", () => {
  fc.assert(
    fc.property(damage, ({ file, edits }) => {
      const lines = [...fixtures[file % fixtures.length]!];
      for (const e of edits) {
        const i = e.at % lines.length;
        if (e.op === "drop") lines.splice(i, 1);
        else if (e.op === "dup") lines.splice(i, 0, lines[i]!);
        else if (e.op === "cut") lines[i] = lines[i]!.slice(0, Math.floor(lines[i]!.length / 2));
        else if (e.op === "junk") lines.splice(i, 0, e.junk);
        else if (i + 1 < lines.length) [lines[i], lines[i + 1]] = [lines[i + 1]!, lines[i]!];
        if (lines.length === 0) lines.push("");
      }
      try {
        const result = icsToEvents(lines.join("\r\n"));
        for (const ev of result.events) expect(ev.title.length).toBeGreaterThan(0);
      } catch (e) {
        expect(e).toBeInstanceOf(IcsError);
      }
    }),
    { numRuns: 300 },
  );
});
