/**
 * The list of devices an admin still owes a group (owedAdds.ts), as kept on disk: read, and the
 * writes that change it in the same batch as the commit that takes some of them.
 *
 * Runs in: Node and browsers.
 */

import type { Store, WriteOp } from "../store/store.ts";
import type { Invitee } from "./groupRecord.ts";

/** kv: the devices still to add to a group. */
export const owedAddsKey = (group: string) => `adds-owed/${group}`;

export interface OwedAdd {
  invitee: Invitee;
}

export interface OwedAdds {
  v: 1;
  owed: OwedAdd[];
}

/** A device of a person that could not be added, and why, in plain words. */
export interface UnusableDevice {
  pubkey: string;
  reason: string;
}

/** The writes that leave `owed` as a group's list (none left: the list is deleted). */
export function owedAddsOps(group: string, owed: OwedAdd[]): WriteOp[] {
  if (owed.length === 0) return [{ op: "delete", key: owedAddsKey(group) }];
  const value: OwedAdds = { v: 1, owed };
  return [{ op: "put", key: owedAddsKey(group), value }];
}

export async function loadOwedAdds(store: Store, group: string): Promise<OwedAdd[]> {
  const v = await store.get<OwedAdds>(owedAddsKey(group));
  return v?.v === 1 && Array.isArray(v.owed) ? v.owed : [];
}

/**
 * The list after an add commit of `taken` was proposed: `rest` (what did not fit, but for
 * invite-link devices) joins it. What the commit took stays owed until the commit is adopted
 * (`owedAfterBatch`): a commit that loses, or never reaches a relay, leaves them to a later one.
 * A device owed already keeps its entry as it was.
 */
export async function owedAfterAdd(
  store: Store,
  group: string,
  taken: readonly Invitee[],
  rest: readonly Invitee[],
): Promise<WriteOp[]> {
  const before = await loadOwedAdds(store, group);
  const out = [...before];
  const known = new Set(out.map((o) => o.invitee.keyPackageEvent.id));
  const gone = new Set(taken.map((i) => i.keyPackageEvent.id));
  for (const i of rest) {
    if (i.via || known.has(i.keyPackageEvent.id) || gone.has(i.keyPackageEvent.id)) continue;
    known.add(i.keyPackageEvent.id);
    out.push({ invitee: i });
  }
  if (out.length === before.length) return [];
  return owedAddsOps(group, out);
}

/**
 * The list after a batch of commits was applied: the devices an adopted commit of ours added
 * leave it, and so does every device of a person who stopped being a member (removed, or left) —
 * an admin's earlier invitation never brings back someone the group has since let go. Judged by
 * the commits themselves, not by anyone's clock. Empty when nothing changes.
 */
export async function owedAfterBatch(
  store: Store,
  group: string,
  added: readonly Invitee[],
  gonePeople: ReadonlySet<string>,
): Promise<WriteOp[]> {
  if (added.length === 0 && gonePeople.size === 0) return [];
  const before = await loadOwedAdds(store, group);
  const done = new Set(added.map((i) => i.keyPackageEvent.id));
  const out = before.filter(
    (o) => !done.has(o.invitee.keyPackageEvent.id) && !gonePeople.has(o.invitee.pubkey),
  );
  return out.length === before.length ? [] : owedAddsOps(group, out);
}

/** "1 device: its key package has expired; 2 devices: …" — the reasons, counted. */
export function unusableWords(list: readonly UnusableDevice[]): string {
  const counts = new Map<string, number>();
  for (const u of list) counts.set(u.reason, (counts.get(u.reason) ?? 0) + 1);
  return [...counts].map(([reason, n]) => `${n} device${n === 1 ? "" : "s"}: ${reason}`).join("; ");
}
