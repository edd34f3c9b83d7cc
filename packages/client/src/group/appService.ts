/**
 * What people do inside a group — chat, reactions, deletions, calendar events, RSVPs, polls,
 * iCalendar — as inner messages built by the protocol's rumor builders (NIP-C7/25/09/52/88 shapes),
 * sent through the group service, and read back through the order-independent reducer.
 * Hosts-only RSVPs are sealed (NIP-44) to the event's hosts inside the group message.
 *
 * Runs in: Node and browsers. Writers are called under `core.exclusive`.
 */

import {
  buildCalendarEvent,
  buildChatMessage,
  buildDeletion,
  buildEventCancel,
  buildEventEdit,
  buildPoll,
  buildPollResponse,
  buildReaction,
  buildRsvp,
  type CalendarEventFields,
  type CalendarEventState,
  calendarEventId,
  chatViews,
  effectiveCreatedAt,
  eventTimeFromIso,
  eventView,
  eventViews,
  findEvent,
  type GroupAppState,
  InvalidInputError,
  KIND_DATE_EVENT,
  KIND_PLACES,
  KIND_POLL,
  KIND_PROFILE,
  KIND_RSVP,
  KIND_SEALED,
  KIND_TIME_EVENT,
  newEventIdentifier,
  pollViews,
  type Rumor,
  rsvpAnswer,
  rumorMs,
  sealRumor,
  TextInputError,
} from "@rally/protocol/app";
import { calendarToIcs, eventToIcs, icsToEvents } from "@rally/protocol/ics";
import { KIND_CHAT, KIND_DELETION, KIND_POLL_RESPONSE, KIND_REACTION } from "@rally/protocol/nostr";
import { RECOVERED_NAME } from "../account/accountService.ts";
import type {
  ChatEntry,
  ChatMessage,
  ChatPageOptions,
  EventInput,
  EventView,
  PollView,
  RsvpAnswer,
  RsvpStatus,
  SendState,
} from "../api.ts";
import { asRallyError, rallyError } from "../errors.ts";
import { keys } from "../store/keys.ts";
import type { StoredRumor, WriteOp } from "../store/store.ts";
import {
  envelopeOf,
  type MembershipFacts,
  reduceStored,
  toChatMessage,
  toEventView,
  toPollView,
  withRefs,
} from "./appViews.ts";
import { type ChatCursor, type ChatPage, type ChatPageQuery, readChatPage } from "./chatPages.ts";
import {
  carryExceptions,
  occurrenceText,
  repeatFromInput,
  resolveOccurrence,
  untilInNewZone,
} from "./eventRepeat.ts";
import type { GroupRecord } from "./groupRecord.ts";
import type { GroupService } from "./groupService.ts";
import { namesFromRumors } from "./names.ts";
import { loadNotices, mergeHistory, messageEpochsNear, noticeEntries } from "./notices.ts";
import { parsePerson, shortNpub } from "./people.ts";
import { type MyPlaceRecord, placeChangeOf } from "./placeSequencer.ts";

const CHAT_KINDS = new Set([KIND_DELETION, KIND_REACTION, KIND_CHAT]);

/**
 * Everything but the chat and its reactions: what events, answers, places, polls and names are
 * folded from (deletions too, as they may remove polls and votes).
 */
const BOARD_KINDS = [
  KIND_DELETION,
  KIND_TIME_EVENT,
  KIND_DATE_EVENT,
  KIND_RSVP,
  KIND_PLACES,
  KIND_SEALED,
  KIND_POLL,
  KIND_POLL_RESPONSE,
  KIND_PROFILE,
];

function factsOf(rec: GroupRecord): MembershipFacts {
  return {
    admins: rec.admins,
    adminsByEpoch: rec.adminsByEpoch,
    members: rec.members,
    removedAt: rec.removedAt,
  };
}

function inputError(e: unknown): Error {
  // Text limits and blank text are refused in whole sentences ("The message is empty.").
  if (e instanceof TextInputError) return rallyError("bad-input", e.message);
  if (e instanceof InvalidInputError)
    return rallyError("bad-input", `The ${e.field} is not right: ${e.message}.`);
  return asRallyError(e, "bad-input");
}

export interface GroupSnapshot {
  rec: GroupRecord;
  state: GroupAppState;
  names: Map<string, string>;
  nameOf: (pubkey: string) => string;
  /** Own rumor id → kind 445 event id carrying it. */
  carriers: Map<string, string>;
}

