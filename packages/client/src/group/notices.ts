/**
 * Membership notices: the lines a chat shows between messages when the group itself changed —
 * "Alice added Carol", "Alice removed Bob", "Bob left", "Alice made Bob an admin", "Alice renamed
 * the group to …", "You were removed by Alice", "You joined; invited by Alice", "Alice changed the
 * servers that carry the group's messages", "Alice set disappearing messages to 1 day", "Alice's device
 * was restored" (her lost devices replaced by the one she recovered her account on).
 *
 * Notices are never sent. Each device derives them from the commits it applied (the group record
 * before and after the commit, and who committed it), so every member's history shows the same
 * changes without any member being able to write such a line into someone else's chat. They are
 * kept in kv under `notice/<group>/<commit event id>` (see `keys.ts`), one record per commit, which
 * works the same on SQLite and IndexedDB and needs no migration; a commit that is later rolled back
 * drops its record by that same key.
 *
 * Records hold hex pubkeys only. Names are looked up when the chat is shown, from the group's name
 * directory, so a person who changes their name is shown with the new one everywhere.
 *
 * Runs in: Node and browsers (pure, but for `loadNotices`).
 */
import { KIND_CHAT } from "@rally/protocol/nostr";
import type { ChatEntry, ChatMessage, ChatNotice, NoticeKind } from "../api.ts";
import { keys } from "../store/keys.ts";
import type { Store, WriteOp } from "../store/store.ts";
import { envelopeOf } from "./appViews.ts";
import { disappearWords } from "./disappearing.ts";
import type { GroupRecord } from "./groupRecord.ts";
import { compareEntries } from "./historyOrder.ts";
import { toNpub } from "./people.ts";

/** One change, as stored: people as hex pubkeys, never names. */
export interface Notice {
  kind: NoticeKind;
  /** Who made the change (the committer; the inviter for "joined"). */
  actor: string | null;
  /** Whom it concerns (added, removed, left, made or no longer admin, joined). */
  subject: string | null;
  /** The new group name, description or relays (space separated); the timer in seconds, or null for off. */
  value: string | null;
}

/** What a device keeps for one applied commit (or for the welcome it joined with). */
export interface NoticeRecord {
  v: 1;
  group: string;
  /** Event id of the kind 445 commit (of the welcome's gift wrap for "joined"). */
  commit: string;
  /** The group's epoch after the change. */
  epoch: number;
  /** Unix seconds: when the change happened, for its place among the messages. */
  at: number;
  notices: Notice[];
}

/** The commit that moved a group from `before` to `after`. */
export interface CommitFacts {
  /** Hex pubkey of the member whose device committed. */
  committer: string;
  /** Id of the kind 445 event carrying the commit. */
  eventId: string;
  /** The epoch the commit created. */
  epoch: number;
  /** Unix seconds. */
  at: number;
  /**
   * People whose removal they asked for themselves (self-removal proposals the commit carried):
   * shown as "Bob left" rather than "Alice removed Bob". Optional: without it every removal by
   * someone else reads as a removal.
   */
  left?: readonly string[];
  /** People whose devices the commit replaced: one added, the others removed (`restoredPeople`). */
  restored?: readonly string[];
  /** Members who gained, or lost, a device and nothing else (`deviceChanges`). */
  devices?: { added: readonly string[]; removed: readonly string[] };
}

/** The group data a commit may change. */
export type GroupFacts = Pick<
  GroupRecord,
  "members" | "admins" | "name" | "description" | "relays" | "disappearAfter"
>;

const MAX_VALUE = 500;

function sorted(set: Iterable<string>): string[] {
  return [...new Set(set)].sort();
}

/** Admins who are members: a person no longer in the group is no longer anyone's admin. */
function memberAdmins(g: GroupFacts): Set<string> {
  const members = new Set(g.members);
  return new Set(g.admins.filter((a) => members.has(a)));
}

function sameList(a: readonly string[], b: readonly string[]): boolean {
  const x = sorted(a);
  const y = sorted(b);
  return x.length === y.length && x.every((v, i) => v === y[i]);
}

/**
 * The changes between two states of a group, in a fixed order: people who came in, people who
 * went (removed or left), admin changes, then name, description and relays.
 */
