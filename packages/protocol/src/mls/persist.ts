/**
 * Saving and restoring a group state in two parts, so that the cost of saving after a message does
 * not grow with the group:
 *
 * - the **epoch part** changes only when the epoch changes (or a proposal arrives): group context,
 *   ratchet tree, key schedule, private path keys, pending proposals, and the retained past epochs'
 *   trees. It is ts-mls's `ClientState` encoding with every secret tree left empty.
 * - the **message part** changes with every message sent or received: the secret trees (RFC 9420
 *   §9: the per-sender ratchets and their generations) of the current and retained epochs. Its size
 *   depends on how many members have sent in the epoch and how far apart their messages arrive, at
 *   most O(senders × log members), never on the whole membership.
 *
 *   epochPart   = 0x01 ‖ opaque clientState<V> ‖ varint n ‖ n × (uint64 epoch ‖ opaque exporterSecret<V>)
 *   messagePart = 0x02 ‖ uint64 epoch ‖ opaque confirmationTag<V> ‖ SecretTree current
 *                 ‖ varint n ‖ n × (uint64 epoch ‖ SecretTree)
 *   SecretTree  = uint32 leafWidth ‖ varint n ‖ n × (uint32 node ‖ opaque secret<V>)
 *                 ‖ varint m ‖ m × (uint32 node ‖ Ratchet handshake ‖ Ratchet application)
 *   Ratchet     = opaque secret<V> ‖ uint32 generation ‖ varint k ‖ k × (uint32 generation ‖ opaque key<V>)
 *
 * The message part names the epoch and confirmation tag of the epoch part it belongs to, so parts
 * from different moments are refused (`state-mismatch`) instead of silently combined. Save both
 * parts when a transition says `persist: "all"`, only the message part for `"message"`. Both parts
 * hold secrets: store them encrypted at rest.
 */

import {
  type ClientState,
  clientStateDecoder,
  clientStateEncoder,
  encode,
  type GenerationSecret,
  type SecretTree,
  type SecretTreeNode,
} from "ts-mls";
import { bytesEqual } from "./bytes.ts";
import { fail } from "./errors.ts";
import { decodeExact } from "./mlsCodec.ts";
import { fromParts, type GroupState, PAST_EPOCHS, pastExporterSecrets, unwrapState } from "./state.ts";
import { TlsReader, TlsWriter } from "./tls.ts";

const EPOCH_PART = 1;
const MESSAGE_PART = 2;
/** Largest saved epoch part (a 5,000-member group with three retained epochs is about 5 MB). */
export const MAX_EPOCH_PART_BYTES = 64 * 1024 * 1024;
export const MAX_MESSAGE_PART_BYTES = 16 * 1024 * 1024;
const MAX_SECRET = 64;
const MAX_ENTRIES = 1 << 20;

const emptyTree = (t: SecretTree): SecretTree => ({
  leafWidth: t.leafWidth,
  intermediateNodes: {},
  leafNodes: {},
});

export interface EncodedState {
  epochPart: Uint8Array;
  messagePart: Uint8Array;
}

/** Both parts of a state. */
export function encodeState(state: GroupState): EncodedState {
  return { epochPart: encodeEpochPart(state), messagePart: encodeMessagePart(state) };
}

/** The part that changes only at epoch changes and proposals. */
export function encodeEpochPart(state: GroupState): Uint8Array {
  const client = unwrapState(state);
  const historical = new Map(
    [...client.historicalReceiverData].map(([epoch, data]) => [
      epoch,
      { ...data, secretTree: emptyTree(data.secretTree) },
    ]),
  );
  const stripped: ClientState = {
    ...client,
    secretTree: emptyTree(client.secretTree),
    historicalReceiverData: historical,
  };
  const w = new TlsWriter().uint8(EPOCH_PART).opaque(encode(clientStateEncoder, stripped));
  // The exporter secrets of the retained past epochs (see state.ts).
  const past = pastExporterSecrets(state);
  w.varint(past.size);
  for (const [epoch, secret] of past) w.uint64(epoch).opaque(secret);
  return w.finish();
}

/** The small part that changes with every message. */
export function encodeMessagePart(state: GroupState): Uint8Array {
  const client = unwrapState(state);
  const w = new TlsWriter()
    .uint8(MESSAGE_PART)
    .uint64(client.groupContext.epoch)
    .opaque(client.confirmationTag);
  writeSecretTree(w, client.secretTree);
  w.varint(client.historicalReceiverData.size);
  for (const [epoch, data] of client.historicalReceiverData) {
    w.uint64(epoch);
    writeSecretTree(w, data.secretTree);
  }
  return w.finish();
}