export class AppService {
  constructor(private readonly svc: GroupService) {}

  private get core() {
    return this.svc.core;
  }

  /**
   * The group's reduced state apart from its chat (events, answers, places, polls, admins), its
   * names, and the outbox entries carrying own rumors among them. The chat is read by pages
   * (`chat`, `chatHistory`): folding it here would make every screen cost the whole history.
   */
  async snapshot(rec: GroupRecord): Promise<GroupSnapshot> {
    const rows = await this.core.store.rumors({ group: rec.id, kinds: BOARD_KINDS });
    const facts = factsOf(rec);
    const names = this.namesFrom(rows, facts);
    const carriers = this.carriersOf(rows);
    const state = reduceStored(
      rows.filter((r) => r.kind !== KIND_PROFILE),
      facts,
      this.core.secrets?.secretKey ?? null,
    );
    return { rec, state, names, nameOf: (pk) => names.get(pk) ?? shortNpub(pk), carriers };
  }

  private namesFrom(rows: readonly StoredRumor[], facts: MembershipFacts): Map<string, string> {
    const names = namesFromRumors(rows, facts);
    const me = this.core.account?.pubkey;
    const account = this.core.account;
    // A device recovered from the words without a name keeps the name its groups already know.
    const placeholder = account?.recovered === true && account.name === RECOVERED_NAME;
    if (me && account && !(placeholder && names.has(me))) names.set(me, account.name);
    return names;
  }

  /** Own rumor id → kind 445 event id carrying it, among these rows. */
  private carriersOf(rows: Iterable<StoredRumor>): Map<string, string> {
    const me = this.core.account?.pubkey;
    const carriers = new Map<string, string>();
    for (const row of rows) {
      if (row.pubkey !== me) continue;
      const env = envelopeOf(row);
      if (env?.o) carriers.set(row.id, env.o);
    }
    return carriers;
  }

  /** The kind 445 event carrying one of this device's own messages, if it is one. */
  async carrierOf(rec: GroupRecord, messageId: string): Promise<string | undefined> {
    const row = await this.core.store.getRumor(rec.id, messageId);
    return row === undefined ? undefined : this.carriersOf([row]).get(messageId);
  }

  /**
   * Stores written before rumors recorded what they act on get that index once (under the device
   * lock, so nothing written meanwhile is overwritten with an older copy).
   */
  private async refsReady(): Promise<void> {
    // Once indexed, reading never waits for the device lock (a sync round may hold it for long):
    // the lock is taken only when there is something to index.
    if (this.indexed) return;
    const store = this.core.store;
    if ((await store.get(keys.refsIndexed)) === undefined) {
      if ((await this.unindexed()).length > 0) {
        this.indexing ??= this.core
          .exclusive(async () => {
            const ops = (await this.unindexed()).map(
              (r): WriteOp => ({ op: "putRumor", rumor: withRefs(r) }),
            );
            for (let i = 0; i < ops.length; i += 500) await store.batch(ops.slice(i, i + 500));
          })
          .catch((e: unknown) => {
            this.indexing = null;
            throw e;
          });
        await this.indexing;
      }
      await store.batch([{ op: "put", key: keys.refsIndexed, value: 1 }]);
    }
    this.indexed = true;
  }

  /** Stored reactions and deletions without their refs (written before refs were kept). */
  private async unindexed(): Promise<StoredRumor[]> {
    const store = this.core.store;
    const out: StoredRumor[] = [];
    for (const { key } of await store.list(keys.groupPrefix)) {
      const group = key.slice(keys.groupPrefix.length);
      const rows = await store.rumors({ group, kinds: [KIND_REACTION, KIND_DELETION] });
      for (const r of rows) if (r.refs === undefined) out.push(r);
    }
    return out;
  }

  private indexing: Promise<void> | null = null;
  private indexed = false;

  private async sendStates(carriers: Map<string, string>): Promise<Map<string, SendState>> {
    const out = new Map<string, SendState>();
    if (carriers.size === 0) return out;
    const entries = new Map(
      (await this.core.store.outbox()).map((r) => [r.id, r.value as { state?: string }]),
    );
    for (const [rumor, event] of carriers) {
      const e = entries.get(event);
      out.set(
        rumor,
        e === undefined ? "sent" : e.state === "failed" ? "failed" : e.state === "done" ? "sent" : "pending",
      );
    }
    return out;
  }

