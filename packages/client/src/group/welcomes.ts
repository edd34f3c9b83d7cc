/**
 * Welcomes (Marmot MIP-02, docs/PROTOCOL.md "Welcomes"): gift wraps addressed to the person, read
 * from their inbox relays over the authenticated connection (relays serve kind 1059 only to its
 * recipient). A welcome is opened with the private part of the key package it names and joined at
 * once — joining sends nothing and is the only way to read the group's name and members — but the
 * group stays a *pending invite* (`rally invites`) until the person accepts it: only then does the
 * device speak in the group. A welcome that answers this device's own join request (invite link)
 * is accepted without asking.
 *
 * Runs in: Node and browsers. The caller holds `core.exclusive`.
 */
import { openRatchetTree, type ReceivedWelcome, unwrapWelcome } from "@rally/protocol/marmot/index.ts";
import { type GroupState, groupId, joinFromWelcome } from "@rally/protocol/mls/index.ts";
import type { NostrEvent } from "nostr-tools/core";
import { hexToBytes } from "../core/hex.ts";
import { keys } from "../store/keys.ts";
import type { WriteOp } from "../store/store.ts";
import type { GroupRecord } from "./groupRecord.ts";
import type { GroupService } from "./groupService.ts";
import { stateOps } from "./mlsStore.ts";

/** The `seen` collection's name for the person's own inbox (gift wraps). */
export const INBOX = "inbox";

/** What this device sent through an invite link and is waiting for. */
export interface JoinSent {
  linkPubkey: string;
  name: string | null;
  relays: string[];
  keyPackageEventId: string;
  requestedAt: number;
  state: "waiting" | "joined";
  groupId: string | null;
}

export interface WelcomeOutcome {
  /** Groups newly joined (pending invites, or accepted at once for our own join requests). */
  joined: { id: string; autoAccepted: boolean }[];
}

/** Opens and joins every new welcome among `wraps`. */
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
    const kp = await svc.account.keyPackages.privatePart(welcome.keyPackageEventId);
    if (!kp) {
      await markSeen(svc, wrap.id); // made for a key package this device never had (or pruned)
      continue;
    }
    let tree: Uint8Array | undefined;
    if (welcome.ratchetTree) {
      const ref = welcome.ratchetTree;
      const { events } = await svc.core.transport.fetch(svc.core.transport.anonymous, welcome.relays, [
        { ids: ref.events },
      ]);
      try {
        tree = openRatchetTree(ref, events);
      } catch {
        continue; // pieces not on the relays yet: try again at the next sync
      }
    }
    let state: GroupState;
    try {
      state = await joinFromWelcome(welcome.welcome, hexToBytes(kp.private), tree);
    } catch {
      await markSeen(svc, wrap.id);
      continue;
    }
    const id = groupId(state);
    const existing = await store.get<GroupRecord>(keys.group(id));
    if (existing && (existing.status === "active" || existing.status === "invited")) {
      await markSeen(svc, wrap.id); // a second welcome into a group we are in
      continue;
    }
    const joins = await store.list<JoinSent>(keys.joinSentPrefix);
    const answered = joins.find(
      (j) => j.value.state === "waiting" && j.value.keyPackageEventId === welcome.keyPackageEventId,
    );
    const now = svc.core.now();
    const base: GroupRecord = {
      v: 1,
      id,
      status: answered ? "active" : "invited",
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
      invite: { id, from: welcome.inviter, receivedAt: now },
      endedAt: null,
    };
    const rec = await svc.refreshed({ ...existing, ...base }, state);
    const ops: WriteOp[] = [
      ...stateOps(id, state, "all"),
      svc.putRecord(rec),
      { op: "markSeen", group: INBOX, ids: [wrap.id], at: now },
    ];
    if (answered) {
      ops.push({ op: "put", key: answered.key, value: { ...answered.value, state: "joined", groupId: id } });
    }
    await store.batch(ops);
    await svc.account.keyPackages.markUsed(welcome.keyPackageEventId);
    outcome.joined.push({ id, autoAccepted: answered !== undefined });
    svc.core.emit(answered ? "groups" : "invites", id);
  }
  return outcome;
}

async function markSeen(svc: GroupService, id: string): Promise<void> {
  await svc.core.store.batch([{ op: "markSeen", group: INBOX, ids: [id], at: svc.core.now() }]);
}