export function membershipNotices(
  before: GroupFacts,
  after: GroupFacts,
  committer: string,
  left: readonly string[] = [],
  restored: readonly string[] = [],
  devices: { added: readonly string[]; removed: readonly string[] } = { added: [], removed: [] },
): Notice[] {
  // A record that knew no members yet (a fresh join) has nothing to compare against.
  if (before.members.length === 0) return [];
  const out: Notice[] = [];
  const was = new Set(before.members);
  const is = new Set(after.members);
  const leavers = new Set(left);
  for (const p of sorted(after.members)) {
    if (!was.has(p)) out.push({ kind: "added", actor: committer, subject: p, value: null });
  }
  for (const p of sorted(before.members)) {
    if (is.has(p)) continue;
    // Nobody can commit their own removal in MLS; if it ever reads so, it was their choice.
    const kind = leavers.has(p) || p === committer ? "left" : "removed";
    out.push({ kind, actor: kind === "left" ? p : committer, subject: p, value: null });
  }
  for (const p of sorted(restored)) {
    if (was.has(p) && is.has(p)) out.push({ kind: "restored", actor: committer, subject: p, value: null });
  }
  for (const p of sorted(devices.added)) {
    if (was.has(p) && is.has(p)) out.push({ kind: "device-added", actor: p, subject: p, value: null });
  }
  for (const p of sorted(devices.removed)) {
    if (was.has(p) && is.has(p))
      out.push({ kind: "device-removed", actor: committer, subject: p, value: null });
  }
  const wasAdmin = memberAdmins(before);
  const isAdmin = memberAdmins(after);
  for (const p of sorted(isAdmin)) {
    if (!wasAdmin.has(p)) out.push({ kind: "admin", actor: committer, subject: p, value: null });
  }
  for (const p of sorted(wasAdmin)) {
    // Someone who left or was removed stops being an admin too; the removal says it already.
    if (!isAdmin.has(p) && is.has(p))
      out.push({ kind: "unadmin", actor: committer, subject: p, value: null });
  }
  if (after.name !== before.name)
    out.push({ kind: "renamed", actor: committer, subject: null, value: after.name.slice(0, MAX_VALUE) });
  if (after.description !== before.description) {
    const value = after.description.slice(0, MAX_VALUE);
    out.push({ kind: "description", actor: committer, subject: null, value });
  }
  if (!sameList(before.relays, after.relays)) {
    const value = sorted(after.relays).join(" ").slice(0, MAX_VALUE);
    out.push({ kind: "relays", actor: committer, subject: null, value });
  }
  const timer = after.disappearAfter ?? null;
  if ((before.disappearAfter ?? null) !== timer) {
    const value = timer === null ? null : String(timer);
    out.push({ kind: "disappearing", actor: committer, subject: null, value });
  }
  return out;
}

type PersonDevices = { pubkey: string; devices: readonly { signaturePublicKey: string }[] };

/**
 * How a commit changed the devices of the people who are members before and after it: "restored"
 * when at least one device came in and at least one went (a recovered device let in in place of
 * the lost ones), "added" when devices only came (linked), "removed" when they only went (revoked).
 */
function devicesMoved(before: readonly PersonDevices[], after: readonly PersonDevices[]) {
  const out: { pubkey: string; came: boolean; went: boolean }[] = [];
  for (const a of after) {
    const b = before.find((m) => m.pubkey === a.pubkey);
    if (!b) continue;
    const had = new Set(b.devices.map((d) => d.signaturePublicKey));
    const has = new Set(a.devices.map((d) => d.signaturePublicKey));
    out.push({
      pubkey: a.pubkey,
      came: [...has].some((k) => !had.has(k)),
      went: [...had].some((k) => !has.has(k)),
    });
  }
  return out;
}

/** People whose devices a commit replaced (`devicesMoved`). */
export function restoredPeople(before: readonly PersonDevices[], after: readonly PersonDevices[]): string[] {
  return devicesMoved(before, after)
    .filter((m) => m.came && m.went)
    .map((m) => m.pubkey);
}

/** Members who gained a device (and lost none), and who lost one (and gained none). */
export function deviceChanges(
  before: readonly PersonDevices[],
  after: readonly PersonDevices[],
): { added: string[]; removed: string[] } {
  const moved = devicesMoved(before, after);
  return {
    added: moved.filter((m) => m.came && !m.went).map((m) => m.pubkey),
    removed: moved.filter((m) => m.went && !m.came).map((m) => m.pubkey),
  };
}

/** The write that keeps the notices of one applied commit (nothing when it changed nothing shown). */
export function noticeOps(before: GroupRecord, after: GroupRecord, commit: CommitFacts): WriteOp[] {
  const notices = membershipNotices(
    before,
    after,
    commit.committer,
    commit.left,
    commit.restored,
    commit.devices,
  );
  if (notices.length === 0) return [];
  const record: NoticeRecord = {
    v: 1,
    group: after.id,
    commit: commit.eventId,
    epoch: commit.epoch,
    at: commit.at,
    notices,
  };
  return [{ op: "put", key: keys.notice(after.id, commit.eventId), value: record }];
}