  private me(): string {
    return this.svc.me();
  }

  private async send(id: string, build: () => Rumor): Promise<Rumor> {
    let rumor: Rumor;
    try {
      rumor = build();
    } catch (e) {
      throw inputError(e);
    }
    return (await this.svc.sendRumor(id, rumor)).rumor;
  }

  // --- chat ---

  async sendChat(id: string, text: string, replyTo?: string): Promise<ChatMessage> {
    const rec = await this.svc.activeRecord(id);
    let parent: { id: string; pubkey?: string } | null = null;
    if (replyTo) {
      const row = await this.core.store.getRumor(id, replyTo);
      if (!row) throw rallyError("unknown-message", "The message you are replying to is not in this group.");
      parent = { id: row.id, pubkey: row.pubkey };
    }
    const rumor = await this.send(id, () =>
      buildChatMessage({ pubkey: this.me(), createdAt: this.core.now(), text, replyTo: parent }),
    );
    const name = this.core.account?.name ?? "";
    return toChatMessage(
      {
        id: rumor.id,
        author: rumor.pubkey,
        text: rumor.content,
        // As the chat will file it: no earlier than the current epoch began (sendRumor).
        createdAt: effectiveCreatedAt(rumor.created_at, undefined, rec.keys[0]?.since),
        ms: rumorMs(rumor),
        replyTo: parent?.id ?? null,
        reactions: [],
        deleted: false,
        mine: true,
        canDelete: true,
      },
      () => name,
      "pending",
    );
  }

  async chat(rec: GroupRecord, options: ChatPageOptions = {}): Promise<ChatMessage[]> {
    await this.refsReady();
    const query: ChatPageQuery = options.limit !== undefined ? { limit: options.limit } : {};
    if (typeof options.before === "number") query.until = options.before - 1;
    else if (typeof options.before === "string") query.before = await this.messageCursor(rec, options.before);
    if (query.until !== undefined && query.until < 0) return [];
    const page = await readChatPage(this.core.store, rec.id, factsOf(rec), query);
    return this.messagesOf(page, await this.nameOf(rec));
  }

  /** Who is called what in a group: its name statements only, not the rest of its history. */
  private async nameOf(rec: GroupRecord): Promise<(pubkey: string) => string> {
    const rows = await this.core.store.rumors({ group: rec.id, kinds: [KIND_PROFILE] });
    const names = this.namesFrom(rows, factsOf(rec));
    return (pk) => names.get(pk) ?? shortNpub(pk);
  }

  /** A page's messages as the API shows them, with names and send states. */
  private async messagesOf(page: ChatPage, nameOf: (pubkey: string) => string): Promise<ChatMessage[]> {
    const states = await this.sendStates(this.carriersOf(page.rows.values()));
    const state: GroupAppState = {
      messages: page.messages,
      events: [],
      polls: [],
      admins: page.admins,
      ignored: [],
    };
    return chatViews(state, this.core.account?.pubkey ?? null).map((v) =>
      toChatMessage(v, nameOf, states.get(v.id) ?? "sent"),
    );
  }

  private async messageCursor(rec: GroupRecord, id: string): Promise<ChatCursor> {
    const row = await this.core.store.getRumor(rec.id, id);
    if (row === undefined || row.kind !== KIND_CHAT)
      throw rallyError("unknown-message", `There is no message "${id}" in "${rec.name}".`);
    return { created_at: row.created_at, ms: row.ms ?? 0, id: row.id };
  }

