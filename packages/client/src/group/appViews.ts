/**
 * From the inner messages a device stored for a group to what the person sees: the rumors are
 * folded by the protocol's order-independent reducer (`reduceGroup`, DESIGN.md "Group application
 * state"), hosts-only answers this device may read are unsealed first, and the protocol's views
 * (hex pubkeys) become the API's shapes (npubs and names).
 *
 * Runs in: Node and browsers (pure).
 */
import {
  type ChatView,
  effectiveCreatedAt,
  type GroupAppState,
  type GroupContext,
  KIND_DELETION,
  KIND_REACTION,
  type EventView as ProtocolEventView,
  type PollView as ProtocolPollView,
  parseDeletion,
  parseReaction,
  type Rumor,
  type RumorEntry,
  reduceGroup,
  rumorMs,
  withUnsealed,
} from "@rally/protocol/app";
import type { ChatMessage, EventView, PollView, SendState } from "../api.ts";
import type { StoredRumor } from "../store/store.ts";
import { toNpub } from "./people.ts";
import type { PlaceChange } from "./placeSequencer.ts";

/** What the store's `json` column holds for one inner message. */
export interface RumorEnvelope {
  /** The rumor. */
  r: Rumor;
  /** MLS epoch of the message that carried it. */
  e: number;
  /** For our own messages: the id of the kind 445 event carrying it (its outbox entry). */
  o?: string;
  /**
   * Unix seconds, this device's clock, at which this device read it: the rumor's time counts as
   * at most this plus MAX_CLOCK_SKEW (issue 8). Absent in envelopes stored before receipt times
   * were kept, and in our own: the rumor's `created_at` then counts as written.
   */
  t?: number;
  /**
   * Unix seconds, this device's clock: when the epoch that carried it began (EpochKey `since`):
   * the rumor's time counts as at least this. Absent in envelopes stored before it was kept, and
   * when the record did not know it: no floor.
   */
  f?: number;
  /**
   * Late: carried in an epoch the group had already left when this device read it (a commit of
   * that epoch was applied before, or came in the same fetch). A late act on other people's
   * content counts only if its author is still a member and an admin (the protocol's context.ts,
   * "Late admin acts"). Absent: not late.
   */
  l?: boolean;
  /**
   * Erased: the tombstone of a deleted chat message (erasure.ts) — its text is gone from the
   * store, only ids and times remain. Absent: the message as received.
   */
  x?: boolean;
}

export function envelopeOf(row: StoredRumor): RumorEnvelope | null {
  try {
    const env = JSON.parse(row.json) as RumorEnvelope;
    if (typeof env !== "object" || env === null || typeof env.r !== "object") return null;
    return env;
  } catch {
    return null;
  }
}

/** The envelope with its floor, when one is known. */
export function withFloor(env: RumorEnvelope, since: number | undefined): RumorEnvelope {
  return since === undefined ? env : { ...env, f: since };
}

/**
 * The time a stored rumor is filed at: the protocol's effective time (`effectiveCreatedAt`), from
 * the facts kept with it. The store's `created_at` column holds it, so pages and unread counts
 * follow the order the chat shows.
 */
export function filedAt(env: RumorEnvelope): number {
  return effectiveCreatedAt(env.r.created_at, env.t, env.f);
}

/**
 * A rumor as the store keeps it: filed at its effective time and the milliseconds its author gave
 * it within its second (`ms` tag, read strictly: order.ts in the protocol), with the ids it acts on
 * (a reaction's target, a deletion's targets) so a page of chat is read with only what acts on it.
 */
export function storedRumorOf(group: string, env: RumorEnvelope): StoredRumor {
  const row: StoredRumor = {
    id: env.r.id,
    group,
    kind: env.r.kind,
    created_at: filedAt(env),
    pubkey: env.r.pubkey,
    json: JSON.stringify(env),
  };
  const ms = rumorMs(env.r);
  if (ms !== 0) row.ms = ms;
  const refs = refsOf(env.r);
  if (refs.length > 0) row.refs = refs;
  return row;
}

/** The rumor ids a rumor acts on, as the reducer reads them (NIP-25 target, NIP-09 targets). */
export function refsOf(rumor: Rumor): string[] {
  if (rumor.kind === KIND_REACTION) {
    const p = parseReaction(rumor);
    return p.ok ? [p.value.target] : [];
  }
  if (rumor.kind === KIND_DELETION) {
    const p = parseDeletion(rumor);
    return p.ok ? p.value.targets : [];
  }
  return [];
}

/**
 * A stored row with its refs and milliseconds worked out again from its body (rows stored before
 * either was kept, or passed on by a device that did not keep them).
 */
export function withRefs(row: StoredRumor): StoredRumor {
  const env = envelopeOf(row);
  const refs = env ? refsOf(env.r) : [];
  const ms = env ? rumorMs(env.r) : (row.ms ?? 0);
  const { refs: _, ms: __, ...rest } = row;
  return { ...rest, ...(ms !== 0 ? { ms } : {}), ...(refs.length > 0 ? { refs } : {}) };
}

