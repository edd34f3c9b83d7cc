/**
 * The client's public face: what the `rally` CLI and the web app call. One `RallyClient` per
 * device home (a SQLite file in Node, IndexedDB in the browser). Every method persists what it
 * changed before it resolves; network sends go through the durable outbox, so a method that
 * "sends" resolves once the message is safely queued, not once a relay answered.
 *
 * Ids given to callers are strings in plain shapes: group ids are hex, people are npubs.
 */

/** Hex id of a group as the client knows it locally (never sent to a relay). */
import type { ConnectionState } from "./net/relayConnection.ts";
export type GroupRef = string;
/** bech32 `npub1…` of a person. */
export type Npub = string;

export interface AccountInfo {
  npub: Npub;
  pubkey: string;
  name: string;
  relays: string[];
}

/** One of the person's devices (`RallyClient.devices`). */
export interface DeviceInfo {
  /** The start of the device's MLS signature key (hex): what `revokeDevice` takes. */
  id: string;
  name: string;
  /** True for the device this client runs on. */
  current: boolean;
}

/**
 * A device being linked: "requested" (waiting for the other device's answer), "ready" (it has the
 * account; groups and history are arriving), "done" (every group joined, every history part stored).
 */
export interface DeviceJoining {
  state: "requested" | "ready" | "done";
  /**
   * The code ("482 915") the person's other device shows for this device's request: they confirm it
   * there, which tells their own device from anyone else who saw the link.
   */
  code: string;
  /** Groups and history parts the other device sent, as far as known, and parts stored. */
  groups: number;
  parts: number;
  stored: number;
}

/** Where a device link made on this device stands. */
export interface DeviceLinkProgress {
  /**
   * "asked": requests wait for the person to confirm one by its code (`confirmDeviceLink`);
   * "closed": two requests showed one code (someone else saw the link) or the person refused them.
   */
  state: "waiting" | "asked" | "answered" | "linked" | "expired" | "closed";
  /** The requests waiting to be confirmed: each device's name and code (several if the link was seen). */
  asks: { name: string; code: string }[];
  /** The new device's name, once it was answered. */
  name: string | null;
  /** Groups it was added to, and history parts sent to it. */
  groups: number;
  parts: number;
  expiresAt: number;
}

/** How a device's data is protected at rest (`RallyClient.security`). */
export interface DeviceSecurity {
  /**
   * "passphrase": the data key is wrapped by a key derived from the passphrase (scrypt), and a
   * copy of the files is unreadable without it. "device": the data key sits on this device beside
   * the data (in the browser as a key that cannot be exported), so whoever copies or opens the
   * device itself reads everything.
   */
  protection: "device" | "passphrase";
  /** True while the data key is not in memory: nothing can be read or sent until `unlock`. */
  locked: boolean;
  /** Wrong passphrases typed since the last unlock. */
  failedUnlocks: number;
  /** Whether a duress passphrase is set (always false while locked: the lock screen must not tell). */
  duress: boolean;
  /** Idle minutes before the web app locks itself; null: never. */
  autoLockMinutes: number | null;
}

/** What `invite` did with each device of the person. */
export interface InviteOutcome {
  /** Devices in a commit proposed now (confirmed, or sent when a relay takes it). */
  devices: number;
  /** Devices left for the commits after, added at the next sync. */
  waiting: number;
  /** Devices that cannot be added, with the reason in plain words (e.g. an expired key package). */
  unusable: { reason: string }[];
}

export interface GroupSummary {
  id: GroupRef;
  name: string;
  description: string;
  members: number;
  admin: boolean;
  relays: string[];
  unread: number;
  lastActivity: number | null;
  /**
   * "active"; "left" or "removed" once this device is out of the group (its history stays readable);
   * "rejoining" after recovering the account, until an admin's device lets this one back in.
   */
  status?: "active" | "invited" | "left" | "removed" | "rejoining";
  /** Disappearing messages: seconds after which messages are deleted (admins set it); null when off. */
  disappearAfter: number | null;
}

