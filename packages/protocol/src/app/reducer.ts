/**
 * The group application state reducer (DESIGN.md, "Group application state"; docs/PROTOCOL.md):
 * a pure function from the *set* of inner rumors a member holds, plus what the group layer knows
 * about admins and membership, to the state every screen shows.
 *
 * Order independence is by construction: rumors are first collected into a set keyed by id (a
 * duplicate is the same rumor; among copies the one from the lowest epoch is kept), and every rule
 * below is then a function of that set with explicit tie-breaks — newest wins by (created_at, id),
 * queues order by (created_at, id) — never of arrival order. Property tests shuffle and duplicate
 * inputs and compare states.
 *
 * Time: every rule below reads a rumor's *effective* time — `created_at` raised to the start of
 * the epoch that carried it (`floor`) and capped at `receivedAt + MAX_CLOCK_SKEW` (rumor.ts
 * `effectiveCreatedAt`) — put in place of `created_at` when the rumor enters the set. So a message
 * dated in the future cannot stay at the bottom of the chat, make an event version nobody can
 * supersede, or jump ahead in any "newest wins"; and one dated before its epoch began (a slow
 * clock, or a member choosing a date) cannot sink below what was written before it, or vote in a
 * poll that had closed. Both bounds are facts stored with the entry, so order independence holds.
 * Entries without them keep their `created_at`. The effective time, not the written one, is what
 * states and views show.
 *
 * Rules, in the words of issues 4 and 8 and DESIGN.md:
 * - a rumor counts only if its pubkey is its MLS sender; a former member's rumors made at or after
 *   their removal are ignored (context.ts);
 * - acts on other people's content (deleting their messages, editing their events) count only
 *   from an admin of the carrying epoch, and, when the message was late, only if its author is
 *   still a current member and admin (context.ts, "Late admin acts");
 * - chat: messages by (created_at, id); reactions grouped by emoji, one per person per emoji;
 *   deletions (kind 5) by the target's author or an admin turn messages into tombstones and remove
 *   reactions, polls or poll responses;
 * - calendar events: versions addressed by (owner, d); only the owner or an admin (in the epoch that
 *   carried the edit) may write a version; co-hosts may not (their rights would come from the event
 *   itself, which its editors could change — a cycle); newest permitted version wins; cancelled is a
 *   status, the event stays;
 * - RSVPs: newest per (person, event) among members; places are confirmed by a host's device in the
 *   order it received the answers (places.ts: highest confirmation number, ties lowest id, from the
 *   event's owner or a co-host who is a member, or an admin of the carrying epoch); capacity and
 *   waitlist follow that order (waitlist.ts), never the answers' own times; a repeating event's
 *   dates each have such a line, fed by the answers that apply to that date and ordered by its own
 *   confirmation or else the event's (`occurrenceLines`);
 * - polls: newest counted response per member (before `endsAt`); single choice keeps one option.
 */

import {
  type CalendarEventFields,
  calendarEventId,
  eventAddress,
  type ParsedCalendarEvent,
  parseCalendarEvent,
  parseEventAddress,
} from "./calendar.ts";
import { parseChatMessage, parseDeletion, parseReaction } from "./chat.ts";
import { type GroupContext, type ResolvedContext, resolveContext } from "./context.ts";
import {
  KIND_CHAT,
  KIND_DATE_EVENT,
  KIND_DELETION,
  KIND_PLACES,
  KIND_POLL,
  KIND_POLL_RESPONSE,
  KIND_REACTION,
  KIND_RSVP,
  KIND_SEALED,
  KIND_TIME_EVENT,
} from "./kinds.ts";
import { compareOrder, orderKeyOf, rumorMs } from "./order.ts";
import { type PlacesFields, parsePlaces, supersedes } from "./places.ts";
import { type PollFields, parsePoll, parsePollResponse } from "./poll.ts";
import { parseRsvp, type RsvpFields } from "./rsvp.ts";
import { effectiveCreatedAt, isNewer, parseRumor, type Rumor, type RumorEntry } from "./rumor.ts";
import { parseSealed } from "./seal.ts";
import type {
  CalendarEventState,
  ChatMessageState,
  GroupAppState,
  IgnoredRumor,
  OccurrenceLine,
  PlacesInForce,
  PollState,
  ReactionGroup,
  RsvpState,
} from "./state.ts";
import { type GoingParty, seat } from "./waitlist.ts";

