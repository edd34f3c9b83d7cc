/**
 * Devices an admin still owes a group. An invitation adds every device of the person, but one
 * commit takes only as many key packages as fit a relay (addBatches.ts); the devices left over are
 * kept here, on disk, and added by the following commits — at once by `invite` while the relays
 * answer, else by the admin's next sync (a restart forgets nothing).
 *
 * Devices that came through an invite link are not kept here: their join requests are retried by
 * inviteLinks.ts. A device is dropped from the list when it is in the group already, when its
 * key package has expired meanwhile (then the admin is told, as for a device whose key package
 * could not be used at all), and with all its person's devices as soon as a commit removes that
 * person or sees them leave (sync/receive.ts, `owedAfterBatch`): the epochs decide, not clocks.
 * An admin who is one no longer drops the whole list.
 *
 * Runs in: Node and browsers. The caller holds `core.exclusive`.
 */

import { members as mlsMembers, parseKeyPackage } from "@rally/protocol/mls";
import { parseKeyPackageEvent } from "@rally/protocol/wire";
import { RallyError } from "../errors.ts";
import { bytesToHex } from "../hex.ts";
import type { GroupRecord, Intent, Invitee } from "./groupRecord.ts";
import type { GroupService } from "./groupService.ts";
import { loadState } from "./mlsStore.ts";
import { unusableDeviceNoticeOps } from "./notices.ts";
import { loadOwedAdds, type OwedAdd, owedAddsOps, type UnusableDevice } from "./owedAddsRecord.ts";

export { loadOwedAdds, type UnusableDevice } from "./owedAddsRecord.ts";

/** The MLS signature key (hex) of an invitee's device; null when its key package cannot be read. */
async function deviceOf(i: Invitee): Promise<{ device: string; notAfter: number } | null> {
  try {
    const info = await parseKeyPackage(parseKeyPackageEvent(i.keyPackageEvent).keyPackage);
    return { device: info.signaturePublicKey, notAfter: info.notAfter };
  } catch {
    return null;
  }
}

/**
 * Of the owed devices, those to add now; the ones no longer wanted leave the list, and those whose
 * key package expired meanwhile are returned as unusable.
 */
async function sortOwed(
  svc: GroupService,
  rec: GroupRecord,
): Promise<{ add: Invitee[]; unusable: UnusableDevice[]; changed: boolean; owed: OwedAdd[] }> {
  const owed = await loadOwedAdds(svc.core.store, rec.id);
  const inTree = new Set(
    mlsMembers(await loadState(svc.core.store, rec.id)).flatMap((m) =>
      m.devices.map((d) => d.signaturePublicKey),
    ),
  );
  const now = svc.core.now();
  const keep: OwedAdd[] = [];
  const unusable: UnusableDevice[] = [];
  for (const o of owed) {
    const d = await deviceOf(o.invitee);
    if (!d) {
      unusable.push({ pubkey: o.invitee.pubkey, reason: "its key package could not be read" });
      continue;
    }
    if (inTree.has(d.device)) continue;
    if (d.notAfter < now) {
      unusable.push({ pubkey: o.invitee.pubkey, reason: "its key package expired before it could be added" });
      continue;
    }
    keep.push(o);
  }
  return { add: keep.map((o) => o.invitee), unusable, changed: keep.length !== owed.length, owed: keep };
}

/**
 * Proposes the next commit of a group's owed devices, when there are some and the group is free.
 * Returns whether a commit was proposed, and the devices given up on (told to the admin).
 */
export async function proposeOwedAdds(
  svc: GroupService,
  id: string,
): Promise<{ proposed: boolean; unusable: UnusableDevice[] }> {
  const rec = await svc.record(id);
  if (rec.status !== "active") {
    if (rec.status !== "invited") await svc.core.store.batch(owedAddsOps(id, []));
    return { proposed: false, unusable: [] };
  }
  if (rec.pending) return { proposed: false, unusable: [] };
  if ((await loadOwedAdds(svc.core.store, id)).length === 0) return { proposed: false, unusable: [] };
  const sorted = await sortOwed(svc, rec);
  if (sorted.changed) await svc.core.store.batch(owedAddsOps(id, sorted.owed));
  if (sorted.add.length === 0) return { proposed: false, unusable: sorted.unusable };
  await svc.propose(id, { type: "add", invitees: sorted.add });
  return { proposed: true, unusable: sorted.unusable };
}

/** How many devices a group still owes. */
export async function owedCount(svc: GroupService, id: string): Promise<number> {
  return (await loadOwedAdds(svc.core.store, id)).length;
}

/**
 * Every group's owed devices, one commit per group (a sync round's hook; the round settles what it
 * proposes). A group whose commit cannot be made now (e.g. its tree is too wide for more) keeps
 * its list for a later round.
 */
export async function processOwedAdds(svc: GroupService): Promise<void> {
  for (const rec of await svc.records()) {
    if (rec.status !== "active" || rec.pending) continue;
    try {
      const { unusable } = await proposeOwedAdds(svc, rec.id);
      for (const person of new Set(unusable.map((u) => u.pubkey))) {
        await recordUnusable(
          svc,
          rec.id,
          person,
          unusable.filter((u) => u.pubkey === person),
        );
      }
    } catch (e) {
      // No longer an admin: nothing owed can ever be added by this device.
      if (e instanceof RallyError && e.code === "not-admin")
        await svc.core.store.batch(owedAddsOps(rec.id, []));
      // Anything else (e.g. the tree too wide for now): the next round looks again.
    }
  }
}

/**
 * The invitees of a lost add commit to propose again on top of the winner: a person not in the
 * group (as `stillWanted` decides), and besides, each further device of a person who is in it now
 * and whose device is not (their first devices went in with an earlier commit, or they were already
 * a member adding a device). A device already in the tree is never proposed again, and the devices
 * of anyone the winning commits removed or saw leave were taken out before (sync/receive.ts).
 */
export async function addStillWanted(
  svc: GroupService,
  rec: GroupRecord,
  intent: Extract<Intent, { type: "add" }>,
): Promise<Intent | null> {
  const inTree = new Set(
    mlsMembers(await loadState(svc.core.store, rec.id)).flatMap((m) =>
      m.devices.map((d) => d.signaturePublicKey),
    ),
  );
  const invitees: Invitee[] = [];
  for (const i of intent.invitees) {
    const d = await deviceOf(i);
    if (!d || inTree.has(d.device)) continue;
    invitees.push(i);
  }
  return invitees.length > 0 ? { ...intent, invitees } : null;
}

/** Keeps, as a notice in the group's chat on this device, which devices of `person` could not be added. */
export async function recordUnusable(
  svc: GroupService,
  group: string,
  person: string,
  list: readonly { reason: string }[],
): Promise<void> {
  if (list.length === 0) return;
  const rec = await svc.record(group);
  await svc.core.store.batch(
    unusableDeviceNoticeOps({
      group,
      me: svc.me(),
      subject: person,
      reasons: list.map((u) => u.reason),
      epoch: rec.epoch,
      at: svc.core.now(),
      nonce: bytesToHex(globalThis.crypto.getRandomValues(new Uint8Array(8))),
    }),
  );
  svc.core.emit("chat", group);
}