export interface Member {
  npub: Npub;
  pubkey: string;
  name: string;
  admin: boolean;
}

export interface PendingInvite {
  id: string;
  group: string;
  from: Npub;
  fromName: string;
  receivedAt: number;
}

export type SendState = "pending" | "sent" | "failed";

export interface ChatMessage {
  id: string;
  author: Npub;
  authorName: string;
  text: string;
  /** Unix seconds. */
  createdAt: number;
  /**
   * Milliseconds within `createdAt`'s second, as its author's clock gave them (0 when it did not
   * say): messages of one second are shown in this order (`compareEntries`). Always given by the
   * client; absent counts as 0.
   */
  ms?: number;
  replyTo: string | null;
  reactions: { emoji: string; authors: Npub[] }[];
  deleted: boolean;
  state: SendState;
}

/**
 * A change to the group, shown in its chat: joined (this device, through an invitation), added,
 * removed, left, admin (made an admin), unadmin (no longer an admin), renamed, description,
 * relays. Each device derives these from the changes it applied; nobody sends them.
 */
export type NoticeKind =
  | "joined"
  | "added"
  | "removed"
  | "left"
  | "admin"
  | "unadmin"
  | "renamed"
  | "description"
  | "relays"
  | "disappearing"
  /** A person's lost devices were replaced by one they recovered ("Alice's device was restored"). */
  | "restored"
  /** A person added a device of theirs ("Alice added a device"). */
  | "device-added"
  /** A person removed one of their devices ("Alice removed a device"). */
  | "device-removed"
  /**
   * Only on the inviting admin's devices: a device of the person they invited could not be added,
   * `value` says why ("A device of Bob could not be added: its key package has expired").
   */
  | "device-unusable";

/** Which page of a chat to read (`chat`, `chatHistory`). */
export interface ChatPageOptions {
  /** At most this many, the newest ones. */
  limit?: number;
  /** Strictly before this: a time (unix seconds) or the id of a message (or, in a history, a notice). */
  before?: number | string;
}

/** A line of a chat history that is not a message: "Alice removed Bob". */
export interface ChatNotice {
  type: "notice";
  /** Unique within the group's history. */
  id: string;
  /** Id of the change (the group commit) it comes from. */
  commit: string;
  /** Unix seconds. */
  createdAt: number;
  /** The group's state number after the change. */
  epoch: number;
  notice: NoticeKind;
  /** Who made the change (the inviter for "joined"). */
  actor: Npub | null;
  actorName: string | null;
  /** Whom it concerns, for changes about a person. */
  subject: Npub | null;
  subjectName: string | null;
  /** The new name, description or relays, for those changes; the timer in seconds for "disappearing" (null: off). */
  value: string | null;
  /** In plain words, as this person reads it ("You were removed by Alice"). */
  text: string;
}

/** One line of a chat history: a message, or a notice of a change to the group. */
export type ChatEntry =
  | (ChatMessage & {
      type: "message";
      /**
       * The group's state number the message was written in; given only for messages written in
       * the same second as a notice, where it decides which side of the notice they belong.
       */
      epoch?: number;
    })
  | ChatNotice;

export type RsvpStatus = "going" | "maybe" | "declined";

/**
 * An answer as it was sent, under Rally's one rule for every front end (the protocol's
 * `rsvpAnswer`, PROTOCOL.md 13): guests come along only with "going" (at most MAX_GUESTS); asked
 * for with another answer they are left out, and `guestsLeftOut` says how many.
 */
export interface RsvpAnswer {
  status: RsvpStatus;
  guests: number;
  guestsLeftOut: number;
  /** The occurrence answered (its `original`, as `OccurrenceView` writes it); absent: every one. */
  occurrence?: string;
}