/** Forgets the notices of a commit that was rolled back (a better commit for its epoch arrived). */
export function dropNoticeOps(groupId: string, eventId: string): WriteOp[] {
  return [{ op: "delete", key: keys.notice(groupId, eventId) }];
}

/** The notice of this device joining a group through a welcome: "You joined; invited by Alice". */
export function joinedNoticeOps(input: {
  group: string;
  me: string;
  inviter: string;
  /** Id of the gift wrap that carried the welcome. */
  welcomeId: string;
  epoch: number;
  at: number;
}): WriteOp[] {
  const record: NoticeRecord = {
    v: 1,
    group: input.group,
    commit: input.welcomeId,
    epoch: input.epoch,
    at: input.at,
    notices: [{ kind: "joined", actor: input.inviter, subject: input.me, value: null }],
  };
  return [{ op: "put", key: keys.notice(input.group, input.welcomeId), value: record }];
}

/**
 * The notice of this device leaving a group ("You left"). Leaving sends a request that another
 * member commits; this device forgets its keys at once and never applies that commit, so the line
 * is written when the person leaves, under a key of its own.
 */
export function leftNoticeOps(input: { group: string; me: string; epoch: number; at: number }): WriteOp[] {
  const id = `left-${input.at}`;
  const record: NoticeRecord = {
    v: 1,
    group: input.group,
    commit: id,
    epoch: input.epoch + 1,
    at: input.at,
    notices: [{ kind: "left", actor: input.me, subject: input.me, value: null }],
  };
  return [{ op: "put", key: keys.notice(input.group, id), value: record }];
}

/**
 * The notice, on the inviting admin's device only, that devices of a person they invited could not
 * be added (one line per device, with the reason): nobody else needs it, so nothing is sent.
 */
export function unusableDeviceNoticeOps(input: {
  group: string;
  me: string;
  subject: string;
  reasons: readonly string[];
  epoch: number;
  at: number;
  /** Tells apart two notices about one person in the same second (hex, chosen by the caller). */
  nonce: string;
}): WriteOp[] {
  if (input.reasons.length === 0) return [];
  const id = `unusable-${input.at}-${input.subject.slice(0, 16)}-${input.nonce}`;
  const record: NoticeRecord = {
    v: 1,
    group: input.group,
    commit: id,
    epoch: input.epoch,
    at: input.at,
    notices: input.reasons.map((reason) => ({
      kind: "device-unusable" as const,
      actor: input.me,
      subject: input.subject,
      value: reason.slice(0, MAX_VALUE),
    })),
  };
  return [{ op: "put", key: keys.notice(input.group, id), value: record }];
}

function isNoticeRecord(v: unknown): v is NoticeRecord {
  const r = v as NoticeRecord | null;
  return (
    typeof r === "object" &&
    r !== null &&
    r.v === 1 &&
    typeof r.commit === "string" &&
    Number.isFinite(r.at) &&
    Number.isFinite(r.epoch) &&
    Array.isArray(r.notices)
  );
}

/** Every notice record a device keeps for a group, oldest first. */
export async function loadNotices(store: Store, groupId: string): Promise<NoticeRecord[]> {
  const rows = await store.list<unknown>(keys.noticePrefix(groupId));
  return rows
    .map((r) => r.value)
    .filter(isNoticeRecord)
    .sort(
      (a, b) => a.at - b.at || a.epoch - b.epoch || (a.commit < b.commit ? -1 : a.commit > b.commit ? 1 : 0),
    );
}

/** A notice in plain words, as the person `me` reads it. */
export function noticeText(n: Notice, me: string | null, nameOf: (pubkey: string) => string): string {
  const actorIsMe = n.actor !== null && n.actor === me;
  const subjectIsMe = n.subject !== null && n.subject === me;
  const actor = n.actor === null ? "Someone" : actorIsMe ? "You" : nameOf(n.actor);
  const subject = n.subject === null ? "someone" : subjectIsMe ? "you" : nameOf(n.subject);
  const Subject = subjectIsMe ? "You" : subject;
  switch (n.kind) {
    case "joined":
      return n.actor === null ? `${Subject} joined` : `${Subject} joined; invited by ${actor}`;
    case "added":
      return `${actor} added ${subject}`;
    case "removed":
      return subjectIsMe ? `You were removed by ${actor}` : `${actor} removed ${subject}`;
    case "left":
      return `${Subject} left`;
    case "admin":
      if (n.actor === n.subject) return `${Subject} became an admin`;
      return `${actor} made ${subject} an admin`;
    case "unadmin":
      if (n.actor === n.subject) return `${Subject} stepped down as admin`;
      return `${actor} removed ${subject} from the admins`;
    case "renamed":
      return `${actor} renamed the group to “${n.value ?? ""}”`;
    case "description":
      return n.value ? `${actor} changed the group description` : `${actor} removed the group description`;
    case "relays":
      // Plain words: the relays are "the servers that carry the messages" everywhere in Rally.
      return `${actor} changed the servers that carry the group's messages`;
    case "restored":
      return subjectIsMe ? "Your device was restored" : `${subject}'s device was restored`;
    case "device-added":
      return `${Subject} added a device`;
    case "device-removed":
      return n.actor === n.subject ? `${actor} removed a device` : `${actor} removed a device of ${subject}`;
    case "device-unusable":
      return `A device of ${subject} could not be added${n.value ? `: ${n.value}` : ""}`;
    case "disappearing":
      return n.value === null
        ? `${actor} turned off disappearing messages`
        : `${actor} set disappearing messages to ${disappearWords(Number(n.value))}`;
  }
}

