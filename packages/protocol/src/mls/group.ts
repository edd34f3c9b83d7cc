/**
 * Group operations (RFC 9420 §11 group creation, §12.1 proposals, §12.4 commits, §12.4.3 joining
 * via Welcome), wrapped so every commit a Rally device builds already passes the group rules that
 * other members enforce (`permissions.ts`).
 *
 * A commit is returned together with the state it leads to; per Marmot MIP-03 the caller applies
 * that state only once a relay has accepted the commit, and keeps the previous state otherwise
 * (a competing commit for the same epoch may win, see `ordering.ts`). Welcomes must be sent only
 * after that acknowledgement (MIP-02). Secrets of the previous state are therefore not zeroed here:
 * it stays valid until the caller drops it.
 */

import {
  type ClientState,
  createCommit,
  createProposal,
  defaultExtensionTypes,
  defaultProposalTypes,
  encode,
  type GroupContextExtension,
  generateKeyPackageWithKey,
  joinGroup,
  type KeyPackage,
  type MlsWelcomeMessage,
  makeCustomExtension,
  makeKeyPackageRef,
  createGroup as mlsCreateGroup,
  mlsMessageEncoder,
  nodeTypes,
  type Proposal,
  type ProposalWithSender,
  protocolVersions,
  wireformats,
} from "ts-mls";
import { isPubkeyHex, type PubkeyHex } from "../nostr/event.ts";
import { bytesToHex } from "./bytes.ts";
import { engineContext } from "./context.ts";
import { credentialPubkey, RALLY_CREDENTIAL_TYPE, rallyCredential } from "./credential.ts";
import type { DeviceIdentity } from "./device.ts";
import { fail, fromMlsLibraryError } from "./errors.ts";
import { checkGroupData, encodeGroupData, type GroupData, RALLY_GROUP_DATA_EXTENSION } from "./groupData.ts";
import { groupDataOf, groupView } from "./inspect.ts";
import { decodeKeyPackage, decodePrivateKeyPackage, rallyCapabilities } from "./keyPackage.ts";
import { leafMap } from "./members.ts";
import { decodeMlsMessage } from "./mlsCodec.ts";
import { checkCommit, groupDataFromExtensions, isSelfRemoval, viewProposal } from "./permissions.ts";
import { type GroupState, unwrapState, wrapState } from "./state.ts";
import { decodeTreeBlob, encodeTreeBlob } from "./treeBlob.ts";

export interface NewGroup {
  name: string;
  description?: string;
  relays?: string[];
  /** Default: the creator only. The creator is always made an admin. */
  admins?: PubkeyHex[];
}

/** Result of building a commit: the state to apply once a relay accepted `commit`. */
export interface CommitOutput {
  state: GroupState;
  /** `MLSMessage(private_message)` bytes carrying the commit. */
  commit: Uint8Array;
}

export interface Welcome {
  /** The invitee. */
  pubkey: PubkeyHex;
  /** Hex KeyPackageRef of the key package used. */
  keyPackageRef: string;
  /** `MLSMessage(welcome)` bytes holding only this invitee's secrets. */
  welcome: Uint8Array;
}

export interface AddOutput extends CommitOutput {
  /** One welcome per added key package. */
  welcomes: Welcome[];
  /** The ratchet tree after the commit; send it with the welcomes (encrypted) unless inlined. */
  ratchetTree: Uint8Array;
}

function groupExtensions(data: GroupData): GroupContextExtension[] {
  return [
    {
      extensionType: defaultExtensionTypes.required_capabilities,
      extensionData: {
        extensionTypes: [RALLY_GROUP_DATA_EXTENSION],
        proposalTypes: [],
        credentialTypes: [RALLY_CREDENTIAL_TYPE],
      },
    },
    makeCustomExtension({ extensionType: RALLY_GROUP_DATA_EXTENSION, extensionData: encodeGroupData(data) }),
  ];
}

function activeClient(state: GroupState): ClientState {
  const client = unwrapState(state);
  if (client.groupActiveState.kind !== "active") fail("not-member", "This device is no longer in the group.");
  return client;
}