interface Accepted {
  /** Its `created_at` is the effective time (see the module comment). */
  rumor: Rumor;
  epoch: number | undefined;
  late: boolean;
}

/**
 * Picks one copy among duplicates: the one from the lowest epoch (unknown epoch last), then one
 * read in time, then the earliest effective time — a total order, so the choice does not depend
 * on the order copies arrive in.
 */
function preferCopy(a: Accepted, b: Accepted): Accepted {
  const ea = a.epoch ?? Number.POSITIVE_INFINITY;
  const eb = b.epoch ?? Number.POSITIVE_INFINITY;
  if (ea !== eb) return ea < eb ? a : b;
  if (a.late !== b.late) return a.late ? b : a;
  return a.rumor.created_at <= b.rumor.created_at ? a : b;
}

/** The rumor with its effective time in `created_at` (the same object when nothing changes). */
function atEffectiveTime(rumor: Rumor, entry: RumorEntry): Rumor {
  const at = effectiveCreatedAt(rumor.created_at, entry.receivedAt, entry.floor);
  return at === rumor.created_at ? rumor : { ...rumor, created_at: at };
}

const LATE_ADMIN_ACT = "read after its author stopped being an admin of the group";

/**
 * The group's one order (`order.ts`): filed time, then the author's milliseconds, then id. The
 * seconds are compared first so the tags are read only for records of one second.
 */
const byTime = (a: Accepted, b: Accepted) =>
  a.rumor.created_at !== b.rumor.created_at
    ? a.rumor.created_at - b.rumor.created_at
    : compareOrder(orderKeyOf(a.rumor), orderKeyOf(b.rumor));
const byString = (a: string, b: string) => (a < b ? -1 : a > b ? 1 : 0);

export interface ReduceOptions {
  /**
   * The caller already checked every rumor's id against its contents (the group layer does when it
   * decodes an inner message), so the reducer need not hash them again. Shapes are still checked.
   */
  idsChecked?: boolean;
}