const KINDS: ReadonlySet<string> = new Set<NoticeKind>([
  "joined",
  "added",
  "removed",
  "left",
  "admin",
  "unadmin",
  "renamed",
  "description",
  "relays",
  "disappearing",
  "restored",
  "device-added",
  "device-removed",
  "device-unusable",
]);

function isPubkeyOrNull(v: unknown): v is string | null {
  return v === null || (typeof v === "string" && /^[0-9a-f]{64}$/.test(v));
}

/** The chat entries of a group's notice records, names and "You" as `me` sees them. */
export function noticeEntries(
  records: readonly NoticeRecord[],
  me: string | null,
  nameOf: (pubkey: string) => string,
): ChatNotice[] {
  const out: ChatNotice[] = [];
  for (const r of records) {
    r.notices.forEach((n, i) => {
      // Written by this device from MLS credentials; anything else in the store is skipped, so one
      // damaged record cannot hide the whole history.
      if (!KINDS.has(n.kind) || !isPubkeyOrNull(n.actor) || !isPubkeyOrNull(n.subject)) return;
      let actor: string | null;
      let subject: string | null;
      try {
        actor = n.actor === null ? null : toNpub(n.actor);
        subject = n.subject === null ? null : toNpub(n.subject);
      } catch {
        return;
      }
      out.push({
        type: "notice",
        id: `${r.commit}:${String(i).padStart(3, "0")}`,
        commit: r.commit,
        createdAt: r.at,
        epoch: r.epoch,
        notice: n.kind,
        actor,
        actorName: n.actor === null ? null : nameOf(n.actor),
        subject,
        subjectName: n.subject === null ? null : nameOf(n.subject),
        value: typeof n.value === "string" ? n.value : null,
        text: noticeText(n, me, nameOf),
      });
    });
  }
  return out;
}

/**
 * The epochs of the chat messages written in the same seconds as notices: within one second, a
 * message carried in an epoch before a change was written before it, one carried in the change's
 * epoch or later after it. Only those seconds are read, so a long history costs nothing more.
 */
export async function messageEpochsNear(
  store: Store,
  groupId: string,
  notices: readonly ChatNotice[],
): Promise<Map<string, number>> {
  const out = new Map<string, number>();
  for (const at of new Set(notices.map((n) => n.createdAt))) {
    for (const row of await store.rumors({ group: groupId, kinds: [KIND_CHAT], since: at, until: at })) {
      const env = envelopeOf(row);
      if (env && Number.isSafeInteger(env.e)) out.set(row.id, env.e);
    }
  }
  return out;
}

/**
 * Messages and notices in one history, oldest first (`compareEntries`). Messages written in the
 * second of a notice carry their epoch (`messageEpochsNear`) to take their side of it. `before`
 * and `limit` then work as for messages alone.
 */
export function mergeHistory(
  messages: readonly ChatMessage[],
  notices: readonly ChatNotice[],
  options: { limit?: number; before?: number; epochs?: ReadonlyMap<string, number> } = {},
): ChatEntry[] {
  const epochs = options.epochs ?? new Map<string, number>();
  const entries = messages.map((m): ChatEntry => {
    const epoch = epochs.get(m.id);
    return epoch === undefined ? { type: "message", ...m } : { type: "message", ...m, epoch };
  });
  let list: ChatEntry[] = [...entries, ...notices].sort(compareEntries);
  if (options.before !== undefined) {
    const before = options.before;
    list = list.filter((e) => e.createdAt < before);
  }
  if (options.limit !== undefined) list = list.slice(Math.max(0, list.length - options.limit));
  return list;
}

/** The order of a chat history: historyOrder.ts. */
export { compareEntries };