  /**
   * Messages with the notices of changes to the group between them (see notices.ts), newest
   * `limit` before `before` (a time: strictly earlier; or the id of a message or notice: strictly
   * before it in the history's order).
   */
  async chatHistory(rec: GroupRecord, options: ChatPageOptions = {}): Promise<ChatEntry[]> {
    await this.refsReady();
    const me = this.core.account?.pubkey ?? null;
    // Names only: folding events and polls here would make every page cost them too.
    const nameOf = await this.nameOf(rec);
    let notices = noticeEntries(await loadNotices(this.core.store, rec.id), me, nameOf);
    const query: ChatPageQuery = options.limit !== undefined ? { limit: options.limit } : {};
    const cursor = typeof options.before === "string" ? options.before : null;
    if (typeof options.before === "number") {
      const before = options.before;
      if (before <= 0) return [];
      query.until = before - 1;
      notices = notices.filter((n) => n.createdAt < before);
    } else if (cursor !== null) {
      // Up to the cursor's second, with every message of that second: notices and messages of one
      // second are ordered by epoch (compareEntries), so the cut is made in the merged history.
      const at =
        notices.find((n) => n.id === cursor)?.createdAt ?? (await this.messageCursor(rec, cursor)).created_at;
      query.until = at;
      notices = notices.filter((n) => n.createdAt <= at);
      if (query.limit !== undefined)
        query.limit += await this.core.store.countRumors({
          group: rec.id,
          kinds: [KIND_CHAT],
          since: at,
          until: at,
        });
    }
    const page = await readChatPage(this.core.store, rec.id, factsOf(rec), query);
    const messages = await this.messagesOf(page, nameOf);
    // Past a full page, older notices belong to older pages.
    const oldest = messages[0];
    if (!page.complete && oldest) notices = notices.filter((n) => n.createdAt >= oldest.createdAt);
    const epochs = await messageEpochsNear(this.core.store, rec.id, notices);
    let list = mergeHistory(messages, notices, { epochs });
    if (cursor !== null) {
      const at = list.findIndex((e) => e.id === cursor);
      if (at >= 0) list = list.slice(0, at);
    }
    return options.limit === undefined ? list : list.slice(Math.max(0, list.length - options.limit));
  }

  async react(id: string, messageId: string, emoji: string): Promise<void> {
    await this.svc.activeRecord(id);
    const row = await this.core.store.getRumor(id, messageId);
    if (!row || !CHAT_KINDS.has(row.kind))
      throw rallyError("unknown-message", "That message is not in this group.");
    await this.send(id, () =>
      buildReaction({
        pubkey: this.me(),
        createdAt: this.core.now(),
        target: { id: row.id, pubkey: row.pubkey, kind: row.kind },
        emoji,
      }),
    );
  }

  async deleteMessage(id: string, messageId: string): Promise<void> {
    const rec = await this.svc.activeRecord(id);
    const row = await this.core.store.getRumor(id, messageId);
    if (!row) throw rallyError("unknown-message", "That message is not in this group.");
    if (row.pubkey !== this.me() && !rec.admins.includes(this.me())) {
      throw rallyError("forbidden", "Only the author of a message or a group admin can delete it.");
    }
    await this.send(id, () =>
      buildDeletion({
        pubkey: this.me(),
        createdAt: this.core.now(),
        targets: [{ id: row.id, kind: row.kind }],
      }),
    );
  }

  // --- events ---

  private async findEventState(
    rec: GroupRecord,
    eventId: string,
  ): Promise<{ snap: GroupSnapshot; e: CalendarEventState }> {
    const snap = await this.snapshot(rec);
    const e = findEvent(snap.state, eventId);
    if (!e) {
      throw rallyError(
        "unknown-event",
        `There is no event "${eventId}" in "${rec.name}". "rally event list" shows the events.`,
      );
    }
    return { snap, e };
  }

  private hostsHex(hosts: string[] | undefined): string[] | undefined {
    return hosts?.map(parsePerson);
  }

  async createEvent(id: string, input: EventInput): Promise<EventView> {
    const rec = await this.svc.activeRecord(id);
    const d = newEventIdentifier();
    const me = this.me();
    await this.send(id, () => {
      const time = eventTimeFromIso({
        start: input.start,
        end: input.end ?? null,
        tz: input.tz ?? null,
        ...(input.allDay !== undefined ? { allDay: input.allDay } : {}),
      });
      const hosts = this.hostsHex(input.hosts);
      return buildCalendarEvent({
        pubkey: me,
        createdAt: this.core.now(),
        d,
        title: input.title ?? "",
        time,
        description: input.description ?? "",
        location: input.location ?? null,
        image: input.image ?? null,
        hashtags: input.tags ?? [],
        capacity: input.capacity ?? null,
        hostsOnlyRsvps: input.hostsOnlyRsvps === true,
        ...(input.approval ? { approval: true } : {}),
        ...(hosts ? { hosts } : {}),
        ...(input.repeat ? { repeat: repeatFromInput(input.repeat, time) } : {}),
      });
    });
    return this.eventById(rec, calendarEventId(me, d));
  }