export function reduceGroup(
  entries: Iterable<RumorEntry>,
  context: GroupContext,
  options: ReduceOptions = {},
): GroupAppState {
  const ctx = resolveContext(context);
  const ignored: IgnoredRumor[] = [];
  const ignore = (rumor: { id?: unknown; kind?: unknown }, sender: string, reason: string) => {
    ignored.push({
      id: typeof rumor.id === "string" ? rumor.id : "",
      kind: typeof rumor.kind === "number" ? rumor.kind : -1,
      sender,
      reason,
    });
  };

  // 1. The set: valid, authentic rumors keyed by id.
  const set = new Map<string, Accepted>();
  for (const entry of entries) {
    const parsed = parseRumor(entry.rumor, !options.idsChecked);
    const sender = typeof entry.sender === "string" ? entry.sender : "";
    if (!parsed.ok) {
      ignore(entry.rumor ?? {}, sender, parsed.error);
      continue;
    }
    const rumor = atEffectiveTime(parsed.value, entry);
    if (rumor.pubkey !== sender) {
      ignore(rumor, sender, "the rumor's author is not the member who sent it");
      continue;
    }
    // Removal is judged by epoch, not by the author's clock. What a former member sent in an
    // epoch they belonged to, read while that epoch was the group's newest, counts — even from a
    // clock ahead of the removing commit's. Read late (after the epoch was left, or together with
    // a commit of it), it cannot be told from what they wrote afterwards with kept keys, and is
    // refused: a genuine last message of someone removed meanwhile is lost on a device that was
    // behind; that is the trade for "removal ends writing" (the engine refuses the rest:
    // `sender-removed`).
    if (entry.late === true && ctx.removedAt(sender) !== undefined && !ctx.isMember(sender)) {
      ignore(rumor, sender, "written after its author was removed from the group");
      continue;
    }
    const copy: Accepted = {
      rumor,
      epoch: Number.isSafeInteger(entry.epoch) ? entry.epoch : undefined,
      late: entry.late === true,
    };
    const existing = set.get(rumor.id);
    set.set(rumor.id, existing ? preferCopy(existing, copy) : copy);
  }

  // 2. Classify and parse.
  const messages: Accepted[] = [];
  const reactions: { a: Accepted; target: string; emoji: string }[] = [];
  const deletions: { a: Accepted; targets: string[] }[] = [];
  const versions = new Map<string, { a: Accepted; event: ParsedCalendarEvent }[]>();
  const rsvps: { a: Accepted; rsvp: RsvpFields }[] = [];
  const confirmations: { a: Accepted; places: PlacesFields }[] = [];
  const sealed: { a: Accepted; key: string }[] = [];
  const polls: { a: Accepted; poll: PollFields }[] = [];
  const responses: { a: Accepted; poll: string; choices: string[] }[] = [];

  for (const a of [...set.values()].sort(byTime)) {
    const { rumor } = a;
    switch (rumor.kind) {
      case KIND_CHAT: {
        const p = parseChatMessage(rumor);
        if (p.ok) messages.push(a);
        else ignore(rumor, rumor.pubkey, p.error);
        break;
      }
      case KIND_REACTION: {
        const p = parseReaction(rumor);
        if (p.ok) reactions.push({ a, ...p.value });
        else ignore(rumor, rumor.pubkey, p.error);
        break;
      }
      case KIND_DELETION: {
        const p = parseDeletion(rumor);
        if (p.ok) deletions.push({ a, targets: p.value.targets });
        else ignore(rumor, rumor.pubkey, p.error);
        break;
      }
      case KIND_TIME_EVENT:
      case KIND_DATE_EVENT: {
        const p = parseCalendarEvent(rumor);
        if (!p.ok) {
          ignore(rumor, rumor.pubkey, p.error);
          break;
        }
        const { owner } = p.value;
        if (owner !== rumor.pubkey && !ctx.isAdminAct(rumor.pubkey, a.epoch, a.late)) {
          ignore(
            rumor,
            rumor.pubkey,
            ctx.isAdmin(rumor.pubkey, a.epoch)
              ? LATE_ADMIN_ACT
              : "only the event's owner or a group admin may edit it",
          );
          break;
        }
        const key = `${owner}:${p.value.d}`;
        const list = versions.get(key) ?? [];
        list.push({ a, event: p.value });
        versions.set(key, list);
        break;
      }
      case KIND_RSVP: {
        const p = parseRsvp(rumor);
        if (p.ok) rsvps.push({ a, rsvp: p.value });
        else ignore(rumor, rumor.pubkey, p.error);
        break;
      }
      case KIND_PLACES: {
        const p = parsePlaces(rumor);
        if (p.ok) confirmations.push({ a, places: p.value });
        else ignore(rumor, rumor.pubkey, p.error);
        break;
      }
      case KIND_SEALED: {
        const p = parseSealed(rumor);
        if (!p.ok) {
          ignore(rumor, rumor.pubkey, p.error);
          break;
        }
        const address = p.value.address === null ? null : parseEventAddress(p.value.address);
        if (p.value.innerKind === KIND_RSVP && address?.ok) {
          sealed.push({ a, key: `${address.value.owner}:${address.value.d}` });
        }
        break;
      }
      case KIND_POLL: {
        const p = parsePoll(rumor);
        if (p.ok) polls.push({ a, poll: p.value });
        else ignore(rumor, rumor.pubkey, p.error);
        break;
      }
      case KIND_POLL_RESPONSE: {
        const p = parsePollResponse(rumor);
        if (p.ok) responses.push({ a, ...p.value });
        else ignore(rumor, rumor.pubkey, p.error);
        break;
      }
      default:
        ignore(rumor, rumor.pubkey, `kind ${rumor.kind} is not part of a group's application state`);
    }
  }

  // 3. Deletions: which targets are really deleted, and by whom (the earliest valid deletion).
  const deletedBy = new Map<string, string>();
  for (const { a, targets } of deletions) {
    for (const target of targets) {
      const t = set.get(target);
      if (t === undefined || deletedBy.has(target)) continue;
      const deletable = [KIND_CHAT, KIND_REACTION, KIND_POLL, KIND_POLL_RESPONSE].includes(t.rumor.kind);
      if (!deletable) {
        ignore(
          a.rumor,
          a.rumor.pubkey,
          `kind ${t.rumor.kind} cannot be deleted (events are cancelled instead)`,
        );
      } else if (t.rumor.pubkey === a.rumor.pubkey || ctx.isAdminAct(a.rumor.pubkey, a.epoch, a.late)) {
        deletedBy.set(target, a.rumor.pubkey);
      } else if (ctx.isAdmin(a.rumor.pubkey, a.epoch)) {
        ignore(a.rumor, a.rumor.pubkey, LATE_ADMIN_ACT);
      } else {
        ignore(a.rumor, a.rumor.pubkey, "only the author or a group admin may delete a message");
      }
    }
  }

  const state: GroupAppState = {
    messages: chatState(messages, reactions, deletedBy),
    events: eventsState(versions, rsvps, sealed, confirmations, ctx, ignore),
    polls: pollsState(polls, responses, deletedBy, ctx),
    admins: [...ctx.admins].sort(byString),
    ignored: dedupeIgnored(ignored),
  };
  return state;
}

