/**
 * Receiving group messages (DESIGN.md "How data flows", receiving side; Marmot MIP-03):
 *
 *   fetch kind 445 by the routing tags of each group's current and retained epochs
 *   → skip event ids the group already processed (store `seen`: replays are ignored)
 *   → unwrap with the tag's epoch key (forged or damaged events are ignored and remembered)
 *   → order: by epoch; proposals, then application messages, then commits (the engine's rule,
 *     `compareCommits`: among the commits of one epoch that apply, an admin's wins over a member's,
 *     then the lowest event id; `created_at` counts for nothing, since any sender chooses it; the
 *     others are dropped, or rolled back when the winner arrives later)
 *   → MLS process (the engine enforces admin rules) → inner rumor → sender check → store
 *   → persist the state: the message part only, unless the epoch changed.
 *
 * A new epoch brings a new routing tag, so a sync fetches again until no group moves. A commit of
 * our own that is found on a relay and wins becomes our state and releases its welcomes; one that
 * loses is dropped and its change proposed again on top of the winner.
 *
 * Runs in: Node and browsers. The caller holds `core.exclusive`.
 */

import { KIND_SEALED, RALLY_INNER_KINDS } from "@rally/protocol/app";
import {
  type CommitRank,
  compareCommits,
  type GroupState,
  isAdmin,
  isMlsEngineError,
  type MessageInfo,
  members as mlsMembers,
  orderForProcessing,
  type ProcessOutput,
  peekMessage,
  pendingProposalCount,
  process,
  processBatch,
  epoch as stateEpoch,
} from "@rally/protocol/mls";
import type { PubkeyHex } from "@rally/protocol/nostr";
import { KIND_GROUP_MESSAGE } from "@rally/protocol/nostr";
import {
  checkRumorSender,
  decodeInnerRumor,
  groupMessageFilter,
  unwrapGroupMessage,
} from "@rally/protocol/wire";
import type { NostrEvent } from "nostr-tools/core";
import type { Filter } from "nostr-tools/filter";
import { filedAt, storedRumorOf, withFloor } from "../group/appViews.ts";
import { changeKindsOf } from "../group/changeKinds.ts";
import {
  type AppliedCommit,
  type GroupRecord,
  type Intent,
  isLive,
  type PendingCommit,
} from "../group/groupRecord.ts";
import type { GroupService } from "../group/groupService.ts";
import { acceptLinkShare, linksAfterAdminChange } from "../group/inviteLinks.ts";
import {
  checkpointOps,
  dropPendingOps,
  dropStateOps,
  epochKey,
  loadCheckpoint,
  loadPendingState,
  loadState,
  secretOf,
  stateOps,
} from "../group/mlsStore.ts";
import { deviceChanges, dropNoticeOps, noticeOps, restoredPeople } from "../group/notices.ts";
import { owedAfterBatch } from "../group/owedAddsRecord.ts";
import { acceptFaceRumor, faceAfterAdminChange } from "../group/publicFaceRecords.ts";
import { normalizeRelayUrl } from "../net/relayUrl.ts";
import type { WriteOp } from "../store/store.ts";

export interface BatchResult {
  /** The group's epoch moved (fetch its new routing tag). */
  advanced: boolean;
  /** Inner messages stored. */
  received: number;
  /** A commit of ours that won. */
  adopted: PendingCommit | null;
  /** Our change to propose again (our commit lost). */
  repropose: Intent | null;
  /** Someone asked to leave and this device should commit it. */
  commitProposals: boolean;
  /** A better commit for the previous epoch arrived late and replaced the one applied. */
  rolledBack: boolean;
  /** Messages that reused a sender generation already read (a device that broke one-writer). */
  senderFaults: number;
}

/** Events handed to `processGroupEvents` come from the relay pool, which verified each one. */
const poolVerified = (): boolean => true;

const NOTHING: BatchResult = {
  advanced: false,
  received: 0,
  adopted: null,
  repropose: null,
  commitProposals: false,
  rolledBack: false,
  senderFaults: 0,
};

