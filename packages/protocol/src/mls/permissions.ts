/**
 * Rally's group rules, checked by every member on every commit and proposal before ts-mls applies
 * it (RFC 9420 §12.4.2 lets the application reject a commit; Marmot MIP-03 "Who can commit").
 *
 * - Only admins (listed in the group data) may commit Add proposals, remove other people, or change
 *   the group context extensions (our group data).
 * - Anyone may remove themselves: a member proposes removing their own device(s); any member may
 *   then commit that proposal, so leaving never waits for an admin.
 * - Anyone may commit their own key updates (an empty commit with a path, or Update proposals).
 * - New group data must be valid, keep at least one admin, and the group context must keep exactly
 *   our two extensions (required_capabilities naming them, and the group data) — so nobody can
 *   add external senders or drop the rules.
 * - PSK, ReInit, ExternalInit and custom proposals, and commits from non-members, are refused.
 *
 * The rules are pure functions of the current group (leaf → person, admin list) and the proposals.
 */

import {
  defaultExtensionTypes,
  defaultProposalTypes,
  type GroupContextExtension,
  type ProposalWithSender,
} from "ts-mls";
import type { PubkeyHex } from "../nostr/event.ts";
import { RALLY_CREDENTIAL_TYPE } from "./credential.ts";
import { decodeGroupData, type GroupData, RALLY_GROUP_DATA_EXTENSION } from "./groupData.ts";

export type ProposalView =
  | { type: "add"; senderLeaf: number | undefined }
  | { type: "remove"; senderLeaf: number | undefined; removedLeaf: number }
  | { type: "update"; senderLeaf: number | undefined }
  | { type: "group-data"; senderLeaf: number | undefined; data: GroupData | undefined }
  | { type: "other"; senderLeaf: number | undefined; proposalType: number };

export type Verdict = { ok: true } | { ok: false; reason: string };

const OK: Verdict = { ok: true };

/** Who is who in the group before the commit applies. */
export interface GroupView {
  leafPubkey(leafIndex: number): PubkeyHex | undefined;
  admins: readonly PubkeyHex[];
}

// Decoding validates every admin key (a curve point check), so remember results per extension
// bytes object: the state's extension list is shared by every message of an epoch.
const decodedData = new WeakMap<Uint8Array, GroupData | undefined>();

function decodeCached(bytes: Uint8Array): GroupData | undefined {
  if (decodedData.has(bytes)) return decodedData.get(bytes);
  let data: GroupData | undefined;
  try {
    data = decodeGroupData(bytes);
  } catch {
    data = undefined;
  }
  decodedData.set(bytes, data);
  return data;
}

/** Group data carried by a proposed extension list, or undefined if the list breaks our rules. */
export function groupDataFromExtensions(extensions: readonly GroupContextExtension[]): GroupData | undefined {
  if (extensions.length !== 2) return undefined;
  const required = extensions.find((e) => e.extensionType === defaultExtensionTypes.required_capabilities);
  const data = extensions.find((e) => e.extensionType === RALLY_GROUP_DATA_EXTENSION);
  if (required === undefined || data === undefined) return undefined;
  const caps = required.extensionData;
  if (
    typeof caps !== "object" ||
    !("extensionTypes" in caps) ||
    !caps.extensionTypes.includes(RALLY_GROUP_DATA_EXTENSION) ||
    !caps.credentialTypes.includes(RALLY_CREDENTIAL_TYPE)
  ) {
    return undefined;
  }
  if (!(data.extensionData instanceof Uint8Array)) return undefined;
  const decoded = decodeCached(data.extensionData);
  // Callers may keep the value; hand out a copy so the cached one cannot be altered.
  return decoded === undefined
    ? undefined
    : { ...decoded, admins: [...decoded.admins], relays: [...decoded.relays] };
}

/** The parts of a ts-mls proposal the rules look at. */
export function viewProposal(p: ProposalWithSender): ProposalView {
  const senderLeaf = p.senderLeafIndex;
  const proposal = p.proposal;
  switch (proposal.proposalType) {
    case defaultProposalTypes.add:
      return { type: "add", senderLeaf };
    case defaultProposalTypes.update:
      return { type: "update", senderLeaf };
    case defaultProposalTypes.remove:
      return "remove" in proposal
        ? { type: "remove", senderLeaf, removedLeaf: proposal.remove.removed }
        : { type: "other", senderLeaf, proposalType: proposal.proposalType };
    case defaultProposalTypes.group_context_extensions:
      return "groupContextExtensions" in proposal
        ? {
            type: "group-data",
            senderLeaf,
            data: groupDataFromExtensions(proposal.groupContextExtensions.extensions),
          }
        : { type: "other", senderLeaf, proposalType: proposal.proposalType };
    default:
      return { type: "other", senderLeaf, proposalType: proposal.proposalType };
  }
}

/** Is a removal one the removed person asked for (their own proposal, for their own device)? */
function isSelfRemoval(group: GroupView, p: Extract<ProposalView, { type: "remove" }>): boolean {
  if (p.senderLeaf === undefined) return false;
  const sender = group.leafPubkey(p.senderLeaf);
  return sender !== undefined && sender === group.leafPubkey(p.removedLeaf);
}

/** May a member send (and may others store) this proposal? Judged again when committed. */
export function checkProposal(group: GroupView, p: ProposalView): Verdict {
  if (p.senderLeaf === undefined || group.leafPubkey(p.senderLeaf) === undefined) {
    return { ok: false, reason: "Proposals must come from a member of the group." };
  }
  if (p.type === "other")
    return { ok: false, reason: `Proposal type ${p.proposalType} is not used by Rally.` };
  if (p.type === "group-data" && p.data === undefined) {
    return { ok: false, reason: "The proposed group data is invalid." };
  }
  return OK;
}

/** May `committerLeaf` commit these proposals? */
export function checkCommit(
  group: GroupView,
  committerLeaf: number | undefined,
  proposals: readonly ProposalView[],
): Verdict {
  if (committerLeaf === undefined)
    return { ok: false, reason: "Only members may commit (no external commits)." };
  const committer = group.leafPubkey(committerLeaf);
  if (committer === undefined) return { ok: false, reason: "The committer is not a member of the group." };
  const isAdmin = group.admins.includes(committer);
  for (const p of proposals) {
    // By-value proposals in a commit count as sent by the committer (ts-mls reports that leaf).
    const proposalVerdict = checkProposal(group, p);
    if (!proposalVerdict.ok) return proposalVerdict;
    switch (p.type) {
      case "add":
        if (!isAdmin) return { ok: false, reason: "Only an admin may add members." };
        break;
      case "remove":
        if (!isAdmin && !isSelfRemoval(group, p)) {
          return { ok: false, reason: "Only an admin may remove someone else." };
        }
        break;
      case "update":
        break;
      case "group-data":
        if (!isAdmin)
          return { ok: false, reason: "Only an admin may change the group's name, admins or relays." };
        if (p.data === undefined) return { ok: false, reason: "The new group data is invalid." };
        break;
      case "other":
        return { ok: false, reason: `Proposal type ${p.proposalType} is not used by Rally.` };
    }
  }
  return OK;
}
