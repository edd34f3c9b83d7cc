/**
 * What a device keeps about each group besides its MLS state (kv `group/<id>`): a cache of the group
 * data (name, description, admins, relays) and members read from the MLS state, the routing keys of
 * the current and a few past epochs, the facts the application reducer needs (admins per epoch,
 * when people were removed), read markers, and the commit this device proposed that is not settled
 * yet.
 *
 * The id is the hex MLS group id: every member's device uses the same one, and it never reaches a
 * relay (it exists only inside MLS ciphertext, which the kind 445 layer encrypts again).
 *
 * Runs in: Node and browsers (pure).
 */
import type { NostrEvent } from "nostr-tools/core";

export type GroupStatus = "invited" | "active" | "left" | "removed";

/** One epoch's transport keys: the exporter secret (hex) and the routing tag derived from it. */
export interface EpochKey {
  epoch: number;
  tag: string;
  secret: string;
  /**
   * Unix seconds, this device's clock: when the epoch began as this device knows it (the time of
   * the commit that made it, never later than this device read it; or when this device joined in
   * it). Messages carried in the epoch are filed no earlier (appViews.ts). Absent in records
   * written before it was kept: no floor.
   */
  since?: number;
}

/** Someone to add: their key package event and where their welcome goes. */
export interface Invitee {
  pubkey: string;
  keyPackageEvent: NostrEvent;
  inbox: string[];
  /** Set when they asked through an invite link (link id and request id). */
  via?: { link: string; request: string };
}

/** A change this device wants in the group; kept so it can be proposed again if another commit wins. */
export type Intent =
  /** `retire`: devices (hex MLS signature keys) removed in the same commit (a restored device's lost ones). */
  | { type: "add"; invitees: Invitee[]; retire?: string[] }
  | { type: "remove"; pubkeys: string[] }
  /** Devices by their MLS signature key (hex): a person revoking a device of their own. */
  | { type: "removeDevices"; devices: string[] }
  | {
      type: "data";
      patch: { name?: string; description?: string; admins?: string[]; disappearAfter?: number | null };
    }
  | { type: "proposals" }
  /**
   * This device's own key update (an empty commit with a fresh path): after joining, or when the
   * tree has many wide parents on its direct path (group/keyUpdates.ts).
   */
  | { type: "update"; why: "joined" | "tree" };

/** A commit this device published and has not yet seen win on a relay. */
export interface PendingCommit {
  /** Id of the kind 445 event carrying the commit. */
  eventId: string;
  createdAt: number;
  /** The epoch the commit builds on. */
  baseEpoch: number;
  intent: Intent;
  /** Gift-wrapped welcomes, sent once the commit has won (MIP-02: never before a relay holds it). */
  welcomes: { event: NostrEvent; relays: string[]; pubkey: string }[];
  /** Encrypted ratchet tree chunks, sent with the welcomes when the tree is not inside them. */
  treeChunks: NostrEvent[];
}

export interface GroupRecord {
  v: 1;
  id: string;
  status: GroupStatus;
  name: string;
  description: string;
  admins: string[];
  relays: string[];
  /**
   * Disappearing messages: seconds after which chat messages are deleted (group data, set by
   * admins); null when off. Absent in records written before it was kept: off.
   */
  disappearAfter?: number | null;
  /** Hex pubkeys of current members. */
  members: string[];
  epoch: number;
  /** Newest first: current epoch, then retained past epochs. */
  keys: EpochKey[];
  adminsByEpoch: Record<string, string[]>;
  /** Former members → unix seconds of the commit that removed them. */
  removedAt: Record<string, number>;
  /** Unix seconds. */
  joinedAt: number;
  lastActivity: number | null;
  /** created_at of the newest message the person has seen (unread counts). */
  lastRead: number;
  pending: PendingCommit | null;
  /** Set while the group is a pending invite. */
  invite: { id: string; from: string; receivedAt: number } | null;
  /** Why the group ended for this device, when it did. */
  endedAt: number | null;
  /**
   * The commit that took the group into its current epoch, kept so that a better commit for the
   * same epoch arriving late can replace it (the state before it is kept beside the current one).
   * Absent in records written before commits were ranked, and after joining.
   */
  lastCommit?: AppliedCommit | null;
}

/** A commit this device applied, with what it needs to be ranked against a late rival. */
export interface AppliedCommit {
  /** The epoch the commit built on. */
  epoch: number;
  /** Id of the kind 445 event carrying it. */
  id: string;
  /** The committer was an admin (and member) of that epoch. */
  byAdmin: boolean;
  /** Who committed it (absent in records written before it was kept). */
  committer?: string;
  /** Who it removed. */
  removed?: string[];
  /**
   * Someone other than the committer wrote or committed in the epoch it made: the group went on
   * from it, so a rival arriving later no longer replaces it.
   */
  followed?: boolean;
  /** Set when the commit was this device's own: the change to propose again if it is replaced. */
  intent?: Intent;
}

/** Past epochs whose keys are kept, as the MLS engine keeps their secrets (late messages still open). */
export const RETAINED_EPOCHS = 3;

/** The keys list after moving to a new epoch. */
export function withEpochKey(keys: readonly EpochKey[], next: EpochKey): EpochKey[] {
  return [next, ...keys.filter((k) => k.epoch !== next.epoch)]
    .sort((a, b) => b.epoch - a.epoch)
    .slice(0, RETAINED_EPOCHS + 1);
}

export function isLive(record: GroupRecord): boolean {
  return record.status === "active" || record.status === "invited";
}