/** A rival commit processed on the state it builds on. */
interface Tried extends CommitRank {
  createdAt: number;
  committer: string;
  out: ProcessOutput;
}

/** What ranks one commit against its rivals for an epoch. */
interface Contender extends CommitRank {
  committer?: string | undefined;
  removed: readonly string[];
}

/**
 * The order among one epoch's contenders (best first): one the group already went on from
 * (`followed`, see `wentOn`); then one whose committer no rival removes — a removed admin's commit
 * for the epoch of their removal, its id ground low, must not bring them or their guests back; then
 * the engine's rule (admin first, lowest event id). Computed over the whole set, so it is a total
 * order every device with the same set agrees on.
 */
function ranker(all: readonly Contender[], followed: ReadonlySet<string>) {
  const ousted = new Set(
    all
      .filter(
        (c) => c.committer !== undefined && all.some((o) => o !== c && o.removed.includes(c.committer ?? "")),
      )
      .map((c) => c.id),
  );
  return (a: CommitRank, b: CommitRank): number =>
    Number(followed.has(b.id)) - Number(followed.has(a.id)) ||
    Number(ousted.has(a.id)) - Number(ousted.has(b.id)) ||
    compareCommits(a, b);
}

const contender = (t: Tried): Contender => ({
  ...t,
  removed: t.out.result.kind === "commit" ? t.out.result.removed : [],
});

/** Events read to tell whether the group went on from a commit (see `wentOn`). */
const PROBE_LIMIT = 20;

function isCommitOf(m: Decoded | undefined, epoch: number): boolean {
  return m !== undefined && m.info.kind === "commit" && "epoch" in m.info && m.info.epoch === epoch;
}

interface Decoded {
  id: string;
  createdAt: number;
  info: MessageInfo;
  mls: Uint8Array;
}