function dedupeIgnored(list: IgnoredRumor[]): IgnoredRumor[] {
  const seen = new Map<string, IgnoredRumor>();
  for (const i of list) seen.set(`${i.id}\u0000${i.sender}\u0000${i.reason}`, i);
  return [...seen.entries()].sort((x, y) => byString(x[0], y[0])).map(([, v]) => v);
}

function chatState(
  messages: Accepted[],
  reactions: { a: Accepted; target: string; emoji: string }[],
  deletedBy: Map<string, string>,
): ChatMessageState[] {
  // Reactions arrive sorted (byTime), so groups and authors come out in a fixed order.
  const byMessage = new Map<string, ReactionGroup[]>();
  for (const r of reactions) {
    if (deletedBy.has(r.a.rumor.id)) continue;
    const groups = byMessage.get(r.target) ?? [];
    let group = groups.find((g) => g.emoji === r.emoji);
    if (!group) {
      group = { emoji: r.emoji, authors: [] };
      groups.push(group);
    }
    if (!group.authors.includes(r.a.rumor.pubkey)) group.authors.push(r.a.rumor.pubkey);
    byMessage.set(r.target, groups);
  }
  return messages.map(({ rumor }) => {
    const fields = parseChatMessage(rumor);
    const deleter = deletedBy.get(rumor.id) ?? null;
    return {
      id: rumor.id,
      author: rumor.pubkey,
      createdAt: rumor.created_at,
      ms: rumorMs(rumor),
      text: deleter === null && fields.ok ? fields.value.text : "",
      replyTo: fields.ok ? fields.value.replyTo : null,
      reactions: deleter === null ? (byMessage.get(rumor.id) ?? []) : [],
      deleted: deleter !== null,
      deletedBy: deleter,
    };
  });
}