export interface EventInput {
  title: string;
  /** ISO 8601 date-time (or YYYY-MM-DD when allDay). */
  start: string;
  end?: string;
  tz?: string;
  allDay?: boolean;
  location?: string;
  description?: string;
  image?: string;
  tags?: string[];
  capacity?: number;
  hostsOnlyRsvps?: boolean;
  /** Hosts approve answers from the web; the public page hides the place (docs/PROTOCOL.md §19). */
  approval?: boolean;
  hosts?: Npub[];
  /**
   * A repeating event (PROTOCOL.md 13.10): an RFC 5545 RRULE value in Rally's subset (e.g.
   * `FREQ=WEEKLY;BYDAY=TU`), ending at `until` (ISO 8601, read in the event's zone; a date means
   * the end of that day) or after `count` occurrences — one of the two at most. `null` in an edit
   * makes the event a single one again.
   */
  repeat?: { rule: string; until?: string; count?: number } | null;
}

/** One occurrence of a repeating event; times written as the event's `start` is. */
export interface OccurrenceView {
  /** Its original start: what names it (answering, cancelling), also once it was moved. */
  original: string;
  start: string;
  end: string | null;
  /** Cancelled: this occurrence alone, or the whole event. */
  status: "confirmed" | "cancelled";
  moved: boolean;
  /**
   * Answers for it: each person's answer for this occurrence, or else for every occurrence. With a
   * capacity each occurrence has its own places (PROTOCOL.md 13.5): `going` has a place that day,
   * `waitlist` waits for one, `asking` awaits a host's confirmation, as the event's `rsvps`.
   */
  rsvps: { going: Npub[]; maybe: Npub[]; declined: Npub[]; waitlist: Npub[]; asking: Npub[] };
  /** Guests brought that day by each "going" person who brings any. */
  guests: Record<Npub, number>;
  /** Places taken that day, guests counted; 0 when the answers are hidden. */
  seatsTaken: number;
  myRsvp: RsvpStatus | null;
  myGuests: number;
  /** One's own place that day, as the event's `myPlace`. */
  myPlace: "confirmed" | "asking" | "waitlist" | null;
}

export interface EventView {
  id: string;
  title: string;
  start: string;
  end: string | null;
  tz: string | null;
  allDay: boolean;
  location: string;
  description: string;
  image: string | null;
  tags: string[];
  status: "confirmed" | "cancelled";
  capacity: number | null;
  hostsOnlyRsvps: boolean;
  /** Hosts approve answers from the web (docs/PROTOCOL.md §19). */
  approval: boolean;
  author: Npub;
  hosts: Npub[];
  /**
   * `going`: people with a place; `waitlist`: confirmed in line, no place free; `asking`: answered
   * going, no host's device has confirmed a place yet (events with a capacity, PROTOCOL.md "Fair places").
   */
  rsvps: { going: Npub[]; maybe: Npub[]; declined: Npub[]; waitlist: Npub[]; asking: Npub[] };
  guests: Record<Npub, number>;
  myRsvp: RsvpStatus | null;
  /** One's own place: a host confirmed it, waiting, asking for one, or none (no going answer, or hidden). */
  myPlace: "confirmed" | "asking" | "waitlist" | null;
  /** The last change of one's place that one did not make, while it holds: "gained" or "lost". */
  placeChange: "gained" | "lost" | null;
  canEdit: boolean;
  /** Places taken, guests counted (people with a place and their guests); 0 when `rsvpsHidden`. */
  seatsTaken: number;
  /** Answers are sealed to the hosts and this person is not one: `rsvps` shows only their own. */
  rsvpsHidden: boolean;
  /** How many people answered (also when the answers themselves are hidden). */
  answers: number;
  /** Guests one brings with one's own going answer. */
  myGuests: number;
  /** NIP-52 `summary`: a short line about the event, when its author gave one. */
  summary: string | null;
  /** Unix seconds: when the event was first written, and when its newest version was. */
  createdAt: number;
  updatedAt: number;
  /**
   * A repeating event's rule (COUNT or UNTIL included), cancelled occurrences and moved ones (by
   * original start); null for a single event, whose `start`/`end` are then its only time.
   */
  repeat: {
    rule: string;
    cancelled: string[];
    moved: { original: string; start: string; end: string | null }[];
  } | null;
  /** A repeating event's next occurrences (up to 10 within a year), cancelled ones included. */
  occurrences: OccurrenceView[];
}

