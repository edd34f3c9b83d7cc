/**
 * Rally's group rules, checked by every member on every commit and proposal before ts-mls applies
 * it (RFC 9420 §12.4.2 lets the application reject a commit; Marmot MIP-03 "Who can commit").
 *
 * A proposal is judged by its proposer, when it arrives and again when it is committed, and a commit
 * also by its committer — so a plain member can neither get a change in through an admin's commit
 * nor have one stored for later:
 *
 * - Only admins may propose GroupContextExtensions (our group data) proposals, and Add proposals for
 *   other people. Any member may add a device of its own identity (a device the person linked):
 *   the added leaf's credential must name the proposer's Nostr key, and every member checks that
 *   credential's binding to that key as for any leaf.
 * - A Remove proposal from someone who is not an admin must remove a device of the proposer's own
 *   identity (leaving, or revoking another of the person's devices); an admin may remove anyone.
 * - Update proposals are refused: a device updates its keys with a commit of its own (a pending
 *   proposal would block everyone's sending until a commit), and one naming another identity would
 *   break RFC 9420 §5.3.1 anyway (a replacing credential must be a valid successor; Rally's rule is
 *   "the same Nostr key", checked on every UpdatePath too).
 * - A commit by someone who is not an admin carries nothing but its own path (a key update), other
 *   members' requests to leave (so leaving never waits for an admin), and, by value, its own
 *   person's devices added or removed (linking a device, revoking a lost one). An admin's commit may
 *   carry proposals of admins and requests to leave, nothing from other members.
 * - New group data must be valid, keep at least one admin, and the group context must keep exactly
 *   our two extensions (required_capabilities naming them, and the group data) — so nobody can
 *   add external senders or drop the rules.
 * - PSK, ReInit, ExternalInit and custom proposals, and commits from non-members, are refused.
 *
 * "Admin" always means listed in the group data *and* a current member (`GroupView.admins`): an
 * entry that outlived its person's removal grants nothing.
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
import { credentialPubkey, RALLY_CREDENTIAL_TYPE } from "./credential.ts";
import { decodeGroupData, type GroupData, RALLY_GROUP_DATA_EXTENSION } from "./groupData.ts";

export type ProposalView =
  /** `addedPubkey`: the person the added key package's credential names (undefined if unreadable). */
  | { type: "add"; senderLeaf: number | undefined; addedPubkey?: PubkeyHex | undefined }
  | { type: "remove"; senderLeaf: number | undefined; removedLeaf: number }
  /** `newPubkey`: the person the replacing leaf's credential names (undefined if unreadable). */
  | { type: "update"; senderLeaf: number | undefined; newPubkey: PubkeyHex | undefined }
  | { type: "group-data"; senderLeaf: number | undefined; data: GroupData | undefined }
  | { type: "other"; senderLeaf: number | undefined; proposalType: number };

export type Verdict = { ok: true } | { ok: false; reason: string };

const OK: Verdict = { ok: true };

/** Who is who in the group before the commit applies. */
/** Devices one person may hold in a group when not an admin adding them (see checkCommit). */
export const MAX_DEVICES_PER_PERSON = 16;

