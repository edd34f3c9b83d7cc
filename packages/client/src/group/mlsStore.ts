/**
 * Reading and writing a group's MLS state in the store, in the engine's two parts (blobs
 * `mls/<group>/epoch` and `mls/<group>/messages`): after a message only the small message part is
 * written, so the cost per message does not grow with the group. A commit this device proposed keeps
 * the state it leads to beside the current one (`mls/<group>/pending/…`) until the commit wins.
 *
 * Runs in: Node and browsers.
 */

import {
  decodeState,
  encodeEpochPart,
  encodeMessagePart,
  epoch as epochOf,
  exporterSecret,
  type GroupState,
  type PersistHint,
} from "@rally/protocol/mls";
import { deriveGroupMessageKeys } from "@rally/protocol/wire";
import { rallyError } from "../errors.ts";
import { bytesToHex, hexToBytes } from "../hex.ts";
import { blobKeys } from "../store/keys.ts";
import type { Store, WriteOp } from "../store/store.ts";
import type { EpochKey } from "./groupRecord.ts";

/**
 * States kept beside the current one: `pending`, the state our unsettled commit leads to, and
 * `checkpoint`, the state before the commit that made the current epoch (replayed from when a
 * better commit for that epoch arrives late).
 */
const sideKeys = (group: string, side: "pending" | "checkpoint") => ({
  epoch: `${blobKeys.groupPrefix(group)}${side}/epoch`,
  messages: `${blobKeys.groupPrefix(group)}${side}/messages`,
});
const pendingKeys = (group: string) => sideKeys(group, "pending");

export async function loadState(store: Store, group: string): Promise<GroupState> {
  const [e, m] = await Promise.all([
    store.getBlob(blobKeys.groupEpoch(group)),
    store.getBlob(blobKeys.groupMessages(group)),
  ]);
  if (!e || !m) throw rallyError("not-member", "This device holds no keys for that group any more.");
  return decodeState(e, m);
}

export async function loadPendingState(store: Store, group: string): Promise<GroupState | undefined> {
  const k = pendingKeys(group);
  const [e, m] = await Promise.all([store.getBlob(k.epoch), store.getBlob(k.messages)]);
  return e && m ? decodeState(e, m) : undefined;
}

/** Writes for a new current state: both parts, or only the message part. */
export function stateOps(group: string, state: GroupState, persist: PersistHint): WriteOp[] {
  const ops: WriteOp[] = [
    { op: "putBlob", key: blobKeys.groupMessages(group), data: encodeMessagePart(state) },
  ];
  if (persist === "all")
    ops.unshift({ op: "putBlob", key: blobKeys.groupEpoch(group), data: encodeEpochPart(state) });
  return ops;
}

export function pendingStateOps(group: string, state: GroupState): WriteOp[] {
  const k = pendingKeys(group);
  return [
    { op: "putBlob", key: k.epoch, data: encodeEpochPart(state) },
    { op: "putBlob", key: k.messages, data: encodeMessagePart(state) },
  ];
}

/** Keeps `state` as the checkpoint: the state before the commit that is being applied. */
export function checkpointOps(group: string, state: GroupState): WriteOp[] {
  const k = sideKeys(group, "checkpoint");
  return [
    { op: "putBlob", key: k.epoch, data: encodeEpochPart(state) },
    { op: "putBlob", key: k.messages, data: encodeMessagePart(state) },
  ];
}

export async function loadCheckpoint(store: Store, group: string): Promise<GroupState | undefined> {
  const k = sideKeys(group, "checkpoint");
  const [e, m] = await Promise.all([store.getBlob(k.epoch), store.getBlob(k.messages)]);
  return e && m ? decodeState(e, m) : undefined;
}

export function dropPendingOps(group: string): WriteOp[] {
  const k = pendingKeys(group);
  return [
    { op: "deleteBlob", key: k.epoch },
    { op: "deleteBlob", key: k.messages },
  ];
}

/** Forgets every MLS secret of a group (after leaving or removal); messages already read stay. */
export function dropStateOps(group: string): WriteOp[] {
  return [{ op: "deleteBlobPrefix", prefix: blobKeys.groupPrefix(group) }];
}

/** This epoch's transport keys. */
export async function epochKey(state: GroupState): Promise<EpochKey> {
  const secret = await exporterSecret(state);
  const { routingTag } = deriveGroupMessageKeys(secret);
  return { epoch: epochOf(state), tag: routingTag, secret: bytesToHex(secret) };
}

export function secretOf(key: EpochKey): Uint8Array {
  return hexToBytes(key.secret);
}