/** A group's public profile (docs/PROTOCOL.md §19). */
export interface PublicFaceInput {
  name: string;
  about?: string;
  picture?: string;
  website?: string;
}

/**
 * A group's public face as an admin's device knows it (`RallyClient.publicFace`): on or off, its
 * page, its profile, and the events published on it with their pages.
 */
export interface PublicFaceView {
  on: boolean;
  npub: string;
  url: string;
  profile: PublicFaceInput;
  events: { event: string; naddr: string; url: string }[];
}

/** One answer to an event, from the web (`via: "web"`) or from a member (`via: "rally"`). */
export interface PublicAnswerView {
  /** The web answer's id (for approve/refuse), or the member's npub. */
  id: string;
  name: string;
  status: RsvpStatus;
  guests: number;
  /** Counts as coming: approved, or waiting for no approval (the event needs none). */
  approved: boolean;
  decision: "approved" | "refused" | "pending";
  via: "web" | "rally";
  contact: string | null;
  note: string;
  /** Unix seconds. */
  at: number;
  /** For one occurrence of a repeating event: its original start (ISO 8601); null for all of them. */
  occurrence: string | null;
}

export interface PollView {
  id: string;
  question: string;
  dates: boolean;
  multiple: boolean;
  author: Npub;
  createdAt: number;
  /** Milliseconds within `createdAt`'s second, from its author (absent: 0; `compareWritten`). */
  ms?: number;
  options: { id: string; label: string; votes: Npub[] }[];
  myVote: string[];
}

export interface InviteLinkOptions {
  uses?: number;
  /** Seconds from now. */
  expiresIn?: number;
  approve?: boolean;
}

export interface InviteLinkInfo {
  id: string;
  url: string;
  uses: number | null;
  used: number;
  expiresAt: number | null;
  approve: boolean;
  revoked: boolean;
}

export type JoinState =
  | { state: "waiting"; group: string | null }
  | { state: "joined"; groupId: GroupRef; name: string }
  | { state: "refused"; reason: string };

export interface SyncReport {
  received: number;
  /**
   * Group messages refused because their sender's device reused a message key generation it had
   * already used (two writers on one device, or a hostile member); 0 when all is well.
   */
  senderFaults: number;
  sent: number;
  pendingOutbox: number;
  /** Items every relay refused for good during this round: not sent (`retry` sends them again). */
  failed: number;
  /** Why each of those was refused, in plain words. */
  refused: string[];
  relays: { url: string; connected: boolean; error?: string }[];
  /**
   * Plain-words notes about restoring groups after recovery (no backup found, a backup made under
   * other words, groups asked back into); absent when there is nothing to say.
   */
  notes?: string[];
}

/** How far this device's clock is from the relays' clocks. */
export interface ClockOffset {
  /** Device time minus relay time, in seconds: positive when the device is ahead. 0 within 30 s. */
  seconds: number;
  /** How many relays told their time. */
  relays: number;
}

/** What a one-shot command learns about delivery (`deliver`). */
export interface DeliveryReport {
  sent: number;
  pending: number;
  /**
   * Refused for good by every relay since the last delivery (or since this client opened): what
   * this delivery sent and what a step before it (catching up, settling a commit) sent.
   */
  failed: number;
  /** Why each of those was refused, in plain words ("ws://… said: event too large …"). */
  refused: string[];
  /** Relays that could not be reached, with the reason. */
  unreachable: { url: string; error: string }[];
  /**
   * Relays that refused something still pending because of its time (this device's clock is off):
   * it is stamped again and retried, never counted as sent before a relay takes it.
   */
  clockRefused: string[];
  /** This device's clock against the relays' (`clockOffset()`), once learned. */
  clock: ClockOffset | null;
}

/** How the device's relay connections are: the same states a single connection has. */
export type { ConnectionState };