function startKey(fields: CalendarEventFields): number {
  return fields.time.allDay ? Date.parse(`${fields.time.start}T00:00:00Z`) / 1000 : fields.time.start;
}

type Confirmation = { a: Accepted; places: PlacesFields };

/** Newest last: by created_at, and on equal created_at the lowest id counts as the newer one. */
const byAge = (x: { a: Accepted }, y: { a: Accepted }) => (isNewer(x.a.rumor, y.a.rumor) ? 1 : -1);

function rsvpState(pubkey: string, r: { a: Accepted; rsvp: RsvpFields }): RsvpState {
  return {
    pubkey,
    status: r.rsvp.status,
    guests: r.rsvp.guests,
    note: r.rsvp.note,
    id: r.a.rumor.id,
    createdAt: r.a.rumor.created_at,
  };
}

/** A person in line for places, from their answers oldest first; null unless the newest is going. */
function goingParty(
  pubkey: string,
  history: readonly { a: Accepted; rsvp: RsvpFields }[],
): GoingParty | null {
  const newest = history[history.length - 1];
  if (newest === undefined || newest.rsvp.status !== "going") return null;
  // The unbroken run of "going" answers that ends now: a confirmation holds only within it.
  let start = history.length - 1;
  while (start > 0 && history[start - 1]!.rsvp.status === "going") start--;
  const run = history.slice(start);
  return {
    pubkey,
    guests: newest.rsvp.guests,
    run: run.map((r) => ({ id: r.a.rumor.id, guests: r.rsvp.guests })),
    since: run[0]!.a.rumor.created_at,
    sinceId: run[0]!.a.rumor.id,
  };
}

function placesInForce(c: Confirmation | null): PlacesInForce | null {
  return c === null
    ? null
    : {
        id: c.a.rumor.id,
        author: c.a.rumor.pubkey,
        seq: c.places.seq,
        entries: c.places.places.map((e) => ({ ...e })),
      };
}

