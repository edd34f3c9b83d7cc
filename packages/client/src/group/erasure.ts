/**
 * Taking messages off this device's disk, not only out of the view:
 *
 * - A deleted message (a valid kind 5 by its author or an admin, judged as the reducer judges it,
 *   protocol `reducer.ts` step 3) loses its row. A chat message is replaced by a tombstone under
 *   the same id — author, time, epoch and the ids it answered, no text — so the chat still shows
 *   "message deleted" where it was; the kind 5 itself carries only ids and stays. Reactions to it
 *   go too. Deleted reactions, polls and poll answers simply go (the view shows nothing of them).
 * - In a group with disappearing messages, what the timer has run out for goes (`disappearing.ts`).
 *
 * Both write plain `deleteRumor`/`putRumor` operations through the Store port, then `scrub()` so
 * the database's files do not keep old copies. A target that arrives after its deletion (relays
 * deliver in any order) is erased by the next tidy.
 *
 * Runs in: Node and browsers. Callers hold the device lock.
 */
import {
  KIND_CHAT,
  KIND_DATE_EVENT,
  KIND_DELETION,
  KIND_POLL,
  KIND_POLL_RESPONSE,
  KIND_REACTION,
  KIND_TIME_EVENT,
  MS_TAG,
  parseDeletion,
  parseReaction,
  type Rumor,
  resolveContext,
} from "@rally/protocol/app";
import type { ChangeKind } from "../api.ts";
import type { Device } from "../device.ts";
import type { Store, StoredRumor, WriteOp } from "../store/store.ts";
import { envelopeOf, groupContext, type RumorEnvelope } from "./appViews.ts";
import { changeKindsOf } from "./changeKinds.ts";
import {
  CHAT_TIMER_KINDS,
  eventEnds,
  expiredIds,
  LASTING_KINDS,
  pollCloses,
  pollIdsOf,
  touchesEvents,
} from "./disappearing.ts";
import type { GroupRecord } from "./groupRecord.ts";

const DELETABLE = new Set([KIND_CHAT, KIND_REACTION, KIND_POLL, KIND_POLL_RESPONSE]);

/**
 * A tombstone's content. The rumor must still read as a chat message for the reducer to place
 * "message deleted" (an empty one is refused as blank); the view never shows it, since the
 * message reads as deleted.
 */
const TOMBSTONE_TEXT = "-";

/** The row that stands for a deleted chat message: ids and times, no text. */
export function tombstoneOf(row: StoredRumor, env: RumorEnvelope): StoredRumor {
  const r: Rumor = {
    ...env.r,
    content: TOMBSTONE_TEXT,
    // What it answered (reply and quote tags hold event ids) and its place within its second
    // (the ms tag), nothing else.
    tags: env.r.tags
      .filter((t) => t[0] === "e" || t[0] === "q" || t[0] === MS_TAG)
      .map((t) => t.slice(0, t[0] === MS_TAG ? 2 : 4)),
  };
  return { ...row, json: JSON.stringify({ ...env, r, x: true } satisfies RumorEnvelope) };
}

/**
 * Deletions this process has carried out (or found nothing to do for), per store and group, so a
 * sync round does not look at them again. One whose target has not arrived yet is not in it.
 */
const settledDeletions = new WeakMap<Store, Map<string, Set<string>>>();

function settledOf(store: Store, group: string): Set<string> {
  let groups = settledDeletions.get(store);
  if (!groups) {
    groups = new Map();
    settledDeletions.set(store, groups);
  }
  let set = groups.get(group);
  if (!set) {
    set = new Set();
    groups.set(group, set);
  }
  return set;
}

/**
 * The writes that take validly deleted messages off the store, and the deletions that are then
 * settled (to be remembered once the writes are stored).
 */