/** Emitted after any local state change, so a UI can re-read what it shows. */
export type ChangeListener = (what: {
  group?: GroupRef;
  /**
   * What changed: "chat" (messages, reactions), "events" (events, answers, places), "polls"
   * (polls, votes), "names" (people's names in a group); a deletion may touch any of the first
   * three and is announced as each. "groups", "invites", "account", "connection" as they say.
   */
  kind: "account" | "groups" | "chat" | "events" | "polls" | "names" | "invites" | "connection";
}) => void;

/** What a change notice is about. */
export type ChangeKind = Parameters<ChangeListener>[0]["kind"];

export interface PendingJoin {
  id: string;
  name: string;
  requestedAt: number;
}

/**
 * Everything a person can do. Group arguments are `GroupRef`s (the CLI resolves unique names to
 * ids before calling). Methods throw `RallyError` with a plain-words message on bad input.
 */
export interface RallyClient {
  // account
  account(): Promise<AccountInfo | null>;
  createAccount(input: { name: string; relays?: string[] }): Promise<AccountInfo>;
  recoverAccount(input: { words: string; relays?: string[]; name?: string }): Promise<AccountInfo>;
  recoveryWords(): Promise<string>;
  setName(name: string): Promise<void>;
  setRelays(relays: string[]): Promise<void>;
  /**
   * Protects this device's data with a passphrase, changes it, or (null) removes it. Every stored
   * secret and message is encrypted under a data key; a new data key is made each time and the
   * whole store re-encrypted under it, so a copy of the files taken before is no help afterwards.
   * When a passphrase is already set, `current` must be it (a seized unlocked device cannot change
   * it); a wrong `current` fails with code "wrong-passphrase".
   */
  setPassphrase(passphrase: string | null, current?: string): Promise<void>;
  /**
   * Opens a locked device with its passphrase. A wrong one fails with code "wrong-passphrase" and
   * is counted (`security().failedUnlocks`); there is no lockout. The duress passphrase erases the
   * device instead and resolves as if it had opened: the device is then new and empty.
   */
  unlock(passphrase: string): Promise<void>;
  /** Locks the device now: live mode stops and every key leaves memory until `unlock`. */
  lock(): Promise<void>;
  /** How this device's data is protected; readable while locked (it holds nothing private). */
  security(): Promise<DeviceSecurity>;
  /**
   * A second passphrase that, typed where the passphrase is asked, silently erases the device
   * (null removes it). Needs a passphrase set, and must differ from it.
   */
  setDuressPassphrase(passphrase: string | null): Promise<void>;
  /** Minutes of inactivity after which the web app locks itself (null: never). Needs a passphrase. */
  setAutoLock(minutes: number | null): Promise<void>;
  /**
   * Erases this device: destroys the data key first (after which nothing stored can be read),
   * then the files. The client is closed afterwards. The account lives on in the recovery words.
   */
  erase(): Promise<void>;
  /**
   * An invite link opened before the account existed, kept encrypted in the store until it is
   * answered; forgotten after a day. Null clears it.
   */
  rememberInviteLink(link: string | null): Promise<void>;
  rememberedInviteLink(): Promise<string | null>;
  /**
   * A link (secret only in its fragment, single use, 10 minutes unless said otherwise) that another
   * device of this person opens to be linked: this device then adds it to every group and sends it
   * the history it holds, when it next syncs.
   */
  linkDevice(options?: {
    expiresInSeconds?: number;
    /**
     * Wait for the person to confirm the code the new device shows (`confirmDeviceLink`), so that
     * someone who saw the link gets nothing (default). False answers the first request unasked.
     */
    confirm?: boolean;
  }): Promise<{ link: string; expiresAt: number }>;
  /**
   * Links the device that asked with `code` (as it shows it: "482 915"). Refuses a code no request
   * has, and closes the link when two requests have it (someone else saw the link).
   */
  confirmDeviceLink(code: string): Promise<{ name: string }>;
  /** Closes this device's open links without answering anyone; how many were closed. */
  refuseDeviceLinks(): Promise<number>;
  /** The links this device made and where each stands. */
  deviceLinks(): Promise<DeviceLinkProgress[]>;
  /**
   * On a device without an account: asks the device that made `link` to link this one, named
   * `name`. The account, the groups and their history arrive with the following syncs.
   */
  addDevice(link: string, name: string): Promise<void>;
  /** This device's progress while it is being linked; null when it is not. */
  deviceJoining(): Promise<DeviceJoining | null>;
  /** The person's devices. */
  devices(): Promise<DeviceInfo[]>;
  /** Names this device (as the person's other devices and `devices()` show it). */
  setDeviceName(name: string): Promise<void>;
  /** Removes one of the person's other devices from every group; the number of groups. */
  revokeDevice(id: string): Promise<number>;
  /** An encrypted backup (ncryptsec + settings) as a JSON string. */
  exportBackup(passphrase: string): Promise<string>;