/** Creates a group with this device as its only member (epoch 0; nothing to publish yet). */
export async function createGroup(
  device: DeviceIdentity,
  init: NewGroup,
  options: { groupId?: Uint8Array } = {},
): Promise<GroupState> {
  const { mls, random } = await engineContext();
  const admins = [device.pubkey, ...(init.admins ?? []).filter((a) => a !== device.pubkey)];
  const data = checkGroupData({
    name: init.name,
    description: init.description ?? "",
    admins,
    relays: init.relays ?? [],
  });
  const { publicPackage, privatePackage } = await generateKeyPackageWithKey({
    credential: rallyCredential(device.binding),
    capabilities: rallyCapabilities(),
    signatureKeyPair: { signKey: device.signaturePrivateKey, publicKey: device.signaturePublicKey },
    cipherSuite: mls.cipherSuite,
  });
  // MIP-01: a random 32-byte group id that never leaves the group.
  const groupId = options.groupId ?? random(32);
  if (groupId.length < 16 || groupId.length > 64) fail("bad-parameter", "A group id is 16 to 64 bytes.");
  try {
    const client = await mlsCreateGroup({
      context: mls,
      groupId,
      keyPackage: publicPackage,
      privateKeyPackage: privatePackage,
      extensions: groupExtensions(data),
    });
    return wrapState(client);
  } catch (e) {
    throw fromMlsLibraryError(e, "creating the group");
  }
}

/**
 * Builds a commit of `extra` proposals plus the pending requests to leave this device may commit.
 * Refuses (without building anything) what other members would reject.
 */
async function buildCommit(
  state: GroupState,
  extra: Proposal[],
  options: { ratchetTreeExtension?: boolean } = {},
): Promise<{ client: ClientState; commit: Uint8Array; welcome: MlsWelcomeMessage | undefined }> {
  const { mls } = await engineContext();
  const client = activeClient(state);
  const view = groupView(client);
  const me = client.privatePath.leafIndex;
  const extraViews = extra.map((proposal) => viewProposal({ proposal, senderLeafIndex: me }));
  // ts-mls 2.0.0-rc.10 encrypts an update path under the group context *before* a
  // GroupContextExtensions proposal of the same commit, while receivers use the context after it
  // (fixed upstream in rc.12, not yet published): such a commit cannot be read. So a commit never
  // mixes a data change with a proposal that needs a path (Remove, Update); requests to leave wait
  // for the next commit.
  const extraChangesData = extraViews.some((p) => p.type === "group-data");
  const extraNeedsPath = extraViews.some((p) => p.type === "remove" || p.type === "update");
  if (extraChangesData && extraNeedsPath)
    fail("internal", "A data change cannot share a commit with removals.");
  const pending: Record<string, ProposalWithSender> = {};
  if (!extraChangesData) {
    for (const [ref, p] of Object.entries(client.unappliedProposals)) {
      const v = viewProposal(p);
      // Only other members' requests to leave ride along: anything else a member proposed would
      // become this device's decision without anyone having made it.
      if (isSelfRemoval(view, v) && v.senderLeaf !== me && checkCommit(view, me, [v]).ok) pending[ref] = p;
    }
  }
  const verdict = checkCommit(view, me, [...Object.values(pending).map(viewProposal), ...extraViews]);
  if (!verdict.ok) fail("not-admin", verdict.reason);
  try {
    const res = await createCommit({
      context: mls,
      state: { ...client, unappliedProposals: pending },
      extraProposals: extra,
      ratchetTreeExtension: options.ratchetTreeExtension ?? false,
    });
    return { client: res.newState, commit: encode(mlsMessageEncoder, res.commit), welcome: res.welcome };
  } catch (e) {
    throw fromMlsLibraryError(e, "building a commit");
  }
}

/**
 * Adds people's devices by their key packages: one commit, one small welcome per key package, and
 * the ratchet tree to send beside them.
 */