  async eventById(rec: GroupRecord, eventId: string): Promise<EventView> {
    const { snap, e } = await this.findEventState(await this.svc.record(rec.id), eventId);
    return toEventView(eventView(snap.state, e, this.core.account?.pubkey ?? null, { now: this.core.now() }));
  }

  async editEvent(id: string, eventId: string, patch: Partial<EventInput>): Promise<EventView> {
    const rec = await this.svc.activeRecord(id);
    const { snap, e } = await this.findEventState(rec, eventId);
    const view = eventView(snap.state, e, this.me());
    if (!view.canEdit)
      throw rallyError("forbidden", "Only the person who made this event or a group admin can change it.");
    await this.send(id, () => {
      const fields: Partial<CalendarEventFields> = {};
      if (patch.title !== undefined) fields.title = patch.title;
      if (patch.description !== undefined) fields.description = patch.description;
      if (patch.location !== undefined) fields.location = patch.location || null;
      if (patch.image !== undefined) fields.image = patch.image || null;
      if (patch.tags !== undefined) fields.hashtags = patch.tags;
      if (patch.capacity !== undefined) fields.capacity = patch.capacity;
      if (patch.hostsOnlyRsvps !== undefined) fields.hostsOnlyRsvps = patch.hostsOnlyRsvps;
      if (patch.approval !== undefined) fields.approval = patch.approval;
      if (patch.hosts !== undefined) fields.hosts = this.hostsHex(patch.hosts) ?? [];
      if (
        patch.start !== undefined ||
        patch.end !== undefined ||
        patch.tz !== undefined ||
        patch.allDay !== undefined
      ) {
        fields.time = eventTimeFromIso({
          start: patch.start ?? view.start,
          end: patch.end !== undefined ? patch.end : view.end,
          tz: patch.tz !== undefined ? patch.tz : view.tz,
          allDay: patch.allDay ?? view.allDay,
        });
      }
      // A new rule keeps the cancelled and moved occurrences (those it no longer gives have no
      // effect); a new first time takes them along (eventRepeat.ts `carryExceptions`).
      const time = fields.time ?? e.time;
      const kept = e.repeat ? carryExceptions(e.repeat, e.time, time) : undefined;
      if (patch.repeat === null) fields.repeat = null;
      else if (patch.repeat !== undefined) fields.repeat = repeatFromInput(patch.repeat, time, kept);
      else if (fields.time !== undefined && e.repeat)
        fields.repeat = repeatFromInput({ rule: untilInNewZone(e.repeat.rule, e.time, time) }, time, kept);
      return buildEventEdit(e, fields, { pubkey: this.me(), createdAt: this.bumped(e.updatedAt) });
    });
    return this.eventById(rec, e.id);
  }

  /** A time strictly after `last`, so an edit made in the same second still wins ("newest wins"). */
  private bumped(last: number): number {
    return Math.max(this.core.now(), last + 1);
  }

  async cancelEvent(id: string, eventId: string): Promise<void> {
    const rec = await this.svc.activeRecord(id);
    const { snap, e } = await this.findEventState(rec, eventId);
    if (!eventView(snap.state, e, this.me()).canEdit) {
      throw rallyError("forbidden", "Only the person who made this event or a group admin can cancel it.");
    }
    await this.send(id, () =>
      buildEventCancel(e, { pubkey: this.me(), createdAt: this.bumped(e.updatedAt) }),
    );
  }

  /** Cancels one occurrence of a repeating event (its owner or a group admin). */
  async cancelOccurrence(
    id: string,
    eventId: string,
    occurrence: string,
  ): Promise<{ occurrence: string; event: EventView }> {
    const rec = await this.svc.activeRecord(id);
    const { snap, e } = await this.findEventState(rec, eventId);
    if (!eventView(snap.state, e, this.me()).canEdit) {
      throw rallyError("forbidden", "Only the person who made this event or a group admin can cancel it.");
    }
    const found = resolveOccurrence(e, occurrence);
    const repeat = e.repeat!;
    if (found.cancelled) {
      throw rallyError(
        "bad-input",
        `The occurrence at ${occurrenceText(found.original, e.time)} is already cancelled.`,
      );
    }
    await this.send(id, () =>
      buildEventEdit(
        e,
        {
          repeat: {
            rule: repeat.rule,
            exdates: [...repeat.exdates, found.original],
            moved: repeat.moved.filter((m) => String(m.original) !== String(found.original)),
          },
        },
        { pubkey: this.me(), createdAt: this.bumped(e.updatedAt) },
      ),
    );
    return { occurrence: occurrenceText(found.original, e.time), event: await this.eventById(rec, e.id) };
  }