/** Processes fetched kind 445 events of one group. */
export async function processGroupEvents(
  svc: GroupService,
  id: string,
  events: readonly NostrEvent[],
): Promise<BatchResult> {
  const store = svc.core.store;
  let rec = await svc.record(id);
  if (!isLive(rec)) return NOTHING;
  const unique = [...new Map(events.map((e) => [e.id, e])).values()];
  const already = await store.seen(
    id,
    unique.map((e) => e.id),
  );
  const byTag = new Map(rec.keys.map((k) => [k.tag, k]));
  const seenIds: string[] = [];
  // Messages read together with the commit ending their epoch, by the device that sent them.
  const lateDevices: { rumor: string; device: string; person: string }[] = [];
  const decoded: Decoded[] = [];
  for (const e of unique) {
    if (already.has(e.id)) continue;
    const key = byTag.get(e.tags[0]?.[1] ?? "");
    if (!key) continue;
    let mls: Uint8Array;
    let info: MessageInfo;
    try {
      // The relay pool verified this event's id and signature when it arrived: not again here.
      mls = unwrapGroupMessage(e, secretOf(key), { verify: poolVerified });
      info = peekMessage(mls);
    } catch {
      seenIds.push(e.id); // forged, damaged or not for us: never look at it again
      continue;
    }
    if (!("epoch" in info) || info.groupId !== id) {
      seenIds.push(e.id);
      continue;
    }
    decoded.push({ id: e.id, createdAt: e.created_at, info, mls });
  }
  if (decoded.length === 0) {
    if (seenIds.length > 0)
      await store.batch([{ op: "markSeen", group: id, ids: seenIds, at: svc.core.now() }]);
    return NOTHING;
  }

  let state: GroupState = await loadState(store, id);
  const ops: WriteOp[] = [];
  let persist: "none" | "message" | "all" = "none";
  let stateGone = false;
  const result: BatchResult = { ...NOTHING };
  /** Inner kinds stored in this batch: the change notices say what changed (changeKinds.ts). */
  const receivedKinds = new Set<number>();
  let dropped: PendingCommit | null = null;
  // People who were members before a commit of this batch and are not after it (removed, or left).
  const gonePeople = new Set<string>();
  const me = svc.me();
  /** Commits to read again at the next fetch: they refer to a proposal not fetched yet. */
  const retry = new Set<string>();
  /** Marks a competition's commits read (applied, lost or refused), except those to retry. */
  const settle = (rivals: readonly Decoded[]): void => {
    for (const c of rivals) if (!retry.has(c.id)) seenIds.push(c.id);
  };

  /** Processes each rival on `base` (pure: `base` is not changed); the successes, best first. */
  const tryRivals = async (base: GroupState, rivals: readonly Decoded[]): Promise<Tried[]> => {
    const out: Tried[] = [];
    for (const c of rivals) {
      try {
        const res = await process(base, c.mls);
        if (res.result.kind !== "commit") {
          seenIds.push(c.id);
          continue;
        }
        out.push({
          id: c.id,
          createdAt: c.createdAt,
          byAdmin: res.result.byAdmin,
          committer: res.result.committer,
          out: res,
        });
      } catch (e) {
        // A commit that refers to a proposal not fetched yet is read again later; anything else
        // (forbidden by the group rules, invalid) is ignored by every member.
        if (isMlsEngineError(e, "missing-proposal")) retry.add(c.id);
        else seenIds.push(c.id);
      }
    }
    return out.sort(compareCommits);
  };

  /** Applies a commit chosen for the epoch of `before`; true when this device was removed. */
  const apply = async (before: GroupState, chosen: Tried): Promise<boolean> => {
    const r = chosen.out.result;
    if (r.kind !== "commit") return false;
    state = chosen.out.state;
    persist = "all";
    result.advanced = true;
    if (r.removedSelf) {
      const prev = rec;
      const at = Math.min(chosen.createdAt, svc.core.now());
      rec = {
        ...rec,
        status: "removed",
        keys: [],
        pending: null,
        endedAt: at,
        removedAt: { ...rec.removedAt, [me]: at },
        // The removed device's engine may not follow the tree past its own removal: it is out.
        members: rec.members.filter((p) => p !== me && !(r.removed as readonly string[]).includes(p)),
        lastCommit: null,
      };
      // "You were removed by Alice": the last thing this device learns about the group.
      ops.push(
        ...noticeOps(prev, rec, {
          committer: r.committer,
          eventId: chosen.id,
          epoch: r.epoch,
          at,
          left: r.left,
        }),
      );
      stateGone = true;
      return true;
    }
    const applied = {
      epoch: stateEpoch(before),
      id: chosen.id,
      byAdmin: chosen.byAdmin,
      committer: r.committer,
      removed: r.removed,
    };
    await moved(before, applied, r.committer, r.left, chosen.createdAt);
    return false;
  };

  /**
   * The record after a commit (data, members, keys, who was removed when), the checkpoint kept, the
   * notices shown in the chat, and links revoked when an admin who knew them is one no longer.
   */
  const moved = async (
    before: GroupState,
    applied: AppliedCommit,
    committer: string,
    left: readonly string[],
    sentAt: number,
  ): Promise<void> => {
    const prev = rec;
    // Compared between the commit's own epochs, so a rolled-back commit's newcomers are not "gone".
    const stayed = new Set(mlsMembers(state).map((m) => m.pubkey));
    for (const m of mlsMembers(before)) if (!stayed.has(m.pubkey)) gonePeople.add(m.pubkey);
    // The sender chose `sentAt`: never file a change later than it was read.
    const at = Math.min(sentAt, svc.core.now());
    // The new epoch began then: what it carries is filed no earlier (appViews.ts `filedAt`).
    const next = await svc.refreshed(rec, state, at);
    const removedAt = { ...next.removedAt };
    // Only removals against someone's will count as removals: what a person who chose to leave
    // wrote in their last epoch is what they could have said before leaving, and they may come back
    // through a link like anyone (the reducer's late rule and link admission read `removedAt`).
    for (const p of prev.members) if (!next.members.includes(p) && !left.includes(p)) removedAt[p] = at;
    // One rule for every path: whoever is a member now is not "removed", whatever came before.
    for (const p of next.members) delete removedAt[p];
    rec = { ...next, removedAt, lastCommit: applied };
    ops.push(...checkpointOps(id, before));
    const restored = restoredPeople(mlsMembers(before), mlsMembers(state));
    const devices = deviceChanges(mlsMembers(before), mlsMembers(state));
    const facts = { committer, eventId: applied.id, epoch: rec.epoch, at, left, restored, devices };
    ops.push(...noticeOps(prev, rec, facts));
    ops.push(...(await linksAfterAdminChange(svc, prev, rec, ops)));
    // The group's public key: a new one when an admin left, shared again when one came (publicFaceRecords.ts).
    ops.push(...(await faceAfterAdminChange(svc, prev, rec, ops)));
  };

  /** Our own commit is on a relay and ranks first: the state it leads to becomes the group's. */
  const adoptOwn = async (pending: PendingCommit): Promise<void> => {
    const next = await loadPendingState(store, id);
    ops.push(...dropPendingOps(id));
    if (!next) {
      rec = { ...rec, pending: null };
      return;
    }
    const before = state;
    state = next;
    persist = "all";
    result.advanced = true;
    result.adopted = pending;
    rec = { ...rec, pending: null };
    const byAdmin = isAdmin(before, me as PubkeyHex);
    const gone = rec.members.filter((p) => !mlsMembers(next).some((m) => m.pubkey === p));
    // Committing pending proposals removes only those who asked to leave.
    // A key update commits them too (group.ts `selfUpdate`).
    const left = pending.intent.type === "proposals" || pending.intent.type === "update" ? gone : [];
    await moved(
      before,
      {
        epoch: stateEpoch(before),
        id: pending.eventId,
        byAdmin,
        committer: me,
        removed: gone,
        intent: pending.intent,
      },
      me,
      left,
      pending.createdAt,
    );
    ops.push(...svc.welcomeOps(rec, pending));
  };

  /**
   * Did the group go on from `after`, the state a commit led to? Yes when someone other than its
   * committer wrote or committed in the epoch it made (read from the relays under that epoch's
   * routing tag). A committer cannot fake this: only members who applied the commit can write
   * there, each under their own key. It keeps a device that was behind (or reads a rival late)
   * on the branch the group followed, whatever ids a member grinds for commits of a settled epoch.
   */
  const wentOn = async (after: GroupState, committer: string | undefined): Promise<boolean> => {
    const key = await epochKey(after);
    let events: readonly NostrEvent[];
    try {
      ({ events } = await svc.core.transport.fetch(svc.core.transport.anonymous, rec.relays, [
        { kinds: [KIND_GROUP_MESSAGE], "#h": [key.tag], limit: PROBE_LIMIT },
      ]));
    } catch {
      return false;
    }
    for (const e of events) {
      try {
        const out = await process(after, unwrapGroupMessage(e, secretOf(key), { verify: poolVerified }));
        const r = out.result;
        const who = r.kind === "commit" ? r.committer : r.sender;
        if (who !== committer) return true;
      } catch {
        // not readable on this branch, or already read
      }
    }
    return false;
  };

  /**
   * Commits for the epoch this device just left: one that ranks before the commit it applied
   * replaces it (the state before that commit was kept); the branch left behind is abandoned, and a
   * change of ours on it is proposed again. Older epochs are final.
   */
  const replaceLastCommit = async (
    epochN: number,
    current: number,
    rivals: readonly Decoded[],
  ): Promise<void> => {
    const last = rec.lastCommit;
    const checkpoint =
      last && last.epoch === epochN && epochN === current - 1 ? await loadCheckpoint(store, id) : undefined;
    if (!last || !checkpoint || stateEpoch(checkpoint) !== epochN) {
      settle(rivals);
      return;
    }
    const tried = await tryRivals(
      checkpoint,
      rivals.filter((c) => c.id !== last.id),
    );
    settle(rivals);
    const applied: Contender = { ...last, removed: last.removed ?? [] };
    const rank = ranker([applied, ...tried.map(contender)], new Set());
    tried.sort(rank);
    const best = tried[0];
    if (!best || rank(best, applied) >= 0) return;
    // The group already went on from the commit applied: it stays (see `wentOn`).
    if (last.followed || (await wentOn(state, last.committer))) return;
    if (rec.pending) {
      // Built on the abandoned branch: it can never apply.
      dropped = rec.pending;
      rec = { ...rec, pending: null };
      ops.push(...dropPendingOps(id));
    }
    const abandoned = last.intent;
    result.rolledBack = true;
    ops.push(...dropNoticeOps(id, last.id));
    if (await apply(checkpoint, best)) return;
    if (abandoned && !dropped) abandonedIntent = abandoned;
  };
  let abandonedIntent: Intent | null = null;

  /** Someone other than its committer wrote in the epoch the last commit made: it is settled. */
  const noteFollowed = (carried: number, sender: string): void => {
    const last = rec.lastCommit;
    if (!last || last.followed || carried !== stateEpoch(state) || carried !== last.epoch + 1) return;
    if (last.committer !== undefined && sender === last.committer) return;
    rec = { ...rec, lastCommit: { ...last, followed: true } };
  };

  const ordered = orderForProcessing(decoded);
  for (let i = 0; i < ordered.length; i++) {
    const m = ordered[i] as (typeof ordered)[number];
    if (m.info.kind === "commit") {
      // Every commit of one epoch in the batch competes at once (they sort after the epoch's
      // proposals and application messages, so the proposals they refer to are known).
      const epochN = m.info.epoch;
      let end = i;
      while (end < ordered.length && isCommitOf(ordered[end], epochN)) end++;
      const rivals = ordered.slice(i, end);
      i = end - 1;
      const current = stateEpoch(state);
      // Builds on a state this device has not reached: a later sync reads it after its predecessors.
      if (epochN > current) continue;
      if (epochN < current) {
        await replaceLastCommit(epochN, current, rivals);
        continue;
      }
      const pending = rec.pending && rec.pending.baseEpoch === current ? rec.pending : null;
      const ownOnRelay = pending !== null && rivals.some((c) => c.id === pending.eventId);
      const tried = await tryRivals(
        state,
        rivals.filter((c) => c.id !== pending?.eventId),
      );
      const ours: Contender | null = pending
        ? {
            byAdmin: isAdmin(state, me as PubkeyHex),
            id: pending.eventId,
            committer: me,
            removed: pending.intent.type === "remove" ? pending.intent.pubkeys : [],
          }
        : null;
      // Several valid rivals: one the group already went on from comes first (`wentOn`), then the
      // ordering rule. One alone needs no look.
      const followed = new Set<string>();
      if (tried.length + (ours ? 1 : 0) >= 2) {
        for (const t of tried) if (await wentOn(t.out.state, t.committer)) followed.add(t.id);
        const after = ours ? await loadPendingState(store, id) : undefined;
        if (ours && after && (await wentOn(after, me))) followed.add(ours.id);
      }
      const rank = ranker([...tried.map(contender), ...(ours ? [ours] : [])], followed);
      tried.sort(rank);
      const best = tried[0];
      if (pending && ours) {
        if (best && rank(best, ours) < 0) {
          // Another member's commit for this epoch ranks first: it wins, ours is dropped.
          dropped = pending;
          rec = { ...rec, pending: null };
          ops.push(...dropPendingOps(id));
          settle(rivals);
          if (await apply(state, best)) break;
          continue;
        }
        if (ownOnRelay) {
          settle(rivals);
          await adoptOwn(pending);
          continue;
        }
        // Ours ranks first but no relay holds it yet: wait for it (the rivals stay unread and come
        // back with the next fetch) — unless it can never be sent.
        const entry = await svc.core.transport.outbox.get(pending.eventId);
        if (entry?.state !== "failed") continue;
        dropped = pending;
        rec = { ...rec, pending: null };
        ops.push(...dropPendingOps(id));
      }
      if (best) {
        settle(rivals);
        if (await apply(state, best)) break;
      }
      continue;
    }

    // The messages up to the next commit are read together: `processBatch` gives what `process`
    // gives message by message, but checks their signatures while it decrypts the next ones.
    let end = i;
    while (end < ordered.length && ordered[end]?.info.kind !== "commit") end++;
    const run = ordered.slice(i, end);
    i = end - 1;
    const batch = await processBatch(
      state,
      run.map((x) => x.mls),
    );
    state = batch.state;
    for (const [k, m] of run.entries()) {
      const item = batch.results[k];
      if (item === undefined || !item.ok) {
        // A message from an epoch we have not reached: leave it unseen, a later sync reads it.
        if (item !== undefined && isMlsEngineError(item.error, "future-epoch")) continue;
        // A second, different ciphertext for a sender generation already read (replays of the
        // same event never get here: their ids are seen): the sender's device broke the
        // one-writer rule, or is hostile. Counted, so it is noticed.
        if (item !== undefined && isMlsEngineError(item.error, "already-processed")) result.senderFaults++;
        seenIds.push(m.id);
        continue;
      }
      const out = item;
      if (persist !== "all") persist = batch.persist;
      seenIds.push(m.id);
      if (out.result.kind === "application") {
        let rumor: ReturnType<typeof decodeInnerRumor>;
        try {
          rumor = decodeInnerRumor(out.result.plaintext, RALLY_INNER_KINDS);
          checkRumorSender(rumor, out.result.sender);
        } catch {
          continue; // malformed, or claims another author: not stored
        }
        // Receipt facts (appViews.ts): when this device read it, and whether the group had already
        // left its epoch — a commit of that epoch applied before, or one in this same fetch.
        const carried = out.result.epoch;
        noteFollowed(carried, out.result.sender);
        const late =
          carried < stateEpoch(state) ||
          ordered.some((x) => x.info.kind === "commit" && "epoch" in x.info && x.info.epoch === carried);
        if (late && carried === stateEpoch(state)) {
          // Read together with the commit that ends its epoch: if that commit removes the sending
          // device (a revoked device, its person still a member), it must not count — as the
          // engine refuses such a message read after the commit (`sender-removed`).
          const leaf = out.result.senderLeafIndex;
          const device = mlsMembers(state)
            .flatMap((mm) => mm.devices)
            .find((d) => d.leafIndex === leaf);
          if (device)
            lateDevices.push({ rumor: rumor.id, device: device.signaturePublicKey, person: rumor.pubkey });
        }
        // …and when its epoch began: it is filed between that and its receipt (appViews.ts).
        const since = rec.keys.find((k) => k.epoch === carried)?.since;
        const envelope = withFloor({ r: rumor, e: carried, t: svc.core.now(), l: late }, since);
        ops.push({ op: "putRumor", rumor: storedRumorOf(id, envelope) });
        result.received++;
        receivedKinds.add(rumor.kind);
        rec = { ...rec, lastActivity: Math.max(rec.lastActivity ?? 0, filedAt(envelope)) };
        // An invite link another admin shared with this device (sealed to the admins): taken only
        // from a current admin and member, carried in the current epoch (inviteLinks.ts).
        if (rumor.kind === KIND_SEALED) {
          const share = await acceptLinkShare(svc, rec, rumor, carried);
          if (share) ops.push(share);
        }
        // The group's public face: its key (sealed to admins), publications, decisions on web answers.
        ops.push(...(await acceptFaceRumor(svc, rec, rumor, carried, ops)));
      } else if (out.result.kind === "proposal") {
        noteFollowed(stateEpoch(state), out.result.sender);
      }
    }
  }

  if (!stateGone && lateDevices.length > 0) {
    const after = mlsMembers(state);
    const inTree = new Set(after.flatMap((mm) => mm.devices.map((d) => d.signaturePublicKey)));
    const people = new Set<string>(after.map((mm) => mm.pubkey));
    // Only a device revoked while its person stays: a removed person's late messages are the
    // reducer's to judge, and a leaver's last words count (THREAT-MODEL.md, "Removed member").
    const gone = new Set(
      lateDevices.filter((l) => !inTree.has(l.device) && people.has(l.person)).map((l) => l.rumor),
    );
    if (gone.size > 0) {
      for (let k = ops.length - 1; k >= 0; k--) {
        const op = ops[k];
        if (op?.op === "putRumor" && gone.has(op.rumor.id)) ops.splice(k, 1);
      }
    }
  }
  if (!stateGone) {
    const added = result.adopted?.intent.type === "add" ? result.adopted.intent.invitees : [];
    ops.push(...(await owedAfterBatch(store, id, added, gonePeople)));
  }
  if (stateGone) ops.push(...dropStateOps(id));
  else if (persist !== "none") ops.unshift(...stateOps(id, state, persist));
  ops.push({ op: "markSeen", group: id, ids: [...new Set(seenIds)], at: svc.core.now() }, svc.putRecord(rec));
  await store.batch(ops);
  if (result.adopted) svc.core.wakeOutbox();
  if (dropped) {
    // Not yet sent: make sure it never is. Already on a relay: members ignore it as a losing commit.
    await svc.core.transport.outbox.discard(dropped.eventId);
    result.repropose = withoutGone(dropped.intent, gonePeople);
  } else if (abandonedIntent) {
    result.repropose = withoutGone(abandonedIntent, gonePeople);
  }
  // Requests to leave are committed by any member's device that reads them, not only an admin's
  // (a plain member's commit may carry them): while one waits, no member can write in the group
  // (MLS sends no application message with proposals pending), and an admin may be away for days.
  if (!stateGone && rec.status === "active" && pendingProposalCount(state) > 0 && !rec.pending) {
    result.commitProposals = true;
  }
  for (const kind of changeKindsOf(receivedKinds)) svc.core.emit(kind, id);
  if (result.advanced) svc.core.emit("groups", id);
  return result;
}