export async function addMembers(
  state: GroupState,
  keyPackages: Uint8Array[],
  options: {
    ratchetTreeInWelcome?: boolean;
    /**
     * Devices (hex signature public keys) removed in the same commit: a person's lost devices when
     * their recovered device comes back in their place, so they never stand apart in two epochs.
     */
    retire?: readonly string[];
  } = {},
): Promise<AddOutput> {
  const { mls } = await engineContext();
  if (keyPackages.length === 0) fail("bad-parameter", "Give at least one key package to add.");
  const packages: { kp: KeyPackage; ref: Uint8Array; pubkey: PubkeyHex }[] = [];
  const seen = new Set<string>();
  for (const bytes of keyPackages) {
    const kp = decodeKeyPackage(bytes);
    const ref = await makeKeyPackageRef(kp, mls.cipherSuite.hash);
    const refHex = bytesToHex(ref);
    if (seen.has(refHex)) fail("bad-parameter", "The same key package was given twice.");
    seen.add(refHex);
    packages.push({ kp, ref, pubkey: credentialPubkey(kp.leafNode.credential) });
  }
  const proposals: Proposal[] = packages.map(({ kp }) => ({
    proposalType: defaultProposalTypes.add,
    add: { keyPackage: kp },
  }));
  // Someone removed while an admin is still listed (see `removeMembers`) must not come back as one.
  const current = activeClient(state);
  const present = new Set(leafMap(current.ratchetTree).values());
  const data = groupDataOf(current);
  const stale = data.admins.filter((a) => !present.has(a));
  if (stale.some((a) => packages.some((p) => p.pubkey === a))) {
    proposals.push(groupDataProposal({ ...data, admins: data.admins.filter((a) => present.has(a)) }));
  }
  if (options.retire && options.retire.length > 0) {
    const retire = new Set(options.retire);
    current.ratchetTree.forEach((node, i) => {
      if (node?.nodeType !== nodeTypes.leaf || i / 2 === current.privatePath.leafIndex) return;
      if (retire.has(bytesToHex(node.leaf.signaturePublicKey)))
        proposals.push({ proposalType: defaultProposalTypes.remove, remove: { removed: i / 2 } });
    });
  }
  const { client, commit, welcome } = await buildCommit(
    state,
    proposals,
    options.ratchetTreeInWelcome ? { ratchetTreeExtension: true } : {},
  );
  if (welcome === undefined) fail("internal", "Adding members produced no welcome.");
  // RFC 9420 §12.4.3.1: each EncryptedGroupSecrets entry names its recipient's KeyPackageRef, and
  // a joiner looks only for its own; a welcome with just that entry is a valid welcome for it.
  const welcomes: Welcome[] = packages.map(({ ref, pubkey }) => {
    const refHex = bytesToHex(ref);
    const secrets = welcome.welcome.secrets.filter((s) => bytesToHex(s.newMember) === refHex);
    if (secrets.length !== 1) fail("internal", "A welcome is missing an invitee's secrets.");
    return {
      pubkey,
      keyPackageRef: refHex,
      welcome: encode(mlsMessageEncoder, {
        wireformat: wireformats.mls_welcome,
        version: protocolVersions.mls10,
        welcome: { ...welcome.welcome, secrets },
      }),
    };
  });
  return { state: wrapState(client, state), commit, welcomes, ratchetTree: encodeTreeBlob(client) };
}

/**
 * Removes every device of each person (admins only). A removed admin's entry stays in the admin
 * list until the next data change (`updateGroupData` drops admins who are not members), because
 * ts-mls 2.0.0-rc.10 cannot carry a removal and a data change in one commit (see `buildCommit`);
 * the rules count only admins who are members (`effectiveAdmins`), so the entry grants nothing.
 */
export async function removeMembers(state: GroupState, pubkeys: PubkeyHex[]): Promise<CommitOutput> {
  const client = activeClient(state);
  if (pubkeys.length === 0) fail("bad-parameter", "Name at least one person to remove.");
  const leaves = leafMap(client.ratchetTree);
  const me = leaves.get(client.privatePath.leafIndex);
  const proposals: Proposal[] = [];
  for (const pubkey of new Set(pubkeys)) {
    if (!isPubkeyHex(pubkey)) fail("bad-parameter", "A person to remove is not a valid public key.");
    if (pubkey === me)
      fail("bad-parameter", "To leave the group, use proposeLeave instead of removing yourself.");
    const theirs = [...leaves].filter(([, pk]) => pk === pubkey).map(([leaf]) => leaf);
    if (theirs.length === 0) fail("bad-parameter", "This person is not in the group.");
    for (const removed of theirs)
      proposals.push({ proposalType: defaultProposalTypes.remove, remove: { removed } });
  }
  const { client: next, commit } = await buildCommit(state, proposals);
  return { state: wrapState(next, state), commit };
}

/**
 * Removes devices by their signature public key (hex), whoever they belong to: a person revoking a
 * lost device of theirs, or an admin removing one device. Every member's rules judge the commit.
 */