  /** Moves one occurrence of a repeating event (its owner or a group admin). */
  async moveOccurrence(
    id: string,
    eventId: string,
    occurrence: string,
    to: { start: string; end?: string },
  ): Promise<{ occurrence: string; event: EventView }> {
    const rec = await this.svc.activeRecord(id);
    const { snap, e } = await this.findEventState(rec, eventId);
    if (!eventView(snap.state, e, this.me()).canEdit) {
      throw rallyError("forbidden", "Only the person who made this event or a group admin can change it.");
    }
    const found = resolveOccurrence(e, occurrence);
    if (found.cancelled)
      throw rallyError(
        "bad-input",
        `The occurrence at ${occurrenceText(found.original, e.time)} is cancelled.`,
      );
    const repeat = e.repeat!;
    await this.send(id, () => {
      const time = eventTimeFromIso({
        start: to.start,
        end: to.end ?? null,
        tz: e.time.allDay ? null : e.time.tz,
        allDay: e.time.allDay,
      });
      const moved = { original: found.original, start: time.start, end: time.end };
      return buildEventEdit(
        e,
        {
          repeat: {
            rule: repeat.rule,
            exdates: repeat.exdates,
            moved: [...repeat.moved.filter((m) => String(m.original) !== String(found.original)), moved],
          },
        },
        { pubkey: this.me(), createdAt: this.bumped(e.updatedAt) },
      );
    });
    return { occurrence: occurrenceText(found.original, e.time), event: await this.eventById(rec, e.id) };
  }

  /** Sends an answer under the protocol's one rule (`rsvpAnswer`: guests only with going). */
  async rsvp(
    id: string,
    eventId: string,
    status: RsvpStatus,
    guests = 0,
    occurrence?: string,
  ): Promise<RsvpAnswer> {
    const rec = await this.svc.activeRecord(id);
    let answer: RsvpAnswer;
    try {
      answer = rsvpAnswer(status, guests);
    } catch (e) {
      // The status refusal is a whole sentence; a guest count is refused as other fields are.
      throw e instanceof InvalidInputError && e.field === "status"
        ? rallyError("bad-input", e.message)
        : inputError(e);
    }
    const { e } = await this.findEventState(rec, eventId);
    const me = this.me();
    let original: string | number | undefined;
    let answered = e.rsvps;
    if (occurrence !== undefined) {
      const found = resolveOccurrence(e, occurrence);
      if (found.cancelled || e.cancelled)
        throw rallyError(
          "bad-input",
          `The occurrence at ${occurrenceText(found.original, e.time)} is cancelled.`,
        );
      original = found.original;
      answered = e.occurrenceRsvps.find((o) => o.occurrence === String(original))?.rsvps ?? [];
    }
    const mine = answered.find((r) => r.pubkey === me);
    const createdAt = mine ? Math.max(this.core.now(), mine.createdAt + 1) : this.core.now();
    await this.send(id, () => {
      const inner = buildRsvp({
        pubkey: me,
        createdAt,
        event: { kind: e.kind, owner: e.owner, d: e.d, versionId: e.versionId },
        status: answer.status,
        guests: answer.guests,
        ...(original !== undefined ? { occurrence: original } : {}),
      });
      if (!e.hostsOnlyRsvps) return inner;
      const hosts = [e.owner, ...e.hosts];
      return sealRumor({
        inner,
        senderSecretKey: this.core.requireSecrets().secretKey,
        recipients: hosts,
        createdAt,
        address: e.address,
      });
    });
    return original === undefined ? answer : { ...answer, occurrence: occurrenceText(original, e.time) };
  }

  async events(recs: GroupRecord[]): Promise<(EventView & { group: string })[]> {
    const out: (EventView & { group: string })[] = [];
    for (const rec of recs) {
      const snap = await this.snapshot(rec);
      for (const v of eventViews(snap.state, this.core.account?.pubkey ?? null, { now: this.core.now() })) {
        const seen = await this.core.store.get<MyPlaceRecord>(keys.myPlace(rec.id, v.id));
        out.push({ ...toEventView(v, placeChangeOf(seen, v.myPlace)), group: rec.id });
      }
    }
    return out.sort((a, b) => (a.start < b.start ? -1 : a.start > b.start ? 1 : 0));
  }

