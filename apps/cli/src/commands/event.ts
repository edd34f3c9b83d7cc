/**
 * `rally event`: events inside a group (issue 4):
 *   rally event create GROUP --title T --start ISO --end ISO [--tz ZONE] [--location L]
 *                            [--description D] [--capacity N] [--hosts-only-rsvps]      → {"id"}
 *   rally event list GROUP → [{"id","title","start","end","location","description","status",
 *                              "capacity","rsvps":{"going","maybe","declined","waitlist","asking"},
 *                              "myPlace":"confirmed"|"asking"|"waitlist"|null,
 *                              "placeChange":"gained"|"lost"|null, …}]
 *   rally event create … --repeat RRULE [--until ISO | --count N]  (a repeating event: "repeat",
 *                         "occurrences": [{"original","start","end","status","moved",…}] in list)
 *   rally event edit GROUP EVENT [--title …] [--start …] …;  rally event cancel GROUP EVENT
 *   rally event cancel GROUP EVENT --occurrence ISO  (one occurrence of a repeating event)
 *   rally event edit GROUP EVENT --occurrence ISO --start ISO [--end ISO]  (move one occurrence);
 *   rally event edit GROUP EVENT --repeat RRULE [--until ISO | --count N] | --no-repeat
 *   rally event rsvp GROUP EVENT going|maybe|declined [--guests N] [--occurrence ISO]
 *   rally event ics GROUP [EVENT] (iCalendar on stdout);  rally event import GROUP FILE.ics
 */
import { readFileSync } from "node:fs";
import { type EventInput, type EventView, isRsvpStatus, localTimeNoteOf } from "@rally/client";
import type { Command } from "commander";
import { reads, writes } from "../cli/actions.ts";
import { CliError, printDocument, printResult, warn } from "../cli/output.ts";
import { textFrom } from "../cli/textInput.ts";
import { registerEventPublic } from "./publicEvents.ts";

interface EventOptions {
  title?: string;
  start?: string;
  end?: string;
  tz?: string;
  location?: string;
  description?: string;
  capacity?: number;
  hostsOnlyRsvps?: boolean;
  allDay?: boolean;
  /** false: `--no-repeat` on edit. */
  repeat?: string | false;
  until?: string;
  count?: number;
  occurrence?: string;
  approval?: boolean;
}

function capacity(value: string): number {
  if (!/^\d+$/.test(value) || Number(value) < 1) {
    throw new CliError(`--capacity must be a whole number of at least 1, not "${value}".`);
  }
  return Number(value);
}

/** `--description -`: a description of several lines, read from standard input (cli/textInput.ts). */
async function descriptionFromStdin(opts: EventOptions): Promise<void> {
  if (opts.description === "-") opts.description = await textFrom("-", undefined, "description");
}

function count(value: string): number {
  if (!/^\d+$/.test(value) || Number(value) < 1) {
    throw new CliError(`--count must be a whole number of at least 1, not "${value}".`);
  }
  return Number(value);
}

/** `--repeat RRULE [--until ISO | --count N]` as the client takes it; refused in plain words. */
function repeatOf(opts: EventOptions): EventInput["repeat"] {
  if (opts.repeat === false) {
    if (opts.until !== undefined || opts.count !== undefined)
      throw new CliError("--no-repeat makes it a single event: give no --until or --count with it.");
    return null;
  }
  if (opts.until !== undefined && opts.count !== undefined)
    throw new CliError(
      "Give --until or --count, not both: a repeating event ends at a date or after a number of times.",
    );
  if (opts.repeat === undefined) {
    if (opts.until !== undefined || opts.count !== undefined)
      throw new CliError("--until and --count go with --repeat, e.g. --repeat FREQ=WEEKLY --count 10.");
    return undefined;
  }
  return {
    rule: opts.repeat,
    ...(opts.until !== undefined ? { until: opts.until } : {}),
    ...(opts.count !== undefined ? { count: opts.count } : {}),
  };
}

/** A repeating event's rule and its next occurrences, as lines. */
function repeatLines(e: EventView): string[] {
  if (!e.repeat) return [];
  const next = e.occurrences.slice(0, 5).map((o, i) => {
    const note = o.status === "cancelled" ? "  [CANCELLED]" : o.moved ? `  (moved from ${o.original})` : "";
    const open = o.status === "confirmed";
    // With a capacity each date has its own places (PROTOCOL.md 13.5): its count and one's own place.
    const limited = e.capacity !== null && open;
    const place = limited ? placeLine({ myPlace: o.myPlace, placeChange: null }) : null;
    const mine = o.myRsvp && open ? `  you: ${o.myRsvp}${place ? ` (${place})` : ""}` : "";
    const waiting = o.rsvps.waitlist.length ? `, waiting ${o.rsvps.waitlist.length}` : "";
    const asking = o.rsvps.asking.length ? `, asking ${o.rsvps.asking.length}` : "";
    const places = limited ? `  [${o.seatsTaken} of ${e.capacity} places taken${waiting}${asking}]` : "";
    return `  ${i === 0 ? "next: " : "      "} ${o.start}${note}${places}${mine}`;
  });
  return [`  repeats: ${e.repeat.rule}`, ...(next.length > 0 ? next : ["  next:  no more occurrences"])];
}