export async function removeDevices(
  state: GroupState,
  signaturePublicKeys: readonly string[],
): Promise<CommitOutput> {
  const client = activeClient(state);
  const wanted = new Set(signaturePublicKeys);
  const proposals: Proposal[] = [];
  client.ratchetTree.forEach((node, i) => {
    if (node?.nodeType !== nodeTypes.leaf || i / 2 === client.privatePath.leafIndex) return;
    const key = Array.from(node.leaf.signaturePublicKey, (b) => b.toString(16).padStart(2, "0")).join("");
    if (wanted.has(key))
      proposals.push({ proposalType: defaultProposalTypes.remove, remove: { removed: i / 2 } });
  });
  if (proposals.length === 0) fail("bad-parameter", "None of those devices is in the group.");
  const { client: next, commit } = await buildCommit(state, proposals);
  return { state: wrapState(next, state), commit };
}

function groupDataProposal(data: GroupData): Proposal {
  return {
    proposalType: defaultProposalTypes.group_context_extensions,
    groupContextExtensions: { extensions: groupExtensions(checkGroupData(data)) },
  };
}

/**
 * Changes name, description, admins or relays (admins only). Admins who are no longer members are
 * dropped from the list on the way.
 */
export async function updateGroupData(state: GroupState, patch: Partial<GroupData>): Promise<CommitOutput> {
  const client = activeClient(state);
  const present = new Set(leafMap(client.ratchetTree).values());
  const merged = { ...groupDataOf(client), ...patch };
  const next = { ...merged, admins: merged.admins.filter((a) => present.has(a)) };
  const proposal = groupDataProposal(next);
  // Double-check the encoding we send is one every member's rules accept.
  if (groupDataFromExtensions(groupExtensions(next)) === undefined)
    fail("bad-group-data", "Invalid group data.");
  const { client: after, commit } = await buildCommit(state, [proposal]);
  return { state: wrapState(after, state), commit };
}

/**
 * Rotates this device's encryption keys with an empty commit and a fresh path (RFC 9420 §12.4:
 * post-compromise security). Also commits pending requests to leave (the only proposals any
 * member's commit carries besides its own).
 */
export async function selfUpdate(state: GroupState): Promise<CommitOutput> {
  const { client, commit } = await buildCommit(state, []);
  return { state: wrapState(client, state), commit };
}

/** Commits pending requests to leave (the same commit as `selfUpdate`: those plus a fresh path). */
export const commitPendingProposals = selfUpdate;

/**
 * Asks to leave: a Remove proposal for this device (RFC 9420 §12.1.3). MLS does not let a member
 * commit its own removal, so another member commits it (any member may, see `permissions.ts`).
 */
export async function proposeLeave(state: GroupState): Promise<{ state: GroupState; proposal: Uint8Array }> {
  const { mls } = await engineContext();
  const client = activeClient(state);
  try {
    const res = await createProposal({
      context: mls,
      state: client,
      proposal: {
        proposalType: defaultProposalTypes.remove,
        remove: { removed: client.privatePath.leafIndex },
      },
    });
    return { state: wrapState(res.newState, state), proposal: encode(mlsMessageEncoder, res.message) };
  } catch (e) {
    throw fromMlsLibraryError(e, "asking to leave");
  }
}

/**
 * Joins from a welcome (RFC 9420 §12.4.3.1). `ratchetTree` is the blob from `addMembers` unless the
 * welcome carries the tree itself. Every leaf's credential is verified on the way in.
 */
export async function joinFromWelcome(
  welcome: Uint8Array,
  privateKeyPackage: Uint8Array,
  ratchetTree?: Uint8Array,
): Promise<GroupState> {
  const { mls } = await engineContext();
  const msg = decodeMlsMessage(welcome, "welcome");
  if (msg.wireformat !== wireformats.mls_welcome) fail("malformed", "This MLS message is not a welcome.");
  const { keyPackage, privateKeys } = decodePrivateKeyPackage(privateKeyPackage);
  const tree = ratchetTree === undefined ? undefined : decodeTreeBlob(ratchetTree);
  let client: ClientState;
  try {
    client = await joinGroup({
      context: mls,
      welcome: msg.welcome,
      keyPackage,
      privateKeys,
      ...(tree ? { ratchetTree: tree } : {}),
    });
  } catch (e) {
    const err = fromMlsLibraryError(e, "joining the group");
    if (err.code === "decrypt-failed" || /No matching secret|Could not find/i.test(err.message)) {
      fail("decrypt-failed", "This welcome is not for this key package.", e);
    }
    throw err;
  }
  if (groupDataFromExtensions(client.groupContext.extensions) === undefined) {
    fail("bad-group-data", "This group does not carry valid Rally group data.");
  }
  return wrapState(client);
}
