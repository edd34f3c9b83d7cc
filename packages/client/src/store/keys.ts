/**
 * The key layout of the `kv` and `blobs` collections, in one place so that every part of the
 * client names records the same way and a prefix lists exactly one kind of record.
 *
 * Runs in: Node and browsers (pure).
 */
import type { GroupKey } from "./store.ts";

export const keys = {
  /** The account: key material (possibly NIP-49 encrypted), name, relays. */
  account: "account",
  /** Device settings. */
  settings: "settings",
  /**
   * The `created_at` and milliseconds of the last rumor this device wrote (group/groupService.ts):
   * the next one is stamped after it, so one device's messages keep their order within a second.
   */
  lastStamp: "last-stamp",
  /** This device's MLS identity and key package slot. */
  device: "device",

  /** A group's metadata (name, relays, read marker, …). List all with `groupPrefix`. */
  group: (group: GroupKey) => `group/${group}`,
  groupPrefix: "group/",
  /** Set once every stored reaction and deletion records what it acts on (`StoredRumor.refs`). */
  refsIndexed: "refs-indexed",
  /** Where catching up with each routing tag starts (sync/tagCursors.ts). */
  tagCursors: "tag-cursors",

  /** A received invite (a welcome not yet accepted). */
  invite: (id: string) => `invite/${id}`,
  invitePrefix: "invite/",

  /** The private part of one of our key packages, by key-package reference/event id. */
  keyPackage: (id: string) => `keypackage/${id}`,
  keyPackagePrefix: "keypackage/",

  /** An invite link a group admin made. */
  inviteLink: (group: GroupKey, id: string) => `link/${group}/${id}`,
  inviteLinkPrefix: (group: GroupKey) => `link/${group}/`,

  /** A join request this device sent through an invite link, by the link's pubkey. */
  joinSent: (linkPubkey: string) => `join/${linkPubkey}`,
  joinSentPrefix: "join/",

  /** A join request that arrived through one of a group's invite links, by request id. */
  joinRequest: (group: GroupKey, id: string) => `joinreq/${group}/${id}`,
  joinRequestPrefix: (group: GroupKey) => `joinreq/${group}/`,

  /** Events that arrived before they could be processed (e.g. for an epoch not reached yet). */
  pendingEvent: (group: GroupKey, id: string) => `pending/${group}/${id}`,
  pendingEventPrefix: (group: GroupKey) => `pending/${group}/`,

  /** The notices ("Alice removed Bob") a group commit brought, by the commit's event id. */
  notice: (group: GroupKey, commit: string) => `notice/${group}/${commit}`,
  noticePrefix: (group: GroupKey) => `notice/${group}/`,

  /** The place this device last saw its person hold at one event (placeSequencer.ts). */
  myPlace: (group: GroupKey, event: string) => `place/${group}/${event}`,
  myPlacePrefix: (group: GroupKey) => `place/${group}/`,

  /** A group's public face: its public key's secret, profile, keys to retire (group/publicFace.ts). */
  publicFace: (group: GroupKey) => `face/${group}`,
  /** An event published under a group's public key, by private event id. */
  publication: (group: GroupKey, event: string) => `publication/${group}/${event}`,
  publicationPrefix: (group: GroupKey) => `publication/${group}/`,
  /** An answer from the web to a group's public event, by answer id. */
  webAnswer: (group: GroupKey, id: string) => `webanswer/${group}/${id}`,
  webAnswerPrefix: (group: GroupKey) => `webanswer/${group}/`,

  /** Where a subscription got to on one relay (e.g. the newest `created_at` seen). */
  cursor: (relay: string, subscription: string) => `cursor/${relay} ${subscription}`,
  cursorPrefix: "cursor/",
} as const;

export const blobKeys = {
  /** The MLS epoch state: rewritten only when the epoch changes. */
  groupEpoch: (group: GroupKey) => `mls/${group}/epoch`,
  /** The MLS per-message state (secret-tree ratchets): small, rewritten per message. */
  groupMessages: (group: GroupKey) => `mls/${group}/messages`,
  /** Past epochs kept for late messages, by epoch number. */
  groupPastEpoch: (group: GroupKey, epoch: bigint | number) => `mls/${group}/past/${epoch}`,
  groupPrefix: (group: GroupKey) => `mls/${group}/`,
} as const;