  // network
  /** One round: publish the outbox, fetch and process everything pending, then return. */
  sync(): Promise<SyncReport>;
  /**
   * For one-shot programs (the CLI): tries to deliver everything queued for up to `timeoutMs`
   * (default 5 s), waiting longer only while some relay is up, and says what went and what did not.
   */
  deliver(timeoutMs?: number): Promise<DeliveryReport>;
  /** Live mode: keep subscriptions open and process as things arrive (web app). */
  start(): Promise<void>;
  stop(): Promise<void>;
  /** Stops, then releases connections, the store and the device lock (the client is done). */
  close(): Promise<void>;
  connection(): ConnectionState;
  /**
   * How far this device's clock is from the relays' (null until a relay told its time). From a
   * minute off, Rally stamps what it sends with the relays' time; a change is announced as
   * "connection".
   */
  clockOffset(): Promise<ClockOffset | null>;
  onChange(listener: ChangeListener): () => void;

  // groups
  groups(): Promise<GroupSummary[]>;
  /** A group id from an id, a unique id prefix or a unique name (the CLI's GROUP argument). */
  resolveGroup(ref: string): Promise<GroupRef>;
  createGroup(input: { name: string; description?: string; relays?: string[] }): Promise<GroupSummary>;
  updateGroup(group: GroupRef, patch: { name?: string; description?: string }): Promise<void>;
  members(group: GroupRef): Promise<Member[]>;
  /** Makes a member an admin, or (false) no longer one. Admins only; a group keeps at least one. */
  setAdmin(group: GroupRef, npub: Npub, admin: boolean): Promise<void>;
  /**
   * Disappearing messages (admins only): every device deletes chat messages this many seconds after
   * they were written, and relays drop them too. 3600, 86400, 604800 or 2419200; null turns it off.
   */
  setDisappearing(group: GroupRef, seconds: number | null): Promise<void>;
  /**
   * Adds every device of a person: as many as fit one commit, the rest by the commits after it (at
   * once while the relays answer, else at the next sync). Says how many went in, how many wait, and
   * which devices could not be added at all.
   */
  invite(group: GroupRef, npub: Npub): Promise<InviteOutcome>;
  remove(group: GroupRef, npub: Npub): Promise<void>;
  leave(group: GroupRef): Promise<void>;
  invites(): Promise<PendingInvite[]>;
  acceptInvite(id: string): Promise<GroupSummary>;
  declineInvite(id: string): Promise<void>;
  /** Drops every invitation from this person, now and later. */
  blockInviter(person: Npub): Promise<{ dropped: number }>;

  // invite links
  createInviteLink(group: GroupRef, options: InviteLinkOptions): Promise<InviteLinkInfo>;
  inviteLinks(group: GroupRef): Promise<InviteLinkInfo[]>;
  revokeInviteLink(group: GroupRef, linkId: string): Promise<void>;
  join(link: string): Promise<JoinState>;
  /** How an earlier `join(link)` is going, without sending anything; null when never asked. */
  joinState(link: string): Promise<JoinState | null>;
  pendingJoins(group: GroupRef): Promise<PendingJoin[]>;
  approveJoin(group: GroupRef, requestId: string): Promise<void>;