/**
 * A lost add without the devices of people the winning commits removed or saw leave: whoever
 * was a member when the add was made and is not now is not ours to bring back (an admin who
 * wants them again invites them again).
 */
function withoutGone(intent: Intent, gone: ReadonlySet<string>): Intent | null {
  if (intent.type !== "add" || gone.size === 0) return intent;
  const invitees = intent.invitees.filter((i) => !gone.has(i.pubkey));
  return invitees.length > 0 ? { ...intent, invitees } : null;
}

/** The change of a lost commit that still makes sense on top of the winner. */
export function stillWanted(intent: Intent, rec: GroupRecord): Intent | null {
  switch (intent.type) {
    case "add": {
      const invitees = intent.invitees.filter((i) => !rec.members.includes(i.pubkey));
      return invitees.length > 0 ? { type: "add", invitees } : null;
    }
    case "remove": {
      const pubkeys = intent.pubkeys.filter((p) => rec.members.includes(p));
      return pubkeys.length > 0 ? { type: "remove", pubkeys } : null;
    }
    case "removeDevices":
      return intent; // refused at proposing again if none of them is left
    case "data":
      return intent;
    case "proposals":
      return null; // re-decided after the next fetch
    case "update":
      // A newcomer's first key update still refreshes the key its key package published; a tidying
      // update is decided again from the winner's tree (group/keyUpdates.ts).
      return intent.why === "joined" ? intent : null;
  }
}

/** Relay → kind 445 filters for the routing tags of the groups that use that relay. */
export function tagFilters(wanted: Map<string, GroupRecord>): {
  relays: string[];
  filters: (relay: string) => Filter[];
} {
  const byRelay = new Map<string, string[]>();
  for (const [tag, rec] of wanted) {
    for (const raw of rec.relays) {
      let url: string;
      try {
        url = normalizeRelayUrl(raw);
      } catch {
        continue;
      }
      const list = byRelay.get(url) ?? [];
      list.push(tag);
      byRelay.set(url, list);
    }
  }
  return {
    relays: [...byRelay.keys()],
    filters: (relay) => {
      const tags = byRelay.get(relay) ?? [];
      const out: Filter[] = [];
      for (let i = 0; i < tags.length; i += 100)
        out.push(groupMessageFilter(tags.slice(i, i + 100)) as Filter);
      return out;
    },
  };
}