function guests(value: string): number {
  if (!/^\d+$/.test(value)) throw new CliError(`--guests must be a whole number, not "${value}".`);
  return Number(value);
}

/**
 * One's own place in plain words (PROTOCOL.md "Fair places"): until a host's device confirms it, a
 * "going" answer is only asking for a place; a place gained or lost by others' doing is said so.
 */
export function placeLine(e: Pick<EventView, "myPlace" | "placeChange">): string | null {
  switch (e.myPlace) {
    case "asking":
      return e.placeChange === "lost"
        ? "you lost your place: asking for a place again"
        : "asking for a place";
    case "confirmed":
      return e.placeChange === "gained" ? "you got a place" : "you have a place";
    case "waitlist":
      return e.placeChange === "lost" ? "you lost your place: on the waiting list" : "on the waiting list";
    default:
      return null;
  }
}

function eventLines(e: EventView): string[] {
  const r = e.rsvps;
  const seats = e.capacity === null ? "" : `, ${e.capacity} places`;
  const place = placeLine(e);
  return [
    `${e.title}${e.status === "cancelled" ? "  [CANCELLED]" : ""}`,
    `  when:  ${e.start}${e.end ? ` → ${e.end}` : ""}${e.tz ? ` (${e.tz})` : ""}`,
    ...repeatLines(e),
    ...(e.location ? [`  where: ${e.location}`] : []),
    `  going ${r.going.length}, maybe ${r.maybe.length}, can't go ${r.declined.length}${r.waitlist.length ? `, waiting ${r.waitlist.length}` : ""}${r.asking.length ? `, asking ${r.asking.length}` : ""}${seats}`,
    ...(place ? [`  you:   ${place}`] : []),
    `  id:    ${e.id}`,
  ];
}

/**
 * Daylight-saving changes in the times given: a time the clocks skip is refused before anything
 * is sent (with the times meant); a time they show twice is taken as the first, and said so on
 * stderr, with how to write the second.
 */
function clockNotes(opts: EventOptions, timeZone: string): string[] {
  const notes: string[] = [];
  for (const flag of ["start", "end"] as const) {
    const value = opts[flag];
    if (value === undefined) continue;
    const note = localTimeNoteOf(value, timeZone);
    if (note?.kind === "gap") throw new CliError(note.message);
    if (note?.kind === "overlap")
      notes.push(`${note.message} For the second, use --${flag} ${note.secondIso}.`);
  }
  return notes;
}

function withFields(cmd: Command): Command {
  return cmd
    .option("--title <title>", "what it is called")
    .option("--start <iso>", "start, e.g. 2026-06-01T18:00 (or a date for all-day)")
    .option("--end <iso>", "end, e.g. 2026-06-01T20:00")
    .option("--tz <zone>", "time zone of start/end, e.g. Europe/Berlin (default UTC)")
    .option("--location <place>", "where")
    .option("--description <text>", "details; - reads them from standard input")
    .option("--capacity <n>", "places (guests count too); later answers wait in a queue", capacity);
}