export interface GroupView {
  leafPubkey(leafIndex: number): PubkeyHex | undefined;
  /** How many devices (leaves) this person has in the group; absent: not counted. */
  devices?(pubkey: PubkeyHex): number;
  /** Effective admins: listed in the group data and present in the tree. */
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

function pubkeyOrUndefined(credential: Parameters<typeof credentialPubkey>[0]): PubkeyHex | undefined {
  try {
    return credentialPubkey(credential);
  } catch {
    return undefined;
  }
}

/** The parts of a ts-mls proposal the rules look at. */
export function viewProposal(p: ProposalWithSender): ProposalView {
  const senderLeaf = p.senderLeafIndex;
  const proposal = p.proposal;
  switch (proposal.proposalType) {
    case defaultProposalTypes.add:
      return "add" in proposal
        ? {
            type: "add",
            senderLeaf,
            addedPubkey: pubkeyOrUndefined(proposal.add.keyPackage.leafNode.credential),
          }
        : { type: "other", senderLeaf, proposalType: proposal.proposalType };
    case defaultProposalTypes.update:
      return "update" in proposal
        ? { type: "update", senderLeaf, newPubkey: pubkeyOrUndefined(proposal.update.leafNode.credential) }
        : { type: "other", senderLeaf, proposalType: proposal.proposalType };
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

/** Does an Add bring in a device of `person` (its credential names that Nostr key)? */
function isOwnDevice(person: PubkeyHex, p: ProposalView): boolean {
  return p.type === "add" && p.addedPubkey !== undefined && p.addedPubkey === person;
}

/** Is a removal one the removed person asked for (their own proposal, for a device of theirs)? */
export function isSelfRemoval(group: GroupView, p: ProposalView): boolean {
  if (p.type !== "remove" || p.senderLeaf === undefined) return false;
  const sender = group.leafPubkey(p.senderLeaf);
  return sender !== undefined && sender === group.leafPubkey(p.removedLeaf);
}

/**
 * May a member send (and may others store) this proposal? Judged by its proposer, at receipt and
 * again inside any commit that carries it.
 */
export function checkProposal(group: GroupView, p: ProposalView): Verdict {
  const sender = p.senderLeaf === undefined ? undefined : group.leafPubkey(p.senderLeaf);
  if (sender === undefined) return { ok: false, reason: "Proposals must come from a member of the group." };
  const isAdmin = group.admins.includes(sender);
  switch (p.type) {
    case "add":
      return isAdmin || isOwnDevice(sender, p)
        ? OK
        : { ok: false, reason: "Only an admin may add members (anyone may add their own devices)." };
    case "group-data":
      if (!isAdmin)
        return {
          ok: false,
          reason: "Only an admin may change the group's name, admins, relays or disappearing messages.",
        };
      return p.data === undefined ? { ok: false, reason: "The proposed group data is invalid." } : OK;
    case "remove":
      if (group.leafPubkey(p.removedLeaf) === undefined)
        return { ok: false, reason: "The device to remove is not in the group." };
      return isAdmin || isSelfRemoval(group, p)
        ? OK
        : { ok: false, reason: "Only an admin may remove someone else." };
    case "update":
      // RFC 9420 §5.3.1: a replacing credential must be a valid successor — the same person.
      if (p.newPubkey !== sender)
        return { ok: false, reason: "A device cannot change the person it belongs to." };
      // Rally devices update their keys with a commit of their own (an empty commit with a path).
      // A stored Update proposal would block every member's sending (MLS allows no application
      // message while proposals are pending) until someone commits: a plain member could stall the
      // group at will. No commit may carry one either (see checkCommit), so refuse it here.
      return { ok: false, reason: "Rally devices update their keys with a commit, not an Update proposal." };
    case "other":
      return { ok: false, reason: `Proposal type ${p.proposalType} is not used by Rally.` };
  }
}

/**
 * May `committerLeaf` commit these proposals? By-value proposals count as sent by the committer
 * (ts-mls reports the committer's leaf for them), by-reference ones by whoever proposed them.
 */
export function checkCommit(
  group: GroupView,
  committerLeaf: number | undefined,
  proposals: readonly ProposalView[],
): Verdict {
  if (committerLeaf === undefined)
    return { ok: false, reason: "Only members may commit (no external commits)." };
  const committer = group.leafPubkey(committerLeaf);
  if (committer === undefined) return { ok: false, reason: "The committer is not a member of the group." };
  const committerIsAdmin = group.admins.includes(committer);
  let ownAdds = 0;
  for (const p of proposals) {
    const proposalVerdict = checkProposal(group, p);
    if (!proposalVerdict.ok) return proposalVerdict;
    const selfRemoval = isSelfRemoval(group, p);
    if (committerIsAdmin) {
      // An admin's commit carries admins' proposals and requests to leave, nothing a plain member
      // proposed otherwise (their Update proposals, say): a commit is the committer's decision.
      const sender = p.senderLeaf === undefined ? undefined : group.leafPubkey(p.senderLeaf);
      if (!selfRemoval && (sender === undefined || !group.admins.includes(sender))) {
        return {
          ok: false,
          reason: "An admin's commit may carry only admins' changes and requests to leave.",
        };
      }
    } else if (p.senderLeaf === committerLeaf) {
      // By value: only the committer's own person's devices, added (linked) or removed (revoked).
      const own = p.type === "add" ? isOwnDevice(committer, p) : selfRemoval;
      if (!own) {
        return {
          ok: false,
          reason:
            "Someone who is not an admin may commit only key updates, others' requests to leave, and their own devices.",
        };
      }
      if (p.type === "add") ownAdds++;
    } else if (!selfRemoval) {
      // A plain member's commit: its own path plus other members' requests to leave, nothing else.
      return {
        ok: false,
        reason: "Someone who is not an admin may commit only key updates and others' requests to leave.",
      };
    }
  }
  // Adds carry no path, so each leaf a member adds for themselves widens every later removal: a
  // member adding devices without end could make the group's removals too large for any relay.
  if (ownAdds > 0 && (group.devices?.(committer) ?? 0) + ownAdds > MAX_DEVICES_PER_PERSON) {
    return {
      ok: false,
      reason: `A person may have at most ${MAX_DEVICES_PER_PERSON} devices in a group.`,
    };
  }
  return OK;
}