  async eventIcs(rec: GroupRecord, eventId?: string): Promise<string> {
    const snap = await this.snapshot(rec);
    const nameOf = (pk: string) => snap.names.get(pk);
    if (eventId !== undefined) {
      const e = findEvent(snap.state, eventId);
      if (!e) throw rallyError("unknown-event", `There is no event "${eventId}" in "${rec.name}".`);
      return eventToIcs(e, { nameOf });
    }
    return calendarToIcs(snap.state.events, { nameOf, name: rec.name, description: rec.description });
  }

  async importIcs(id: string, ics: string): Promise<EventView[]> {
    const rec = await this.svc.activeRecord(id);
    let parsed: ReturnType<typeof icsToEvents>;
    try {
      parsed = icsToEvents(ics);
    } catch (e) {
      throw rallyError("bad-input", `This calendar file cannot be read: ${(e as Error).message}`);
    }
    if (parsed.events.length === 0) {
      const why = parsed.skipped.map((s) => s.reason).join("; ");
      throw rallyError(
        "bad-input",
        `This calendar file has no event Rally can import${why ? ` (${why})` : ""}.`,
      );
    }
    const me = this.me();
    const ids: string[] = [];
    for (const ev of parsed.events) {
      const d = newEventIdentifier();
      await this.send(id, () =>
        buildCalendarEvent({
          pubkey: me,
          createdAt: this.core.now(),
          d,
          title: ev.title,
          time: ev.time,
          description: ev.description,
          location: ev.location,
          hashtags: ev.hashtags,
          links: ev.links,
          cancelled: ev.cancelled,
          repeat: ev.repeat,
        }),
      );
      ids.push(calendarEventId(me, d));
    }
    const out: EventView[] = [];
    for (const eid of ids) out.push(await this.eventById(rec, eid));
    return out;
  }

  // --- polls ---

  async createPoll(
    id: string,
    input: { question: string; options: string[]; dates?: boolean; multiple?: boolean },
  ): Promise<PollView> {
    const rec = await this.svc.activeRecord(id);
    const rumor = await this.send(id, () =>
      buildPoll({
        pubkey: this.me(),
        createdAt: this.core.now(),
        question: input.question,
        options: input.options,
        dates: input.dates === true,
        multiple: input.multiple === true,
      }),
    );
    const poll = (await this.polls(rec)).find((p) => p.id === rumor.id);
    if (!poll) throw rallyError("internal", "The new poll could not be read back.");
    return poll;
  }

  async vote(id: string, pollId: string, optionIds: string[]): Promise<void> {
    const rec = await this.svc.activeRecord(id);
    const polls = await this.polls(rec);
    const poll = polls.find((p) => p.id === pollId) ?? uniquePrefix(polls, pollId);
    if (!poll) throw rallyError("unknown-poll", `There is no poll "${pollId}" in "${rec.name}".`);
    // Options may be given by id or by their label (as a person types them).
    const chosen = optionIds.map((o) => {
      const found = poll.options.find((x) => x.id === o) ?? poll.options.find((x) => x.label === o);
      if (!found) {
        throw rallyError(
          "bad-input",
          `"${o}" is not an option of this poll. Options: ${poll.options.map((x) => `${x.id} (${x.label})`).join(", ")}.`,
        );
      }
      return found.id;
    });
    if (!poll.multiple && chosen.length > 1)
      throw rallyError("bad-input", "This poll takes one choice only.");
    const mine = (
      await this.core.store.rumors({ group: id, kinds: [KIND_POLL_RESPONSE], authors: [this.me()], limit: 1 })
    )[0];
    const createdAt = mine ? Math.max(this.core.now(), mine.created_at + 1) : this.core.now();
    await this.send(id, () =>
      buildPollResponse({ pubkey: this.me(), createdAt, poll: poll.id, choices: chosen }),
    );
  }

  async polls(rec: GroupRecord): Promise<(PollView & { voters: number; closed: boolean })[]> {
    const snap = await this.snapshot(rec);
    return pollViews(snap.state, this.core.account?.pubkey ?? null, { now: this.core.now() }).map(toPollView);
  }
}

function uniquePrefix<T extends { id: string }>(list: T[], prefix: string): T | undefined {
  if (prefix.length < 6) return undefined;
  const m = list.filter((x) => x.id.startsWith(prefix));
  return m.length === 1 ? m[0] : undefined;
}