export function register(program: Command): void {
  const event = program
    .command("event")
    .description("events in a group: create, list, edit, cancel, RSVP, calendar files");

  registerEventPublic(event);

  withFields(
    event.command("create").description("create an event in a group").argument("<group>", "group id or name"),
  )
    .option("--hosts-only-rsvps", "only the hosts see who answered")
    .option(
      "--repeat <rrule>",
      "repeat by an RFC 5545 rule, e.g. FREQ=WEEKLY;BYDAY=TU or FREQ=MONTHLY;BYDAY=-1FR",
    )
    .option("--until <iso>", "with --repeat: the last day (or time) it may start, in the event's zone")
    .option("--count <n>", "with --repeat: how many times in all", count)
    .option("--approval", "hosts approve answers from the web; the public page hides the place")
    .action(async (ref: string, opts: EventOptions, cmd: Command) => {
      if (!opts.title) throw new CliError('An event needs a title: --title "…".');
      if (!opts.start) throw new CliError("An event needs a start: --start 2026-06-01T18:00.");
      const repeat = repeatOf(opts);
      await descriptionFromStdin(opts);
      const notes = clockNotes(opts, opts.tz ?? "UTC");
      const input: EventInput = { title: opts.title, start: opts.start };
      if (opts.end) input.end = opts.end;
      if (opts.tz) input.tz = opts.tz;
      if (opts.location) input.location = opts.location;
      if (opts.description) input.description = opts.description;
      if (opts.capacity !== undefined) input.capacity = opts.capacity;
      if (opts.hostsOnlyRsvps) input.hostsOnlyRsvps = true;
      if (repeat) input.repeat = repeat;
      if (opts.approval) input.approval = true;
      await writes(
        cmd,
        { group: ref, retry: true },
        (client, id) => client.createEvent(id, input),
        (e) => {
          for (const note of notes) warn(note);
          printResult(cmd, e, ["Event created.", ...eventLines(e)]);
        },
      );
    });

  event
    .command("list")
    .description("a group's events, soonest first")
    .argument("<group>", "group id or name")
    .option("--offline", "do not check the relays first")
    .action(async (ref: string, opts: { offline?: boolean }, cmd: Command) => {
      await reads(cmd, { group: ref, offline: opts.offline }, async (client, id) => {
        const list = (await client.events(id)).map(({ group: _g, ...e }) => e);
        printResult(cmd, list, () => (list.length === 0 ? ["No events yet."] : list.flatMap(eventLines)));
      });
    });

  withFields(
    event
      .command("edit")
      .description("change an event (its author or a group admin)")
      .argument("<group>", "group id or name")
      .argument("<event>", "event id")
      .option("--approval", "hosts approve answers from the web; the public page hides the place")
      .option("--no-approval", "answers from the web need no approval any more")
      .option("--repeat <rrule>", "repeat by this rule from now on (cancelled and moved occurrences stay)")
      .option("--until <iso>", "with --repeat: the last day (or time) it may start, in the event's zone")
      .option("--count <n>", "with --repeat: how many times in all", count)
      .option("--no-repeat", "make a repeating event a single one (its first occurrence)")
      .option(
        "--occurrence <iso>",
        "move only this occurrence of a repeating event (its start) to --start [--end]",
      ),
  ).action(async (ref: string, eventId: string, opts: EventOptions, cmd: Command) => {
    // With --tz, a time in a gap is refused before anything else; otherwise in the event's zone.
    if (opts.tz !== undefined) clockNotes(opts, opts.tz);
    const occurrence = opts.occurrence;
    if (occurrence !== undefined) {
      const others = (["title", "tz", "location", "description", "capacity", "repeat"] as const).filter(
        (k) => opts[k] !== undefined,
      );
      if (others.length > 0 || opts.until !== undefined || opts.count !== undefined)
        throw new CliError(
          "With --occurrence, only --start and --end change: they move that one occurrence.",
        );
      const start = opts.start;
      if (start === undefined)
        throw new CliError("Say where the occurrence moves: --start 2026-06-02T18:30.");
      await writes(
        cmd,
        { group: ref, retry: true },
        (client, id) =>
          client.moveOccurrence(id, eventId, occurrence, { start, ...(opts.end ? { end: opts.end } : {}) }),
        ({ occurrence: original, event: e }) => {
          for (const note of clockNotes(opts, e.tz ?? "UTC")) warn(note);
          printResult(cmd, { id: e.id, occurrence: original, status: "moved", event: e }, [
            `Occurrence ${original} moved.`,
            ...eventLines(e),
          ]);
        },
      );
      return;
    }
    const repeat = repeatOf(opts);
    await descriptionFromStdin(opts);
    const patch: Partial<EventInput> = {};
    for (const k of ["title", "start", "end", "tz", "location", "description"] as const) {
      if (opts[k] !== undefined) patch[k] = opts[k];
    }
    if (opts.capacity !== undefined) patch.capacity = opts.capacity;
    if (opts.approval !== undefined) patch.approval = opts.approval;
    if (repeat !== undefined) patch.repeat = repeat;
    await writes(
      cmd,
      { group: ref, retry: true },
      (client, id) => {
        // Checked once the group is found, so an unknown GROUP is said first.
        if (Object.keys(patch).length === 0)
          throw new CliError("Say what to change, e.g. --title or --start.");
        return client.editEvent(id, eventId, patch);
      },
      (e) => {
        // The event's own zone unless --tz changed it (a time in a gap was refused by then).
        for (const note of clockNotes(opts, e.tz ?? "UTC")) warn(note);
        printResult(cmd, e, ["Event changed.", ...eventLines(e)]);
      },
    );
  });

  event
    .command("cancel")
    .description("cancel an event (it stays listed as cancelled)")
    .argument("<group>", "group id or name")
    .argument("<event>", "event id")
    .option(
      "--occurrence <iso>",
      "only this occurrence of a repeating event (its start, in the event's zone)",
    )
    .action(async (ref: string, eventId: string, opts: { occurrence?: string }, cmd: Command) => {
      const occurrence = opts.occurrence;
      if (occurrence !== undefined) {
        await writes(
          cmd,
          { group: ref, retry: true },
          (client, id) => client.cancelOccurrence(id, eventId, occurrence),
          ({ occurrence: original, event: e }) =>
            printResult(cmd, { id: e.id, occurrence: original, status: "cancelled", event: e }, [
              `Occurrence ${original} cancelled.`,
              ...eventLines(e),
            ]),
        );
        return;
      }
      await writes(
        cmd,
        { group: ref, retry: true },
        (client, id) => client.cancelEvent(id, eventId),
        () => printResult(cmd, { id: eventId, status: "cancelled" }, ["Event cancelled."]),
      );
    });

  event
    .command("rsvp")
    .description("answer an event: going, maybe or declined")
    .argument("<group>", "group id or name")
    .argument("<event>", "event id")
    .argument("<answer>", "going | maybe | declined")
    .option("--guests <n>", "people coming with you (with going)", guests)
    .option(
      "--occurrence <iso>",
      "only for this occurrence of a repeating event (its start, in the event's zone)",
    )
    .action(
      async (
        ref: string,
        eventId: string,
        answer: string,
        opts: { guests?: number; occurrence?: string },
        cmd: Command,
      ) => {
        const status = answer.toLowerCase();
        if (!isRsvpStatus(status)) {
          throw new CliError(`The answer is going, maybe or declined, not "${answer}".`);
        }
        await writes(
          cmd,
          { group: ref, retry: true },
          // The client applies Rally's one rule (PROTOCOL.md 13): guests come only with "going";
          // with maybe or declined they are left out rather than refusing the answer itself.
          (client, id) =>
            client.rsvp(
              id,
              eventId,
              status,
              opts.guests ?? 0,
              opts.occurrence !== undefined ? { occurrence: opts.occurrence } : {},
            ),
          async (sent, { client, group: id }) => {
            const dropped =
              sent.guestsLeftOut > 0 ? ` Guests count only with "going", so none were added.` : "";
            const e = (await client.events(id)).find((x) => x.id === eventId || x.id.startsWith(eventId));
            // For one date, the place is that date's (each has its own places, PROTOCOL.md 13.5).
            const answered =
              sent.occurrence === undefined ? e : e?.occurrences.find((o) => o.original === sent.occurrence);
            const place =
              answered?.myPlace === "waitlist"
                ? " The event is full: you are on the waiting list."
                : answered?.myPlace === "asking"
                  ? " Asking for a place: a host's device confirms places in the order answers reach it."
                  : "";
            const occurrence = opts.occurrence !== undefined ? { occurrence: opts.occurrence } : {};
            const which = opts.occurrence !== undefined ? ` for ${opts.occurrence}` : "";
            printResult(
              cmd,
              { id: eventId, rsvp: sent.status, guests: sent.guests, event: e ?? null, ...occurrence },
              [`Answered${which}: ${status}.${place}${dropped}`],
            );
          },
        );
      },
    );

  event
    .command("ics")
    .description("iCalendar (.ics) of one event, or of the group's calendar, on stdout")
    .argument("<group>", "group id or name")
    .argument("[event]", "event id (default: every event of the group)")
    .option("--offline", "do not check the relays first")
    .action(async (ref: string, eventId: string | undefined, opts: { offline?: boolean }, cmd: Command) => {
      await reads(cmd, { group: ref, offline: opts.offline }, async (client, id) => {
        // The calendar file itself, also with --json: it is the output calendar apps read.
        printDocument(await client.eventIcs(id, eventId));
      });
    });

  event
    .command("import")
    .description("add the events of an .ics file to a group")
    .argument("<group>", "group id or name")
    .argument("<file>", "an .ics file, as calendar apps export them")
    .action(async (ref: string, file: string, _opts: unknown, cmd: Command) => {
      let ics: string;
      try {
        ics = readFileSync(file, "utf8");
      } catch (e) {
        throw new CliError(
          `Cannot read ${file}: ${(e as NodeJS.ErrnoException).code === "ENOENT" ? "no such file" : (e as Error).message}.`,
        );
      }
      await writes(
        cmd,
        { group: ref, retry: true },
        (client, id) => client.importIcs(id, ics),
        (list) => printResult(cmd, list, [`Imported ${list.length} event(s).`, ...list.flatMap(eventLines)]),
      );
    });
}
