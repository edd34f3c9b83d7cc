/**
 * Read-only views of a group state: members, group data, epoch, ids, and the epoch's exporter
 * secret (RFC 9420 §8.5 MLS-Exporter) from which the wire layer derives its transport key and
 * routing tag.
 */

import { type ClientState, contentTypes, mlsExporter, wireformats } from "ts-mls";
import type { PubkeyHex } from "../nostr/event.ts";
import { bytesToHex } from "./bytes.ts";
import { engineContext } from "./context.ts";
import { fail } from "./errors.ts";
import type { GroupData } from "./groupData.ts";
import { leafMap, leafPubkey, type Member, membersOf } from "./members.ts";
import { decodeMlsMessage } from "./mlsCodec.ts";
import { type GroupView, groupDataFromExtensions } from "./permissions.ts";
import { type GroupState, pastExporterSecrets, unwrapState } from "./state.ts";

/** Hex of the MLS group id (private to members; never published). */
export type GroupIdHex = string & { readonly __brand: "MlsGroupIdHex" };

/** The exporter label Rally's transport uses (RFC 9420 §8.5). */
export const TRANSPORT_EXPORTER_LABEL = "rally/v1 transport";

export function groupDataOf(client: ClientState): GroupData {
  const data = groupDataFromExtensions(client.groupContext.extensions);
  if (data === undefined) fail("bad-group-data", "This group does not carry valid Rally group data.");
  return data;
}

/**
 * Admins who are still members: the group data may still list someone removed (ts-mls 2.0.0-rc.10
 * cannot carry a removal and a data change in one commit, see `group.ts`), and such an entry must
 * grant nothing — not to the removed person, nor to whoever their identity shows up as later.
 */
export function effectiveAdmins(client: ClientState): PubkeyHex[] {
  const present = new Set(leafMap(client.ratchetTree).values());
  return groupDataOf(client).admins.filter((a) => present.has(a));
}

// Views per state: the callback of `process` asks once per handshake message, and states are values.
const views = new WeakMap<ClientState, GroupView>();

/** The group as the rules see it (`permissions.ts`): leaf → person, and the effective admins. */
export function groupView(client: ClientState): GroupView {
  let view = views.get(client);
  if (view === undefined) {
    const tree = client.ratchetTree;
    let counts: Map<PubkeyHex, number> | undefined;
    view = {
      admins: effectiveAdmins(client),
      leafPubkey: (leaf) => leafPubkey(tree, leaf),
      devices: (pubkey) => {
        if (counts === undefined) {
          counts = new Map();
          for (let leaf = 0; leaf * 2 < tree.length; leaf++) {
            const pk = leafPubkey(tree, leaf);
            if (pk !== undefined) counts.set(pk, (counts.get(pk) ?? 0) + 1);
          }
        }
        return counts.get(pubkey) ?? 0;
      },
    };
    views.set(client, view);
  }
  return view;
}

/** Current members, one entry per person with their devices. */
export function members(state: GroupState): Member[] {
  return membersOf(unwrapState(state));
}

/** Name, description, admins and relays. */
export function groupData(state: GroupState): GroupData {
  return groupDataOf(unwrapState(state));
}

export function epoch(state: GroupState): number {
  return Number(unwrapState(state).groupContext.epoch);
}

export function groupId(state: GroupState): GroupIdHex {
  return bytesToHex(unwrapState(state).groupContext.groupId) as GroupIdHex;
}

/** The person this state belongs to. */
export function ownPubkey(state: GroupState): PubkeyHex {
  const client = unwrapState(state);
  const pk = leafMap(client.ratchetTree).get(client.privatePath.leafIndex);
  if (pk === undefined) fail("not-member", "This device is no longer in the group.");
  return pk;
}

/** This device's MLS leaf index. */
export function ownLeafIndex(state: GroupState): number {
  return unwrapState(state).privatePath.leafIndex;
}

/** The admins the rules count: listed in the group data and still members, in list order. */
export function currentAdmins(state: GroupState): PubkeyHex[] {
  return effectiveAdmins(unwrapState(state));
}

/** Listed as an admin in the group data and still a member (an entry left by a removal counts for nothing). */
export function isAdmin(state: GroupState, pubkey: PubkeyHex): boolean {
  return effectiveAdmins(unwrapState(state)).includes(pubkey);
}

/** False once this device was removed (or left). */
export function isActive(state: GroupState): boolean {
  return unwrapState(state).groupActiveState.kind === "active";
}

/** Number of proposals received and not yet committed. */
export function pendingProposalCount(state: GroupState): number {
  return Object.keys(unwrapState(state).unappliedProposals).length;
}

/**
 * A secret for this epoch only: MLS-Exporter(label, context, length). Every member of the epoch
 * gets the same bytes; nobody outside it can compute them.
 */
export async function exporterSecret(
  state: GroupState,
  label: string = TRANSPORT_EXPORTER_LABEL,
  context: Uint8Array = new Uint8Array(0),
  length = 32,
): Promise<Uint8Array> {
  const { mls } = await engineContext();
  const client = unwrapState(state);
  return mlsExporter(client.keySchedule.exporterSecret, label, context, length, mls.cipherSuite);
}

/** Epochs whose exporter secret this state can give: the current one first, then up to 3 past ones. */
export function exporterEpochs(state: GroupState): number[] {
  return [epoch(state), ...[...pastExporterSecrets(state).keys()].map(Number)];
}

/**
 * `exporterSecret` for a retained past epoch (or the current one), so the transport can still
 * open late messages of an epoch the group has left. `undefined` once the epoch is out of the window.
 */
export async function exporterSecretAt(
  state: GroupState,
  atEpoch: number,
  label: string = TRANSPORT_EXPORTER_LABEL,
  context: Uint8Array = new Uint8Array(0),
  length = 32,
): Promise<Uint8Array | undefined> {
  if (atEpoch === epoch(state)) return exporterSecret(state, label, context, length);
  const secret = pastExporterSecrets(state).get(BigInt(atEpoch));
  if (secret === undefined) return undefined;
  const { mls } = await engineContext();
  return mlsExporter(secret, label, context, length, mls.cipherSuite);
}

/** What an MLS message is, read from its clear header (RFC 9420 §6.3: group id, epoch, content type). */
export type MessageInfo =
  | { kind: "application" | "commit" | "proposal"; groupId: GroupIdHex; epoch: number }
  | { kind: "welcome" }
  | { kind: "key-package" }
  | { kind: "group-info" };

/** Classifies MLS message bytes without decrypting (for ordering: commits before messages). */
export function peekMessage(bytes: Uint8Array): MessageInfo {
  const msg = decodeMlsMessage(bytes);
  switch (msg.wireformat) {
    case wireformats.mls_private_message: {
      const pm = msg.privateMessage;
      const kind =
        pm.contentType === contentTypes.application
          ? "application"
          : pm.contentType === contentTypes.commit
            ? "commit"
            : "proposal";
      return { kind, groupId: bytesToHex(pm.groupId) as GroupIdHex, epoch: Number(pm.epoch) };
    }
    case wireformats.mls_public_message: {
      const c = msg.publicMessage.content;
      const kind =
        c.contentType === contentTypes.application
          ? "application"
          : c.contentType === contentTypes.commit
            ? "commit"
            : "proposal";
      return { kind, groupId: bytesToHex(c.groupId) as GroupIdHex, epoch: Number(c.epoch) };
    }
    case wireformats.mls_welcome:
      return { kind: "welcome" };
    case wireformats.mls_key_package:
      return { kind: "key-package" };
    default:
      return { kind: "group-info" };
  }
}
