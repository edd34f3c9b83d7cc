/**
 * A person's other devices in a group one of their devices joined through an invite link. The
 * admin who lets a link's request in adds the one device that asked (its key package came with the
 * request); that device then adds the person's other devices itself, as any member may add their
 * own (PROTOCOL.md section 12), so the group reaches the laptop as well as the phone.
 *
 * Which devices count as the person's: those of the person that are in the tree of **every** other
 * group this device is active in. A device that lost its place anywhere — revoked, or left behind
 * by a recovery (a seized phone whose leaves a restored device replaced, group by group) — is
 * therefore never brought back by this; a device that is merely missing from some group is left
 * out too, and the person adds it by linking again. Nothing is added when this device is in no
 * other group.
 *
 * The work is marked on joining (kv `owndevices/<group>`, written with the join) and done by the
 * next sync rounds: it waits for the group's pending change, and for a relay that answers, and is
 * given up after a day.
 *
 * Runs in: Node and browsers. The caller holds `core.exclusive`.
 */
import { members as mlsMembers, parseKeyPackage } from "@rally/protocol/mls";
import { parseKeyPackageEvent } from "@rally/protocol/wire";
import { bytesToHex } from "../hex.ts";
import type { WriteOp } from "../store/store.ts";
import type { Invitee } from "./groupRecord.ts";
import type { GroupService } from "./groupService.ts";
import { loadState } from "./mlsStore.ts";

const PREFIX = "owndevices/";
const ownDevicesKey = (group: string) => `${PREFIX}${group}`;
/** A day: past it, a group this device could not complete is left as it is. */
const GIVE_UP_SECONDS = 24 * 3600;

interface OwnDevicesDue {
  v: 1;
  /** Unix seconds: when this device joined. */
  since: number;
}

/** The write, made with the join, that has the next rounds add the person's other devices. */
export function ownDevicesDueOp(group: string, now: number): WriteOp {
  const value: OwnDevicesDue = { v: 1, since: now };
  return { op: "put", key: ownDevicesKey(group), value };
}

/**
 * The person's devices (MLS signature keys) that are in every one of `trees` — the other groups'
 * member lists — this device's own key left out. Empty for no trees.
 */
export function devicesInEveryGroup(
  trees: readonly (readonly { pubkey: string; devices: readonly { signaturePublicKey: string }[] }[])[],
  me: string,
  mine: string,
): Set<string> {
  const sets = trees.map(
    (members) =>
      new Set(
        members.filter((m) => m.pubkey === me).flatMap((m) => m.devices.map((d) => d.signaturePublicKey)),
      ),
  );
  const [first, ...rest] = sets;
  const out = new Set([...(first ?? [])].filter((d) => d !== mine && rest.every((s) => s.has(d))));
  return out;
}

/** The signature key of the device an invitee's key package belongs to; null when unreadable. */
async function deviceOf(i: Invitee): Promise<string | null> {
  try {
    return (await parseKeyPackage(parseKeyPackageEvent(i.keyPackageEvent).keyPackage)).signaturePublicKey;
  } catch {
    return null;
  }
}

/**
 * One round: for each group marked, proposes adding the person's devices that are in every other
 * group and not in this one. Returns the groups a change was proposed in.
 */
export async function processOwnDevices(svc: GroupService): Promise<string[]> {
  const store = svc.core.store;
  const due = await store.list<OwnDevicesDue>(PREFIX);
  if (due.length === 0) return [];
  const now = svc.core.now();
  const me = svc.me();
  const mine = bytesToHex((await svc.account.keyPackages.identity()).signaturePublicKey);
  const proposed: string[] = [];
  for (const { key, value } of due) {
    const group = key.slice(PREFIX.length);
    const rec = await svc.record(group).catch(() => null);
    if (rec?.status !== "active" || now - value.since > GIVE_UP_SECONDS) {
      await store.batch([{ op: "delete", key }]);
      continue;
    }
    if (rec.pending) continue; // one change at a time: the next round looks again
    const trees = [];
    for (const other of await svc.records()) {
      if (other.status !== "active" || other.id === group) continue;
      try {
        trees.push(mlsMembers(await loadState(store, other.id)));
      } catch {
        // A group without a readable state vouches for nobody.
        trees.push([]);
      }
    }
    const wanted = devicesInEveryGroup(trees, me, mine);
    const inGroup = new Set(
      mlsMembers(await loadState(store, group))
        .filter((m) => m.pubkey === me)
        .flatMap((m) => m.devices.map((d) => d.signaturePublicKey)),
    );
    for (const d of inGroup) wanted.delete(d);
    if (wanted.size === 0) {
      await store.batch([{ op: "delete", key }]);
      continue;
    }
    let invitees: Invitee[];
    try {
      invitees = (await svc.findDevices(rec, me)).invitees;
    } catch {
      continue; // no relay answered: the next round asks again
    }
    const chosen: Invitee[] = [];
    for (const i of invitees) {
      const device = await deviceOf(i);
      if (device !== null && wanted.has(device)) chosen.push(i);
    }
    if (chosen.length > 0) {
      try {
        await svc.propose(group, { type: "add", invitees: chosen });
        proposed.push(group);
      } catch {
        continue; // refused or not settled: the next round tries again, until the day is over
      }
    }
    await store.batch([{ op: "delete", key }]);
  }
  return proposed;
}