export async function erasureOps(
  store: Store,
  rec: GroupRecord,
): Promise<{ ops: WriteOp[]; settled: string[] }> {
  const deletions = await store.rumors({ group: rec.id, kinds: [KIND_DELETION] });
  const known = settledOf(store, rec.id);
  const fresh = deletions.filter((d) => !known.has(d.id));
  if (fresh.length === 0) return { ops: [], settled: [] };
  const ctx = resolveContext(groupContext(rec));
  const ops: WriteOp[] = [];
  const settled: string[] = [];
  const done = new Set<string>();
  const erasedChat = new Set<string>();
  for (const row of fresh) {
    const env = envelopeOf(row);
    const parsed = env ? parseDeletion(env.r) : null;
    if (!env || !parsed?.ok) {
      settled.push(row.id);
      continue;
    }
    let waiting = false;
    for (const target of parsed.value.targets) {
      if (done.has(target)) continue;
      const t = await store.getRumor(rec.id, target);
      if (!t) {
        waiting = true; // relays deliver in any order: the target may come later
        continue;
      }
      if (!DELETABLE.has(t.kind)) continue;
      const tenv = envelopeOf(t);
      if (!tenv || tenv.x === true) continue;
      const valid =
        t.pubkey === row.pubkey ||
        ctx.isAdminAct(row.pubkey, Number.isSafeInteger(env.e) ? env.e : undefined, env.l === true);
      if (!valid) continue;
      done.add(target);
      ops.push({ op: "deleteRumor", group: rec.id, id: target });
      if (t.kind === KIND_CHAT) {
        ops.push({ op: "putRumor", rumor: tombstoneOf(t, tenv) });
        erasedChat.add(target);
      }
    }
    if (!waiting) settled.push(row.id);
  }
  if (erasedChat.size > 0) {
    for (const row of await store.rumors({ group: rec.id, kinds: [KIND_REACTION] })) {
      const env = envelopeOf(row);
      const p = env ? parseReaction(env.r) : null;
      if (p?.ok && erasedChat.has(p.value.target) && !done.has(row.id)) {
        done.add(row.id);
        ops.push({ op: "deleteRumor", group: rec.id, id: row.id });
      }
    }
  }
  return { ops, settled };
}

/** The writes that delete what the group's timer has run out for at `now`. */
export async function expiryOps(store: Store, rec: GroupRecord, now: number): Promise<WriteOp[]> {
  const timer = rec.disappearAfter;
  if (timer === undefined || timer === null) return [];
  const until = now - timer;
  const chat = await store.rumors({ group: rec.id, kinds: [...CHAT_TIMER_KINDS], until });
  const lasting = await store.rumors({ group: rec.id, kinds: [...LASTING_KINDS], until });
  const ends = touchesEvents(lasting) ? eventEnds(await allEvents(store, rec.id)) : new Map<string, number>();
  const closes = new Map<string, number | null>();
  for (const poll of pollIdsOf(lasting)) {
    const row = await store.getRumor(rec.id, poll);
    closes.set(poll, row && row.kind === KIND_POLL ? pollCloses(row) : null);
  }
  return expiredIds([...chat, ...lasting], timer, now, ends, closes).map(
    (id): WriteOp => ({ op: "deleteRumor", group: rec.id, id }),
  );
}

function allEvents(store: Store, group: string): Promise<StoredRumor[]> {
  return store.rumors({ group, kinds: [KIND_TIME_EVENT, KIND_DATE_EVENT] });
}

/**
 * Erases deleted messages and those past the group's timer, scrubs the files when anything went,
 * and tells the screens. Returns how many rows were deleted. The caller holds the device lock.
 */
export async function tidyGroup(core: Device, rec: GroupRecord): Promise<number> {
  const erasure = await erasureOps(core.store, rec);
  const ops = [...erasure.ops, ...(await expiryOps(core.store, rec, core.now()))];
  const remember = () => {
    const known = settledOf(core.store, rec.id);
    for (const id of erasure.settled) known.add(id);
  };
  if (ops.length === 0) {
    remember();
    return 0;
  }
  const kinds = new Set<number>();
  const gone = new Set<string>();
  for (const op of ops) if (op.op === "deleteRumor") gone.add(op.id);
  for (const id of gone) {
    const row = await core.store.getRumor(rec.id, id);
    if (row) kinds.add(row.kind);
  }
  // In order: a tombstone written above is deleted again when the timer takes its message too.
  await core.store.batch(ops);
  remember();
  await core.store.scrub();
  const changes: ChangeKind[] = changeKindsOf(kinds);
  for (const change of changes) core.emit(change, rec.id);
  return gone.size;
}