function eventsState(
  versions: Map<string, { a: Accepted; event: ParsedCalendarEvent }[]>,
  rsvps: { a: Accepted; rsvp: RsvpFields }[],
  sealed: { a: Accepted; key: string }[],
  confirmations: { a: Accepted; places: PlacesFields }[],
  ctx: ResolvedContext,
  ignore: (rumor: Rumor, sender: string, reason: string) => void,
): CalendarEventState[] {
  // Answers per event, per person, oldest first in the "newest wins" sense: by created_at, and
  // on equal created_at the lowest id counts as the newer one (isNewer), so it comes last.
  const answers = new Map<string, Map<string, { a: Accepted; rsvp: RsvpFields }[]>>();
  // Answers for one occurrence of a repeating event, per (event, occurrence, person), unordered.
  const perOccurrence = new Map<string, Map<string, Map<string, { a: Accepted; rsvp: RsvpFields }[]>>>();
  for (const r of rsvps) {
    if (!ctx.isMember(r.a.rumor.pubkey)) continue;
    const key = `${r.rsvp.owner}:${r.rsvp.d}`;
    if (r.rsvp.occurrence !== null) {
      const byOccurrence = perOccurrence.get(key) ?? new Map();
      const people = byOccurrence.get(r.rsvp.occurrence) ?? new Map();
      people.set(r.a.rumor.pubkey, [...(people.get(r.a.rumor.pubkey) ?? []), r]);
      byOccurrence.set(r.rsvp.occurrence, people);
      perOccurrence.set(key, byOccurrence);
      continue;
    }
    const perEvent = answers.get(key) ?? new Map();
    const list = perEvent.get(r.a.rumor.pubkey) ?? [];
    list.push(r);
    perEvent.set(r.a.rumor.pubkey, list);
    answers.set(key, perEvent);
  }
  const sealedBy = new Map<string, Set<string>>();
  for (const s of sealed) {
    if (!ctx.isMember(s.a.rumor.pubkey)) continue;
    const set = sealedBy.get(s.key) ?? new Set();
    set.add(s.a.rumor.pubkey);
    sealedBy.set(s.key, set);
  }

  const confirmationsBy = new Map<string, { a: Accepted; places: PlacesFields }[]>();
  for (const c of confirmations) {
    const key = `${c.places.owner}:${c.places.d}`;
    confirmationsBy.set(key, [...(confirmationsBy.get(key) ?? []), c]);
  }

  const out: CalendarEventState[] = [];
  for (const [key, list] of versions) {
    let winner = list[0]!;
    for (const v of list) if (isNewer(v.a.rumor, winner.a.rumor)) winner = v;
    const { owner, d, ...fields } = winner.event;
    // The confirmations in force, the event's and each occurrence's own: only the event's hosts
    // (while members) and group admins sequence.
    const hosts = new Set([owner, ...winner.event.hosts]);
    let inForce: Confirmation | null = null;
    const ownInForce = new Map<string, Confirmation>();
    for (const c of confirmationsBy.get(key) ?? []) {
      const author = c.a.rumor.pubkey;
      // Seating others is an act on their answers: a late admin confirmation counts as a late edit does.
      if (!((hosts.has(author) && ctx.isMember(author)) || ctx.isAdminAct(author, c.a.epoch, c.a.late))) {
        ignore(c.a.rumor, author, "only the event's hosts or a group admin may confirm places");
        continue;
      }
      const held = c.places.occurrence === null ? inForce : (ownInForce.get(c.places.occurrence) ?? null);
      const mine = { seq: c.places.seq, id: c.a.rumor.id };
      if (held !== null && !supersedes(mine, { seq: held.places.seq, id: held.a.rumor.id })) continue;
      if (c.places.occurrence === null) inForce = c;
      else ownInForce.set(c.places.occurrence, c);
    }
    const counted: RsvpState[] = [];
    const queue: GoingParty[] = [];
    const seriesHistory = new Map<string, { a: Accepted; rsvp: RsvpFields }[]>();
    for (const [pubkey, unordered] of answers.get(key) ?? []) {
      const history = [...unordered].sort(byAge);
      seriesHistory.set(pubkey, history);
      const newest = history[history.length - 1]!;
      counted.push(rsvpState(pubkey, newest));
      const party = goingParty(pubkey, history);
      if (party) queue.push(party);
    }
    counted.sort((x, y) => byString(x.pubkey, y.pubkey));
    const occurrences = new Map(
      [...(perOccurrence.get(key) ?? [])].map(([o, people]) => [
        o,
        new Map([...people].map(([pk, list]) => [pk, [...list].sort(byAge)])),
      ]),
    );
    const occurrenceRsvps = [...occurrences]
      .sort(([x], [y]) => byString(x, y))
      .map(([occurrence, people]) => ({
        occurrence,
        rsvps: [...people]
          .sort(([x], [y]) => byString(x, y))
          .map(([pubkey, history]) => rsvpState(pubkey, history[history.length - 1]!)),
      }));
    // Each occurrence with answers or a confirmation of its own gets its own line: per person the
    // answers that applied to it in turn — the series answers until their first answer for that
    // date, then those — and its own confirmation, or else the event's.
    const occurrenceLines: OccurrenceLine[] = [];
    for (const occurrence of new Set([...occurrences.keys(), ...ownInForce.keys()])) {
      const own = occurrences.get(occurrence) ?? new Map<string, { a: Accepted; rsvp: RsvpFields }[]>();
      const parties = queue.filter((p) => !own.has(p.pubkey));
      for (const [pubkey, history] of own) {
        const first = history[0]!.a.rumor;
        const before = (seriesHistory.get(pubkey) ?? []).filter((r) => isNewer(first, r.a.rumor));
        const party = goingParty(pubkey, [...before, ...history]);
        if (party) parties.push(party);
      }
      const mine = ownInForce.get(occurrence) ?? null;
      const line = seat(parties, (mine ?? inForce)?.places.places ?? [], fields.capacity);
      occurrenceLines.push({
        occurrence,
        going: line.seated.map((p) => p.pubkey),
        waitlist: line.waitlist.map((p) => p.pubkey),
        asking: line.asking.map((p) => p.pubkey),
        seatsTaken: line.seatsTaken,
        places: placesInForce(mine),
      });
    }
    occurrenceLines.sort((x, y) => byString(x.occurrence, y.occurrence));
    const seating = seat(queue, inForce?.places.places ?? [], fields.capacity);
    const createdAt = Math.min(...list.map((v) => v.a.rumor.created_at));
    out.push({
      ...fields,
      id: calendarEventId(owner, d),
      owner,
      d,
      kind: winner.a.rumor.kind,
      address: eventAddress(winner.a.rumor.kind, owner, d),
      versionId: winner.a.rumor.id,
      createdAt,
      updatedAt: winner.a.rumor.created_at,
      updatedBy: winner.a.rumor.pubkey,
      rsvps: counted,
      occurrenceRsvps,
      going: seating.seated.map((p) => p.pubkey),
      waitlist: seating.waitlist.map((p) => p.pubkey),
      asking: seating.asking.map((p) => p.pubkey),
      maybe: counted.filter((r) => r.status === "maybe").map((r) => r.pubkey),
      declined: counted.filter((r) => r.status === "declined").map((r) => r.pubkey),
      seatsTaken: seating.seatsTaken,
      sealedAnswers: [...(sealedBy.get(key) ?? [])].sort(byString),
      occurrenceLines,
      places: placesInForce(inForce),
    });
  }
  return out.sort((x, y) => startKey(x) - startKey(y) || byString(x.id, y.id));
}

