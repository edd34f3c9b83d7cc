/**
 * Receiving group messages (DESIGN.md "How data flows", receiving side; Marmot MIP-03):
 *
 *   fetch kind 445 by the routing tags of each group's current and retained epochs
 *   → skip event ids the group already processed (store `seen`: replays are ignored)
 *   → unwrap with the tag's epoch key (forged or damaged events are ignored and remembered)
 *   → order: by epoch; proposals, then application messages, then commits (the engine's rule:
 *     earliest created_at, then lowest id — the first commit of the current epoch wins, the rest
 *     are dropped)
 *   → MLS process (the engine enforces admin rules) → inner rumor → sender check → store
 *   → persist the state: the message part only, unless the epoch changed.
 *
 * A new epoch brings a new routing tag, so a sync fetches again until no group moves. A commit of
 * our own that is found on a relay and wins becomes our state and releases its welcomes; one that
 * loses is dropped and its change proposed again on top of the winner.
 *
 * Runs in: Node and browsers. The caller holds `core.exclusive`.
 */

import { KIND_SEALED } from "@rally/protocol/app/index.ts";
import {
  checkRumorSender,
  decodeInnerRumor,
  groupMessageFilter,
  unwrapGroupMessage,
} from "@rally/protocol/marmot/index.ts";
import {
  type GroupState,
  isMlsEngineError,
  type MessageInfo,
  orderForProcessing,
  peekMessage,
  pendingProposalCount,
  process,
  processBatch,
  epoch as stateEpoch,
} from "@rally/protocol/mls/index.ts";
import type { NostrEvent } from "nostr-tools/core";
import type { Filter } from "nostr-tools/filter";
import { normalizeRelayUrl } from "../net/relayUrl.ts";
import { keys } from "../store/keys.ts";
import type { WriteOp } from "../store/store.ts";
import type { RumorEnvelope } from "./appViews.ts";
import { type GroupRecord, type Intent, isLive, type PendingCommit } from "./groupRecord.ts";
import type { GroupService } from "./groupService.ts";
import { acceptLinkShare } from "./inviteLinks.ts";
import { dropPendingOps, dropStateOps, loadPendingState, loadState, secretOf, stateOps } from "./mlsStore.ts";
import { RALLY_INNER_KINDS } from "./names.ts";

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
}

/** Events handed to `processGroupEvents` come from the relay pool, which verified each one. */
const poolVerified = (): boolean => true;

const NOTHING: BatchResult = {
  advanced: false,
  received: 0,
  adopted: null,
  repropose: null,
  commitProposals: false,
};

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
  let dropped: PendingCommit | null = null;
  let leaveFrom: string | null = null;
  const me = svc.me();

  const ordered = orderForProcessing(decoded);
  for (let i = 0; i < ordered.length; i++) {
    const m = ordered[i] as (typeof ordered)[number];
    if (m.info.kind === "commit") {
      const current = stateEpoch(state);
      if (!("epoch" in m.info) || m.info.epoch !== current) {
        seenIds.push(m.id); // a commit that lost its epoch's race, or one we are past
        continue;
      }
      const pending = rec.pending;
      if (pending && pending.baseEpoch === current) {
        if (m.id === pending.eventId) {
          // Our commit is on a relay and nothing earlier competes: it is the group's next state.
          const next = await loadPendingState(store, id);
          seenIds.push(m.id);
          ops.push(...dropPendingOps(id));
          if (!next) {
            rec = { ...rec, pending: null };
            continue;
          }
          state = next;
          persist = "all";
          result.advanced = true;
          result.adopted = pending;
          rec = { ...(await svc.refreshed(rec, state)), pending: null };
          if (pending.intent.type === "remove") {
            const removedAt = { ...rec.removedAt };
            for (const p of pending.intent.pubkeys) removedAt[p] = m.createdAt;
            rec = { ...rec, removedAt };
          }
          ops.push(...svc.welcomeOps(rec, pending));
          continue;
        }
        // Another member's commit for the same epoch comes first: it wins, ours is dropped.
        dropped = pending;
        rec = { ...rec, pending: null };
        ops.push(...dropPendingOps(id));
      }
      let out: Awaited<ReturnType<typeof process>>;
      try {
        out = await process(state, m.mls);
      } catch {
        seenIds.push(m.id); // forbidden by the group rules, or not valid: ignored by every member
        continue;
      }
      seenIds.push(m.id);
      if (out.result.kind !== "commit") continue;
      const r = out.result;
      state = out.state;
      persist = "all";
      result.advanced = true;
      if (r.removedSelf) {
        rec = {
          ...rec,
          status: "removed",
          keys: [],
          pending: null,
          endedAt: m.createdAt,
          removedAt: { ...rec.removedAt, [me]: m.createdAt },
          members: rec.members.filter((p) => p !== me),
        };
        stateGone = true;
        break;
      }
      rec = await svc.refreshed(rec, state);
      const removedAt = { ...rec.removedAt };
      for (const p of r.removed) removedAt[p] = m.createdAt;
      for (const p of r.added) delete removedAt[p];
      rec = { ...rec, removedAt };
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
        const late =
          carried < stateEpoch(state) ||
          ordered.some((x) => x.info.kind === "commit" && "epoch" in x.info && x.info.epoch === carried);
        const envelope: RumorEnvelope = { r: rumor, e: carried, t: svc.core.now(), l: late };
        ops.push({
          op: "putRumor",
          rumor: {
            id: rumor.id,
            group: id,
            kind: rumor.kind,
            created_at: rumor.created_at,
            pubkey: rumor.pubkey,
            json: JSON.stringify(envelope),
          },
        });
        result.received++;
        rec = { ...rec, lastActivity: Math.max(rec.lastActivity ?? 0, rumor.created_at) };
        // An invite link another admin shared with this device (sealed to the admins): taken only
        // from a current admin and member, carried in the current epoch (inviteLinks.ts).
        if (rumor.kind === KIND_SEALED) {
          const share = await acceptLinkShare(svc, rec, rumor, out.result.epoch);
          if (share) ops.push(share);
        }
      } else if (out.result.kind === "proposal" && out.result.selfRemoval) {
        leaveFrom = out.result.sender;
      }
    }
  }

  if (stateGone) ops.push(...dropStateOps(id));
  else if (persist !== "none") ops.unshift(...stateOps(id, state, persist));
  ops.push({ op: "markSeen", group: id, ids: seenIds, at: svc.core.now() }, svc.putRecord(rec));
  await store.batch(ops);
  if (result.adopted) svc.core.wakeOutbox();
  if (dropped) {
    // Not yet sent: make sure it never is. Already on a relay: members ignore it as a losing commit.
    await svc.core.transport.outbox.discard(dropped.eventId);
    result.repropose = dropped.intent;
  }
  if (!stateGone && rec.status === "active" && pendingProposalCount(state) > 0 && !rec.pending) {
    const otherAdmins = rec.admins.filter((a) => a !== leaveFrom && rec.members.includes(a));
    result.commitProposals = rec.admins.includes(me) || otherAdmins.length === 0;
  }
  if (result.received > 0) svc.core.emit("chat", id);
  if (result.advanced) svc.core.emit("groups", id);
  return result;
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
    case "data":
      return intent;
    case "proposals":
      return null; // re-decided after the next fetch
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
