/**
 * Welcomes (Marmot MIP-02, docs/PROTOCOL.md "Welcomes"): gift wraps addressed to the person, read
 * from their inbox relays over the authenticated connection (relays serve kind 1059 only to its
 * recipient). Two cases:
 *
 * - A welcome that answers this device's own join request (invite link) is joined at once: it
 *   must carry the answer to that request (`joinAnswer` over the request's secret nonce). The key
 *   package in a request is the person's *published* one, so matching on it alone would let anyone
 *   answer a pending join with a look-alike group.
 * - Any other welcome is an *invitation* and stays inert until the person accepts it: nothing is
 *   fetched (no ratchet-tree pieces), no relay the inviter named is contacted, no name is sent and
 *   the group is not synced. What `rally invites` shows is read from the welcome alone: the
 *   inviter, their name as the welcome states it, and — when the tree travels inside the welcome —
 *   the group's name, by joining locally without keeping anything. Invitations from an inviter the
 *   person blocked are dropped without a trace.
 *
 * Runs in: Node and browsers. The caller holds `core.exclusive`.
 */

import {
  type GroupState,
  groupData,
  groupId,
  joinFromWelcome,
  members,
  epoch as stateEpoch,
} from "@rally/protocol/mls";
import { openRatchetTree, type ReceivedWelcome, unwrapWelcome } from "@rally/protocol/wire";
import type { NostrEvent } from "nostr-tools/core";
import { rallyError } from "../errors.ts";
import type { GroupRecord } from "../group/groupRecord.ts";
import type { GroupService } from "../group/groupService.ts";
import type { JoinSent } from "../group/inviteLinks.ts";
import { joinedKeyUpdateOp } from "../group/keyUpdates.ts";
import { stateOps } from "../group/mlsStore.ts";
import { joinedNoticeOps } from "../group/notices.ts";
import { hexToBytes } from "../hex.ts";
import { keys } from "../store/keys.ts";
import type { WriteOp } from "../store/store.ts";

/** The `seen` collection's name for the person's own inbox (gift wraps). */
export const INBOX = "inbox";

/** Inviters whose welcomes are dropped (kv `blocked/<pubkey>`). */
export const blockedKey = (pubkey: string) => `blocked/${pubkey}`;

/** A welcome that answers no request of ours, kept until the person accepts or declines it. */
export interface InvitationRecord {
  /** The group id when the welcome shows it, else the welcome's rumor id. */
  id: string;
  /** The gift wrap, opened again on acceptance. */
  wrap: NostrEvent;
  from: string;
  /** The inviter's name as the welcome states it. */
  fromName: string | null;
  /** The group's name, "" when it can only be read after joining (tree not in the welcome). */
  group: string;
  groupId: string | null;
  /** Members in the welcome's tree, when it travels inside the welcome. */
  members: number | null;
  /** The epoch the welcome joins, when the tree travels inside it (absent in older records). */
  epoch?: number;
  /** When the inviter made the welcome (their clock). */
  sentAt: number;
  receivedAt: number;
}

export interface WelcomeOutcome {
  /** Groups joined at once (our own join requests) and invitations received. */
  joined: { id: string; autoAccepted: boolean }[];
}

