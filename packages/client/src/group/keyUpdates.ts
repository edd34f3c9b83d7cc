/**
 * Members commit their own key update (an empty commit with a fresh UpdatePath) so that the
 * group's path commits stay small enough for a relay (protocol mls/treeHealth.ts: Adds carry no
 * path, so right after people are added a removal is encrypted to nearly every member):
 *
 * - soon after joining — which also replaces the key the person's key package had published;
 * - whenever more than a quarter of the parents on the device's direct path are wide
 *   (`keyUpdateAdvice`), e.g. after a large add.
 *
 * Each waits a random delay first, longer in larger groups, so that a batch of newcomers does not
 * commit all at once (commits for the same epoch race, and only one wins); a tidying update is
 * decided again when it falls due, since someone else's update may have set the same parents. The
 * update goes through the group service's commit path like any other change (outbox, settle, a
 * lost race proposed again: sync/receive.ts `stillWanted`).
 *
 * Runs in: Node and browsers. The caller holds `core.exclusive`.
 */

import { keyUpdateAdvice } from "@rally/protocol/mls";
import type { WriteOp } from "../store/store.ts";
import type { GroupService } from "./groupService.ts";
import { loadState } from "./mlsStore.ts";

/** kv: a key update this device owes a group, and when it falls due. */
export const keyUpdateKey = (group: string) => `key-update/${group}`;

export interface KeyUpdateDue {
  /** Unix seconds. */
  due: number;
  why: "joined" | "tree";
}

/**
 * Seconds before a key update: a minute, plus up to another minute and a fifth of a second per
 * member (at most an hour) — long enough that the commits a person makes right after joining
 * (their name, a first message) go first, short enough that the tree is tidy within minutes.
 */
export function keyUpdateDelay(members: number, random: () => number = Math.random): number {
  const spread = Math.min(3600, 60 + members / 5);
  return 60 + Math.floor(random() * spread);
}

/** The write that schedules a newcomer's first key update (sync/welcomes.ts, on joining). */
export function joinedKeyUpdateOp(group: string, members: number, now: number): WriteOp {
  const value: KeyUpdateDue = { due: now + keyUpdateDelay(members), why: "joined" };
  return { op: "put", key: keyUpdateKey(group), value };
}

/**
 * The epoch each group's tree was last judged in, per device: a round that finds nothing owed and
 * no new epoch skips reading the MLS state (large in a large group).
 */
const judged = new WeakMap<GroupService, Map<string, number>>();

/**
 * Schedules and commits this device's key updates in every active group (after a sync round has
 * brought the groups up to date). Returns the groups it proposed one in.
 */
export async function processKeyUpdates(svc: GroupService): Promise<string[]> {
  const store = svc.core.store;
  const now = svc.core.now();
  const proposed: string[] = [];
  let seen = judged.get(svc);
  if (!seen) {
    seen = new Map();
    judged.set(svc, seen);
  }
  for (const rec of await svc.records()) {
    if (rec.status !== "active") continue;
    if (rec.pending) continue; // one change at a time; the next round looks again
    const key = keyUpdateKey(rec.id);
    const owed = await store.get<KeyUpdateDue>(key);
    if (owed ? owed.due > now : seen.get(rec.id) === rec.epoch) continue;
    seen.set(rec.id, rec.epoch);
    // A newcomer's update is owed whatever the tree looks like: no need to read the state for it.
    let advised = true;
    if (owed?.why !== "joined") {
      try {
        advised = keyUpdateAdvice(await loadState(store, rec.id)).advised;
      } catch {
        continue; // no usable state (e.g. mid-removal): nothing to update
      }
    }
    if (!owed) {
      if (advised) {
        const value: KeyUpdateDue = { due: now + keyUpdateDelay(rec.members.length), why: "tree" };
        await store.batch([{ op: "put", key, value }]);
      }
      continue;
    }
    if (owed.why === "tree" && !advised) {
      await store.batch([{ op: "delete", key }]); // someone else's update tidied the tree first
      continue;
    }
    try {
      await svc.propose(rec.id, { type: "update", why: owed.why });
      proposed.push(rec.id);
      await store.batch([{ op: "delete", key }]);
    } catch {
      // e.g. an earlier change not settled yet: the record stays, the next round tries again.
    }
  }
  return proposed;
}