function pollsState(
  polls: { a: Accepted; poll: PollFields }[],
  responses: { a: Accepted; poll: string; choices: string[] }[],
  deletedBy: Map<string, string>,
  ctx: ResolvedContext,
): PollState[] {
  // Newest counted response per (poll, person): highest created_at, then lowest id.
  const newest = new Map<string, Map<string, { a: Accepted; choices: string[] }>>();
  const endsAt = new Map(polls.map((p) => [p.a.rumor.id, p.poll.endsAt]));
  for (const r of responses) {
    if (deletedBy.has(r.a.rumor.id) || !ctx.isMember(r.a.rumor.pubkey)) continue;
    const end = endsAt.get(r.poll);
    if (end !== undefined && end !== null && r.a.rumor.created_at > end) continue;
    const perPoll = newest.get(r.poll) ?? new Map();
    const held = perPoll.get(r.a.rumor.pubkey);
    if (held === undefined || isNewer(r.a.rumor, held.a.rumor)) perPoll.set(r.a.rumor.pubkey, r);
    newest.set(r.poll, perPoll);
  }
  return polls.map(({ a, poll }) => {
    const options = poll.options.map((o) => ({ ...o, votes: [] as string[] }));
    const perPoll = [...(newest.get(a.rumor.id)?.values() ?? [])].sort((x, y) => byTime(x.a, y.a));
    for (const r of perPoll) {
      let chosen = r.choices.filter((c) => options.some((o) => o.id === c));
      // NIP-88: a single-choice poll reads only the first response.
      if (!poll.multiple) chosen = chosen.slice(0, 1);
      for (const c of chosen) options.find((o) => o.id === c)!.votes.push(r.a.rumor.pubkey);
    }
    return {
      id: a.rumor.id,
      author: a.rumor.pubkey,
      createdAt: a.rumor.created_at,
      ms: rumorMs(a.rumor),
      question: poll.question,
      options,
      multiple: poll.multiple,
      dates: poll.dates,
      endsAt: poll.endsAt,
      deleted: deletedBy.has(a.rumor.id),
      voters: perPoll.length,
    };
  });
}