/** Restores a state from its two parts; refuses parts that do not belong together. */
export function decodeState(epochPart: Uint8Array, messagePart: Uint8Array): GroupState {
  if (epochPart.length > MAX_EPOCH_PART_BYTES) fail("malformed", "The saved group state is too large.");
  if (messagePart.length > MAX_MESSAGE_PART_BYTES) fail("malformed", "The saved message keys are too large.");
  const er = new TlsReader(epochPart, "saved group state");
  if (er.uint8() !== EPOCH_PART) fail("malformed", "This is not a saved group state.");
  const client = decodeExact(
    clientStateDecoder,
    er.opaque(MAX_EPOCH_PART_BYTES),
    "saved group state",
    MAX_EPOCH_PART_BYTES,
  );
  const pastCount = er.varint();
  if (pastCount > PAST_EPOCHS) fail("malformed", "The saved group state keeps too many past epochs.");
  const past = new Map<bigint, Uint8Array>();
  for (let i = 0; i < pastCount; i++) {
    const e = er.uint64();
    past.set(e, er.opaque(MAX_SECRET));
  }
  er.end();

  const mr = new TlsReader(messagePart, "saved message keys");
  if (mr.uint8() !== MESSAGE_PART) fail("malformed", "This is not a saved set of message keys.");
  const epoch = mr.uint64();
  const tag = mr.opaque(MAX_SECRET);
  if (epoch !== client.groupContext.epoch || !bytesEqual(tag, client.confirmationTag)) {
    fail("state-mismatch", "The saved message keys belong to another state of this group.");
  }
  const secretTree = readSecretTree(mr);
  const n = mr.varint();
  const historical = new Map(client.historicalReceiverData);
  for (let i = 0; i < n; i++) {
    const e = mr.uint64();
    const tree = readSecretTree(mr);
    const data = historical.get(e);
    if (data === undefined)
      fail("state-mismatch", "The saved message keys name an epoch the state does not keep.");
    historical.set(e, { ...data, secretTree: tree });
  }
  mr.end();
  if (n !== historical.size) fail("state-mismatch", "The saved message keys miss a retained epoch.");
  return fromParts({ ...client, secretTree, historicalReceiverData: historical }, past);
}

function writeRatchet(w: TlsWriter, g: GenerationSecret): void {
  w.opaque(g.secret).uint32(g.generation);
  const unused = Object.entries(g.unusedGenerations);
  w.varint(unused.length);
  for (const [gen, key] of unused) w.uint32(Number(gen)).opaque(key);
}

function readRatchet(r: TlsReader): GenerationSecret {
  const secret = r.opaque(MAX_SECRET);
  const generation = r.uint32();
  const k = r.varint();
  if (k > MAX_ENTRIES) fail("malformed", "The saved message keys are damaged.");
  const unusedGenerations: Record<number, Uint8Array> = {};
  for (let i = 0; i < k; i++) {
    const gen = r.uint32();
    unusedGenerations[gen] = r.opaque(MAX_SECRET);
  }
  return { secret, generation, unusedGenerations };
}

function writeSecretTree(w: TlsWriter, t: SecretTree): void {
  w.uint32(t.leafWidth);
  const inner = Object.entries(t.intermediateNodes);
  w.varint(inner.length);
  for (const [node, secret] of inner) w.uint32(Number(node)).opaque(secret);
  const leaves = Object.entries(t.leafNodes);
  w.varint(leaves.length);
  for (const [node, ratchets] of leaves) {
    w.uint32(Number(node));
    writeRatchet(w, ratchets.handshake);
    writeRatchet(w, ratchets.application);
  }
}

function readSecretTree(r: TlsReader): SecretTree {
  const leafWidth = r.uint32();
  const n = r.varint();
  if (n > MAX_ENTRIES) fail("malformed", "The saved message keys are damaged.");
  const intermediateNodes: Record<number, Uint8Array> = {};
  for (let i = 0; i < n; i++) {
    const node = r.uint32();
    intermediateNodes[node] = r.opaque(MAX_SECRET);
  }
  const m = r.varint();
  if (m > MAX_ENTRIES) fail("malformed", "The saved message keys are damaged.");
  const leafNodes: Record<number, SecretTreeNode> = {};
  for (let i = 0; i < m; i++) {
    const node = r.uint32();
    const handshake = readRatchet(r);
    const application = readRatchet(r);
    leafNodes[node] = { handshake, application };
  }
  return { leafWidth, intermediateNodes, leafNodes };
}