  // chat
  sendChat(group: GroupRef, text: string, options?: { replyTo?: string }): Promise<ChatMessage>;
  /**
   * Messages, oldest first: the newest `limit` before `before` — a time (unix seconds, strictly
   * earlier) or a message's id (strictly before it). Reading a page costs the same however long
   * the history is.
   */
  chat(group: GroupRef, options?: ChatPageOptions): Promise<ChatMessage[]>;
  /**
   * Messages and notices of changes to the group ("Alice removed Bob"), oldest first; `before`
   * may also be a notice's id.
   */
  chatHistory(group: GroupRef, options?: ChatPageOptions): Promise<ChatEntry[]>;
  react(group: GroupRef, messageId: string, emoji: string): Promise<void>;
  deleteMessage(group: GroupRef, messageId: string): Promise<void>;
  markRead(group: GroupRef): Promise<void>;
  /**
   * Sends again what every relay refused for good in this group (its messages, reactions, events,
   * answers and polls; not changes to the group, which are made again instead) — or only this one
   * message of ours. Returns how many items were queued again; 0 when nothing was refused.
   */
  retry(group: GroupRef, messageId?: string): Promise<number>;

  // events
  createEvent(group: GroupRef, input: EventInput): Promise<EventView>;
  editEvent(group: GroupRef, eventId: string, patch: Partial<EventInput>): Promise<EventView>;
  cancelEvent(group: GroupRef, eventId: string): Promise<void>;
  /**
   * Cancels one occurrence of a repeating event, named by its start (ISO 8601; a local time is
   * read in the event's zone, a date names that day's occurrence). Not an occurrence: a
   * "bad-input" error naming the nearest ones. Returns the occurrence's original start as the
   * event writes it, and the event.
   */
  cancelOccurrence(
    group: GroupRef,
    eventId: string,
    occurrence: string,
  ): Promise<{ occurrence: string; event: EventView }>;
  /**
   * Moves one occurrence of a repeating event (named as for cancelOccurrence) to another start
   * (ISO 8601 in the event's zone) and end (default: as long as the others).
   */
  moveOccurrence(
    group: GroupRef,
    eventId: string,
    occurrence: string,
    to: { start: string; end?: string },
  ): Promise<{ occurrence: string; event: EventView }>;
  /** With `occurrence` (as for cancelOccurrence), the answer is for that occurrence only. */
  rsvp(
    group: GroupRef,
    eventId: string,
    status: RsvpStatus,
    guests?: number,
    options?: { occurrence?: string },
  ): Promise<RsvpAnswer>;
  events(group?: GroupRef): Promise<(EventView & { group: GroupRef })[]>;
  eventIcs(group: GroupRef, eventId?: string): Promise<string>;
  importIcs(group: GroupRef, ics: string): Promise<EventView[]>;

  // public face (admins)
  setPublicFace(
    group: GroupRef,
    input: PublicFaceInput | { off: true },
  ): Promise<{ npub: string; url: string }>;
  publishEvent(group: GroupRef, eventId: string): Promise<{ naddr: string; url: string }>;
  unpublishEvent(group: GroupRef, eventId: string): Promise<void>;
  eventAnswers(group: GroupRef, eventId: string): Promise<PublicAnswerView[]>;
  /** The public face as this device knows it (admins' devices hold it); null when it has none. */
  publicFace(group: GroupRef): Promise<PublicFaceView | null>;
  decideAnswer(
    group: GroupRef,
    eventId: string,
    answerId: string,
    decision: "approved" | "refused",
  ): Promise<void>;

  // polls
  createPoll(
    group: GroupRef,
    input: { question: string; options: string[]; dates?: boolean; multiple?: boolean },
  ): Promise<PollView>;
  vote(group: GroupRef, pollId: string, optionIds: string[]): Promise<void>;
  polls(group: GroupRef): Promise<PollView[]>;
}

/** An error whose message is meant for the person using Rally, in plain words. */
export class RallyError extends Error {
  constructor(
    message: string,
    readonly code: string = "error",
  ) {
    super(message);
    this.name = "RallyError";
  }
}