/** Rumor entries for the reducer; every stored rumor passed the sender check when it was stored. */
export function entriesOf(rows: readonly StoredRumor[]): RumorEntry[] {
  const out: RumorEntry[] = [];
  for (const row of rows) {
    const env = envelopeOf(row);
    if (!env) continue;
    const entry: RumorEntry = { rumor: env.r, sender: row.pubkey, epoch: env.e };
    if (typeof env.t === "number") entry.receivedAt = env.t;
    if (typeof env.f === "number") entry.floor = env.f;
    if (env.l === true) entry.late = true;
    out.push(entry);
  }
  return out;
}

/** Who may do what, as the group layer knows it (see the protocol's context.ts). */
export interface MembershipFacts {
  admins: string[];
  adminsByEpoch: Record<string, string[]>;
  members: string[];
  removedAt: Record<string, number>;
}

export function groupContext(facts: MembershipFacts): GroupContext {
  return {
    admins: facts.admins,
    adminsByEpoch: new Map(Object.entries(facts.adminsByEpoch).map(([e, a]) => [Number(e), a])),
    members: facts.members,
    removedAt: facts.removedAt,
  };
}

/** Reduces a group's stored rumors, unsealing what `secretKey` may read. */
export function reduceStored(
  rows: readonly StoredRumor[],
  facts: MembershipFacts,
  secretKey: Uint8Array | null,
): GroupAppState {
  const entries = entriesOf(rows);
  // Stored rumors had their ids checked when they were decoded on receipt (or built here when
  // sent), and unsealed ones are checked by the unsealer: the read path folds without re-hashing.
  return reduceGroup(secretKey ? withUnsealed(entries, secretKey) : entries, groupContext(facts), {
    idsChecked: true,
  });
}

export type NameOf = (pubkey: string) => string;

export function toChatMessage(
  v: ChatView,
  nameOf: NameOf,
  state: SendState,
): ChatMessage & { mine: boolean; canDelete: boolean } {
  return {
    id: v.id,
    author: toNpub(v.author),
    authorName: nameOf(v.author),
    text: v.text,
    createdAt: v.createdAt,
    ms: v.ms,
    replyTo: v.replyTo,
    reactions: v.reactions.map((r) => ({ emoji: r.emoji, authors: r.authors.map(toNpub) })),
    deleted: v.deleted,
    state,
    mine: v.mine,
    canDelete: v.canDelete,
  };
}

function npubKeyed(byPubkey: Record<string, number>): Record<string, number> {
  const out: Record<string, number> = {};
  for (const [pk, n] of Object.entries(byPubkey)) out[toNpub(pk)] = n;
  return out;
}

/** The API's event: issue 4's `event list` fields plus what the web app shows. */
export function toEventView(v: ProtocolEventView, placeChange: PlaceChange | null = null): EventView {
  const guests = npubKeyed(v.guests);
  return {
    id: v.id,
    title: v.title,
    start: v.start,
    end: v.end,
    tz: v.tz,
    allDay: v.allDay,
    location: v.location,
    description: v.description,
    image: v.image,
    tags: v.tags,
    status: v.status,
    capacity: v.capacity,
    hostsOnlyRsvps: v.hostsOnlyRsvps,
    approval: v.approval,
    author: toNpub(v.author),
    hosts: v.hosts.map(toNpub),
    rsvps: {
      going: v.rsvps.going.map(toNpub),
      maybe: v.rsvps.maybe.map(toNpub),
      declined: v.rsvps.declined.map(toNpub),
      waitlist: v.rsvps.waitlist.map(toNpub),
      asking: v.rsvps.asking.map(toNpub),
    },
    guests,
    myRsvp: v.myRsvp,
    canEdit: v.canEdit,
    seatsTaken: v.seatsTaken,
    rsvpsHidden: v.rsvpsHidden,
    answers: v.answers,
    myGuests: v.myGuests,
    myPlace: v.myPlace,
    placeChange,
    summary: v.summary,
    createdAt: v.createdAt,
    updatedAt: v.updatedAt,
    repeat: v.repeat,
    occurrences: v.occurrences.map((o) => ({
      ...o,
      rsvps: {
        going: o.rsvps.going.map(toNpub),
        maybe: o.rsvps.maybe.map(toNpub),
        declined: o.rsvps.declined.map(toNpub),
        waitlist: o.rsvps.waitlist.map(toNpub),
        asking: o.rsvps.asking.map(toNpub),
      },
      guests: npubKeyed(o.guests),
    })),
  };
}

export function toPollView(v: ProtocolPollView): PollView & { voters: number; closed: boolean } {
  return {
    id: v.id,
    question: v.question,
    dates: v.dates,
    multiple: v.multiple,
    author: toNpub(v.author),
    createdAt: v.createdAt,
    ms: v.ms,
    options: v.options.map((o) => ({ id: o.id, label: o.label, votes: o.votes.map(toNpub) })),
    myVote: v.myVote,
    voters: v.voters,
    closed: v.closed,
  };
}
