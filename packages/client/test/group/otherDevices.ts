/**
 * A person's further devices, for tests of adding them: key packages signed by the person's key and
 * published, as devices that never come online would have left them; and how many of a person's
 * devices a group's tree holds.
 */
import {
  createDeviceIdentity,
  createKeyPackage,
  members as mlsMembers,
  RALLY_GROUP_DATA_EXTENSION,
} from "@rally/protocol/mls";
import { buildKeyPackageEvent, newKeyPackageSlot } from "@rally/protocol/wire";
import type { NostrEvent } from "nostr-tools/core";
import { finalizeEvent } from "nostr-tools/pure";
import { loadState } from "../../src/group/mlsStore.ts";
import type { Rally } from "../../src/rallyClient.ts";
import { acceptAll, npubOf, person, pubkeyOf, type World } from "../world.ts";

export interface MoreDevicesOptions {
  /** The key package events are dated this much before now (an invite takes the newest first). */
  eventAgeSeconds?: number;
  /** The key packages' own validity: made at `now` (unix seconds), valid for `lifetimeSeconds`. */
  keyPackage?: { now: number; lifetimeSeconds: number };
}

/** Publishes key packages of `n` more devices of `c`'s person to `relay`. */
export async function moreDevices(
  c: Rally,
  relay: string,
  n: number,
  options: MoreDevicesOptions = {},
): Promise<void> {
  const { secretKey } = c.core.requireSecrets();
  const events: NostrEvent[] = [];
  for (let i = 0; i < n; i++) {
    const kp = await createKeyPackage(createDeviceIdentity(secretKey), options.keyPackage ?? {});
    const template = buildKeyPackageEvent({
      keyPackage: kp.keyPackage,
      slot: newKeyPackageSlot(),
      extensions: [RALLY_GROUP_DATA_EXTENSION],
      relays: [relay],
    });
    const created_at = template.created_at - (options.eventAgeSeconds ?? 0);
    events.push(finalizeEvent({ ...template, created_at }, secretKey) as NostrEvent);
  }
  for (let i = 0; i < events.length; i += 50) {
    await Promise.all(events.slice(i, i + 50).map((e) => c.core.transport.publishNow(e, [relay])));
  }
}

/** How many devices of `pubkey` are in the group's tree on `c`. */
export async function devicesIn(c: Rally, group: string, pubkey: string): Promise<number> {
  const m = mlsMembers(await loadState(c.core.store, group)).find((x) => x.pubkey === pubkey);
  return m?.devices.length ?? 0;
}

/**
 * Ana's group "Tenants" with Cy as a second admin and Ben a member with one device, all synced: the
 * stage for a commit of Ana's about Ben's devices racing one of Cy's.
 */
export async function twoAdminsAndBen(w: World) {
  const ana = await person(w, "Ana");
  const cy = await person(w, "Cy");
  const ben = await person(w, "Ben");
  const g = await ana.createGroup({ name: "Tenants" });
  await ana.invite(g.id, await npubOf(cy));
  await acceptAll(cy);
  await ana.setAdmin(g.id, await npubOf(cy), true);
  await ana.invite(g.id, await npubOf(ben));
  for (const c of [ana, cy]) await c.sync();
  return { ana, cy, ben, g, benKey: await pubkeyOf(ben) };
}