/** Opens every new welcome among `wraps`: joins answers to our requests, keeps the rest as invitations. */
export async function processWelcomes(
  svc: GroupService,
  wraps: readonly NostrEvent[],
): Promise<WelcomeOutcome> {
  const store = svc.core.store;
  const outcome: WelcomeOutcome = { joined: [] };
  const fresh = [...new Map(wraps.map((w) => [w.id, w])).values()];
  const seen = await store.seen(
    INBOX,
    fresh.map((w) => w.id),
  );
  const { secretKey } = svc.core.requireSecrets();
  for (const wrap of fresh) {
    if (seen.has(wrap.id)) continue;
    let welcome: ReceivedWelcome;
    try {
      welcome = unwrapWelcome(wrap, secretKey);
    } catch {
      await markSeen(svc, wrap.id); // not a welcome for us (or a join request, or damaged)
      continue;
    }
    if (await store.get(blockedKey(welcome.inviter))) {
      await markSeen(svc, wrap.id);
      continue;
    }
    const kp = await svc.account.keyPackages.privatePart(welcome.keyPackageEventId);
    if (!kp) {
      await markSeen(svc, wrap.id); // made for a key package this device never had (or pruned)
      continue;
    }
    const joins = await store.list<JoinSent>(keys.joinSentPrefix);
    const answered = joins.find(
      (j) =>
        j.value.state === "waiting" &&
        j.value.keyPackageEventId === welcome.keyPackageEventId &&
        j.value.answer !== undefined &&
        welcome.answer !== null &&
        j.value.answer === welcome.answer,
    );
    // A welcome from the person's own identity comes from another device of theirs (only their
    // devices hold the key that signs it): a linked or restored device joins at once.
    const fromOwnDevice = welcome.inviter === svc.me();
    if (answered || fromOwnDevice) {
      let joined: { id: string } | "retry" | null;
      try {
        joined = await joinWelcome(svc, welcome, kp.private, [
          { op: "markSeen", group: INBOX, ids: [wrap.id], at: svc.core.now() },
        ]);
      } catch {
        joined = null;
      }
      if (joined === "retry") continue; // tree pieces not on the relays yet: next sync
      if (joined === null) {
        await markSeen(svc, wrap.id);
        continue;
      }
      if (answered) {
        await store.batch([
          {
            op: "put",
            key: answered.key,
            value: { ...answered.value, state: "joined", groupId: joined.id },
          },
        ]);
      }
      outcome.joined.push({ id: joined.id, autoAccepted: true });
      svc.core.emit("groups", joined.id);
      continue;
    }
    const invitation = await inviteFrom(svc, wrap, welcome, kp.private);
    // Invited, removed and invited again while this device was away: two welcomes into one group
    // arrive together, in no set order. Only the later epoch's can be accepted for good (the
    // earlier one leads into a state its removal follows).
    const kept = invitation && (await store.get<InvitationRecord>(keys.invite(invitation.id)));
    if (invitation === null || (kept && supersedes(kept, invitation))) {
      await markSeen(svc, wrap.id);
      continue;
    }
    await store.batch([
      { op: "put", key: keys.invite(invitation.id), value: invitation },
      { op: "markSeen", group: INBOX, ids: [wrap.id], at: svc.core.now() },
    ]);
    outcome.joined.push({ id: invitation.id, autoAccepted: false });
    svc.core.emit("invites", invitation.id);
  }
  return outcome;
}

/**
 * The invitation a welcome makes, read without any network: with the tree inside the welcome the
 * group is joined locally (nothing is kept) to read its id, name and size. Null for a welcome that
 * does not open, or into a group this device is already in.
 */
async function inviteFrom(
  svc: GroupService,
  wrap: NostrEvent,
  welcome: ReceivedWelcome,
  privateKeyPackage: string,
): Promise<InvitationRecord | null> {
  let state: GroupState | null = null;
  if (!welcome.ratchetTree) {
    try {
      state = await joinFromWelcome(welcome.welcome, hexToBytes(privateKeyPackage));
    } catch {
      return null;
    }
  }
  const gid = state ? groupId(state) : null;
  if (gid !== null && state !== null) {
    const existing = await svc.core.store.get<GroupRecord>(keys.group(gid));
    if (existing && stillIn(existing, state)) return null;
  }
  return {
    id: gid ?? welcome.rumorId,
    wrap,
    from: welcome.inviter,
    fromName: welcome.inviterName,
    group: state ? groupData(state).name : "",
    groupId: gid,
    members: state ? new Set(members(state).map((m) => m.pubkey)).size : null,
    ...(state ? { epoch: Number(stateEpoch(state)) } : {}),
    sentAt: welcome.createdAt,
    receivedAt: svc.core.now(),
  };
}

/**
 * Joins the group of `welcome` as an active member: fetches the tree from the welcome's relays
 * when it travels beside the welcome ("retry" while its pieces are not there yet), stores the MLS
 * state and the group record, schedules its first key update, and marks the key package used.
 * Null for a group we are already in.
 */
async function joinWelcome(
  svc: GroupService,
  welcome: ReceivedWelcome,
  privateKeyPackage: string,
  extraOps: WriteOp[],
): Promise<{ id: string } | "retry" | null> {
  const store = svc.core.store;
  let tree: Uint8Array | undefined;
  if (welcome.ratchetTree) {
    const ref = welcome.ratchetTree;
    const { events } = await svc.core.transport.fetch(svc.core.transport.anonymous, welcome.relays, [
      { ids: ref.events },
    ]);
    try {
      tree = openRatchetTree(ref, events);
    } catch {
      return "retry";
    }
  }
  const state = await joinFromWelcome(welcome.welcome, hexToBytes(privateKeyPackage), tree);
  const id = groupId(state);
  const existing = await store.get<GroupRecord>(keys.group(id));
  if (existing && stillIn(existing, state)) {
    if (extraOps.length > 0) await store.batch(extraOps); // a second welcome into a group we are in
    return null;
  }
  const now = svc.core.now();
  const base: GroupRecord = {
    v: 1,
    id,
    status: "active",
    name: "",
    description: "",
    admins: [],
    relays: welcome.relays,
    members: [],
    epoch: 0,
    keys: [],
    adminsByEpoch: {},
    removedAt: {},
    joinedAt: now,
    lastActivity: welcome.createdAt,
    lastRead: now,
    pending: null,
    invite: null,
    endedAt: null,
  };
  // "You joined; invited by Alice" opens this device's history of the group (notices.ts), and what
  // the epoch joined in carries is filed no earlier (appViews.ts `filedAt`).
  const joinedAt = Math.min(welcome.createdAt, now);
  const rec = await svc.refreshed({ ...existing, ...base }, state, joinedAt);
  const notice = { group: id, me: svc.me(), inviter: welcome.inviter, welcomeId: welcome.rumorId };
  await store.batch([
    ...stateOps(id, state, "all"),
    svc.putRecord(rec),
    ...joinedNoticeOps({ ...notice, epoch: rec.epoch, at: joinedAt }),
    // A newcomer commits its own key update soon (group/keyUpdates.ts): it sets the parents above
    // it, which Adds leave blank, and replaces the key its key package published.
    joinedKeyUpdateOp(id, rec.members.length, now),
    ...extraOps,
  ]);
  await svc.account.keyPackages.markUsed(welcome.keyPackageEventId);
  return { id };
}

/**
 * Whether this device is still in the group a welcome is for. A welcome for a later epoch than the
 * device's own means it was removed (and added again) while it was not syncing: the welcome wins.
 */
function stillIn(existing: GroupRecord, state: GroupState): boolean {
  if (existing.status !== "active" && existing.status !== "invited") return false;
  return Number(stateEpoch(state)) <= existing.epoch;
}

/** Whether a kept invitation into a group is for a later epoch than another one into it. */
function supersedes(kept: InvitationRecord, other: InvitationRecord): boolean {
  return kept.epoch !== undefined && other.epoch !== undefined && kept.epoch >= other.epoch;
}

/** Stored invitations, oldest first. */
export async function invitations(svc: GroupService): Promise<InvitationRecord[]> {
  const rows = await svc.core.store.list<InvitationRecord>(keys.invitePrefix);
  return rows.map((r) => r.value).sort((a, b) => a.receivedAt - b.receivedAt || (a.id < b.id ? -1 : 1));
}

/** The invitation `ref` names (its id or a unique prefix of it), if any. */
export async function findInvitation(svc: GroupService, ref: string): Promise<InvitationRecord | null> {
  const all = await invitations(svc);
  const exact = all.find((i) => i.id === ref);
  if (exact) return exact;
  const byPrefix = ref.length >= 4 ? all.filter((i) => i.id.startsWith(ref)) : [];
  return byPrefix.length === 1 ? (byPrefix[0] ?? null) : null;
}

/**
 * Accepts an invitation: only now is the tree fetched (from the relays the welcome names) and the
 * group joined. Returns the group's id; the caller syncs the group and sends the person's name.
 */
export async function acceptInvitation(svc: GroupService, invitation: InvitationRecord): Promise<string> {
  const { secretKey } = svc.core.requireSecrets();
  const welcome = unwrapWelcome(invitation.wrap, secretKey);
  const kp = await svc.account.keyPackages.privatePart(welcome.keyPackageEventId);
  if (!kp) {
    await svc.core.store.batch([{ op: "delete", key: keys.invite(invitation.id) }]);
    throw rallyError(
      "unknown-invite",
      "This invitation was made for a key this device no longer has. Ask to be invited again.",
    );
  }
  let joined: { id: string } | "retry" | null;
  try {
    joined = await joinWelcome(svc, welcome, kp.private, [{ op: "delete", key: keys.invite(invitation.id) }]);
  } catch {
    await svc.core.store.batch([{ op: "delete", key: keys.invite(invitation.id) }]);
    throw rallyError("unknown-invite", "This invitation cannot be opened any more. Ask to be invited again.");
  }
  if (joined === "retry") {
    throw rallyError(
      "unreachable",
      "The group's relays do not have what is needed to join yet. Try again in a moment.",
    );
  }
  if (joined === null) {
    throw rallyError("unknown-invite", "You are already in this group.");
  }
  return joined.id;
}

/** Forgets an invitation. Nothing is sent: the inviter is not told, and no relay is contacted. */
export async function declineInvitation(svc: GroupService, invitation: InvitationRecord): Promise<void> {
  await svc.core.store.batch([{ op: "delete", key: keys.invite(invitation.id) }]);
}

/** Drops every invitation from `pubkey`, now and later. */
export async function blockInviter(svc: GroupService, pubkey: string): Promise<number> {
  const theirs = (await invitations(svc)).filter((i) => i.from === pubkey);
  await svc.core.store.batch([
    { op: "put", key: blockedKey(pubkey), value: { at: svc.core.now() } },
    ...theirs.map((i): WriteOp => ({ op: "delete", key: keys.invite(i.id) })),
  ]);
  return theirs.length;
}

async function markSeen(svc: GroupService, id: string): Promise<void> {
  await svc.core.store.batch([{ op: "markSeen", group: INBOX, ids: [id], at: svc.core.now() }]);
}
