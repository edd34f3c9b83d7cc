import { RALLY_INNER_KINDS, type Rumor } from "@rally/protocol/app";
import {
  createDeviceIdentity,
  createKeyPackage,
  decodeKeyPackage,
  encodeGroupData,
  engineContext,
  epoch as epochOf,
  exporterSecret,
  type GroupData,
  type GroupState,
  groupData,
  leafMap,
  peekMessage,
  RALLY_CREDENTIAL_TYPE,
  RALLY_GROUP_DATA_EXTENSION,
  rallyCredential,
  signDeviceBinding,
  unwrapState,
  wrapState,
} from "@rally/protocol/mls/internals";
import {
  deriveGroupMessageKeys,
  encodeInnerRumor,
  unwrapGroupMessage,
  type Rumor as WireRumor,
  wrapGroupMessage,
} from "@rally/protocol/wire";
import type { NostrEvent } from "nostr-tools/core";
import { generateSecretKey } from "nostr-tools/pure";
// The client package does not depend on ts-mls; the harness reaches the engine's own copy, so the
// states it builds on are the engine's objects.
import * as tsmls from "../../../protocol/node_modules/ts-mls/dist/src/index.js";
import { signLeafNodeCommit } from "../../../protocol/node_modules/ts-mls/dist/src/leafNode.js";
import { loadState, stateOps } from "../../src/group/mlsStore.ts";
import type { Rally } from "../../src/rallyClient.ts";

export type Proposal = tsmls.Proposal;

/** Where and when a hostile message goes. */
export interface SendOptions {
  /** MLS epoch to act in (default: the newest the device holds). */
  epoch?: number;
  /** Outer (kind 445) `created_at`, unix seconds (default: the device's clock). */
  createdAt?: number;
  /**
   * Grind the event id below this one (fresh one-time keys until it is): the id is a hash the
   * sender controls, so a rule "lowest id wins" is a rule the sender can win.
   */
  idBelow?: string;
}

export interface CommitOptions extends SendOptions {
  /** By-value proposals. */
  proposals?: Proposal[];
  /** Commit the proposals the device holds as pending, by reference (default false). */
  byReference?: boolean;
  /** Nostr secret key of another identity: the commit's UpdatePath leaf carries its credential. */
  asIdentity?: Uint8Array;
}

// --- a world (one relay, clients with real homes, one movable clock): ../world.ts ---

export {
  acceptAll,
  groupWith,
  npubOf,
  person,
  pubkeyOf,
  startWorld,
  stopWorld,
  viewOf,
  type World,
} from "../world.ts";

// --- the hostile member ---

export class Hostile {
  /** group → epoch → the device's latest state in that epoch. */
  private readonly states = new Map<string, Map<number, GroupState>>();

  constructor(readonly client: Rally) {}

  /** Copies the device's current MLS state of every group it still holds keys for. */
  async snapshot(): Promise<void> {
    for (const rec of await this.client.groupsSvc.records()) {
      let state: GroupState;
      try {
        state = await loadState(this.client.core.store, rec.id);
      } catch {
        continue; // keys gone (removed, left): the copies stay
      }
      this.keep(rec.id, state);
    }
  }

  /** Honest sync, with copies before and after. */
  async sync(): Promise<void> {
    await this.snapshot();
    await this.client.sync();
    await this.snapshot();
  }

  /** Any honest action, with copies before and after (an action may commit and change epoch). */
  async act<T>(fn: (c: Rally) => Promise<T>): Promise<T> {
    await this.snapshot();
    const out = await fn(this.client);
    await this.snapshot();
    return out;
  }

  /** Epochs of a group the device can act in, newest first. */
  epochs(group: string): number[] {
    return [...(this.states.get(group)?.keys() ?? [])].sort((a, b) => b - a);
  }

  /** The device's state in an epoch (default: the newest held). */
  state(group: string, epoch?: number): GroupState {
    const byEpoch = this.states.get(group);
    const e = epoch ?? this.epochs(group)[0];
    const s = e === undefined ? undefined : byEpoch?.get(e);
    if (!s) throw new Error(`the device holds no state of epoch ${epoch} of ${group}`);
    return s;
  }

  /** Leaf index of a person's first device in an epoch's tree (undefined: not a member then). */
  leafOf(group: string, pubkey: string, epoch?: number): number | undefined {
    for (const [leaf, pk] of leafMap(unwrapState(this.state(group, epoch)).ratchetTree))
      if (pk === pubkey) return leaf;
    return undefined;
  }

  /** Events of an epoch on the group's relays that carry commits (anyone's), as this device reads them. */
  async commitsOf(group: string, epoch: number): Promise<NostrEvent[]> {
    const secret = await exporterSecret(this.state(group, epoch));
    const { routingTag } = deriveGroupMessageKeys(secret);
    const rec = await this.client.groupsSvc.record(group);
    const t = this.client.core.transport;
    const { events } = await t.fetch(t.anonymous, rec.relays, [{ kinds: [445], "#h": [routingTag] }]);
    return events.filter((e) => {
      try {
        return peekMessage(unwrapGroupMessage(e, secret)).kind === "commit";
      } catch {
        return false;
      }
    });
  }

  // --- proposal builders ---

  /** GroupContextExtensions with the epoch's group data changed by `patch` (any names, admins, relays). */
  dataProposal(
    group: string,
    patch: Partial<Omit<GroupData, "admins">> & { admins?: string[] },
    epoch?: number,
  ): Proposal {
    const data = encodeGroupData({ ...groupData(this.state(group, epoch)), ...patch } as GroupData);
    return {
      proposalType: tsmls.defaultProposalTypes.group_context_extensions,
      groupContextExtensions: {
        extensions: [
          {
            extensionType: tsmls.defaultExtensionTypes.required_capabilities,
            extensionData: {
              extensionTypes: [RALLY_GROUP_DATA_EXTENSION],
              proposalTypes: [],
              credentialTypes: [RALLY_CREDENTIAL_TYPE],
            },
          },
          tsmls.makeCustomExtension({ extensionType: RALLY_GROUP_DATA_EXTENSION, extensionData: data }),
        ],
      },
    };
  }

  /** Remove of a person's device (anyone's). */
  removeProposal(group: string, pubkey: string, epoch?: number): Proposal {
    const leaf = this.leafOf(group, pubkey, epoch);
    if (leaf === undefined) throw new Error("not a member in that epoch");
    return { proposalType: tsmls.defaultProposalTypes.remove, remove: { removed: leaf } };
  }

  /** Add of a fresh device of `secretKey`'s identity (default: a stranger nobody invited). */
  async addProposal(secretKey: Uint8Array = generateSecretKey()): Promise<Proposal> {
    const kp = await createKeyPackage(createDeviceIdentity(secretKey));
    return {
      proposalType: tsmls.defaultProposalTypes.add,
      add: { keyPackage: decodeKeyPackage(kp.keyPackage) },
    };
  }

  /** Update of the device's own leaf, naming another identity (its binding of this device's key). */
  async updateProposal(group: string, asIdentity: Uint8Array, epoch?: number): Promise<Proposal> {
    const { mls } = await engineContext();
    const client = unwrapState(this.state(group, epoch));
    const leafIndex = client.privatePath.leafIndex;
    const node = client.ratchetTree[leafIndex * 2];
    if (!node || node.nodeType !== tsmls.nodeTypes.leaf) throw new Error("no own leaf");
    const own = node.leaf;
    const keys = await mls.cipherSuite.hpke.generateKeyPair();
    const tbs = {
      hpkePublicKey: await mls.cipherSuite.hpke.exportPublicKey(keys.publicKey),
      signaturePublicKey: own.signaturePublicKey,
      credential: rallyCredential(signDeviceBinding(asIdentity, own.signaturePublicKey)),
      capabilities: own.capabilities,
      leafNodeSource: tsmls.leafNodeSources.update,
      extensions: own.extensions,
      groupId: client.groupContext.groupId,
      leafIndex,
    };
    // ts-mls signs an update leaf exactly as a commit leaf (same LeafNodeTBS with group id and index).
    const signed = (await signLeafNodeCommit(
      tbs as unknown as Parameters<typeof signLeafNodeCommit>[0],
      client.signaturePrivateKey,
      mls.cipherSuite.signature,
    )) as unknown as tsmls.LeafNodeUpdate & { groupId?: unknown; leafIndex?: unknown };
    const { groupId: _g, leafIndex: _l, ...leafNode } = signed;
    return { proposalType: tsmls.defaultProposalTypes.update, update: { leafNode } };
  }

  // --- publishing ---

  /** Publishes a proposal (by reference: members store it and a commit must name it). */
  async propose(group: string, proposal: Proposal, opts: SendOptions = {}): Promise<NostrEvent> {
    const { mls } = await engineContext();
    const from = this.state(group, opts.epoch);
    const client = unwrapState(from);
    const res = await tsmls.createProposal({ context: mls, state: client, proposal });
    // Keep the generation used; forget the proposal itself (the device is unaware of it).
    await this.moved(group, from, { ...res.newState, unappliedProposals: client.unappliedProposals });
    return this.publish(group, from, tsmls.encode(tsmls.mlsMessageEncoder, res.message), opts);
  }

  /** Publishes a commit; the device does not adopt it. */
  async commit(group: string, opts: CommitOptions = {}): Promise<NostrEvent> {
    const { mls } = await engineContext();
    const from = this.state(group, opts.epoch);
    let client = unwrapState(from);
    if (opts.asIdentity) {
      // RFC 9420 §7.5: the committer's new leaf is built from its current one, credential included.
      const tree = client.ratchetTree.slice();
      const i = client.privatePath.leafIndex * 2;
      const node = tree[i];
      if (!node || node.nodeType !== tsmls.nodeTypes.leaf) throw new Error("no own leaf");
      const binding = signDeviceBinding(opts.asIdentity, node.leaf.signaturePublicKey);
      tree[i] = { ...node, leaf: { ...node.leaf, credential: rallyCredential(binding) } };
      client = { ...client, ratchetTree: tree };
    }
    const res = await tsmls.createCommit({
      context: mls,
      state: { ...client, unappliedProposals: opts.byReference ? client.unappliedProposals : {} },
      extraProposals: opts.proposals ?? [],
    });
    // The commit used one handshake generation of this epoch; a throw-away proposal from the same
    // state uses the same one, and gives the state with that generation spent.
    const spent = await tsmls.createProposal({
      context: mls,
      state: unwrapState(from),
      proposal: this.dataProposal(group, {}, epochOf(from)),
    });
    await this.moved(group, from, {
      ...spent.newState,
      unappliedProposals: unwrapState(from).unappliedProposals,
    });
    return this.publish(group, from, tsmls.encode(tsmls.mlsMessageEncoder, res.commit), opts);
  }

  /**
   * Publishes an application message: an inner rumor of any kind (built with any `created_at`), or
   * any plaintext bytes.
   */
  async send(group: string, rumor: Rumor | Uint8Array, opts: SendOptions = {}): Promise<NostrEvent> {
    const { mls } = await engineContext();
    const from = this.state(group, opts.epoch);
    const res = await tsmls.createApplicationMessage({
      context: mls,
      state: unwrapState(from),
      message:
        rumor instanceof Uint8Array
          ? rumor
          : encodeInnerRumor(rumor as WireRumor, new Set([...RALLY_INNER_KINDS, rumor.kind])),
    });
    await this.moved(group, from, res.newState);
    return this.publish(group, from, tsmls.encode(tsmls.mlsMessageEncoder, res.message), opts);
  }

  private keep(group: string, state: GroupState): void {
    let byEpoch = this.states.get(group);
    if (!byEpoch) {
      byEpoch = new Map();
      this.states.set(group, byEpoch);
    }
    byEpoch.set(epochOf(state), state);
  }

  /** Records the state after a hostile message in the copy and, for the stored epoch, on the device. */
  private async moved(group: string, from: GroupState, next: tsmls.ClientState): Promise<void> {
    const state = wrapState(next, from);
    this.keep(group, state);
    const core = this.client.core;
    await core.exclusive(async () => {
      let stored: GroupState;
      try {
        stored = await loadState(core.store, group);
      } catch {
        return;
      }
      if (epochOf(stored) === epochOf(state)) await core.store.batch(stateOps(group, state, "all"));
    });
  }

  private async publish(
    group: string,
    from: GroupState,
    mlsMessage: Uint8Array,
    opts: SendOptions,
  ): Promise<NostrEvent> {
    const core = this.client.core;
    const secret = await exporterSecret(from);
    const wrap = () =>
      wrapGroupMessage({ exporterSecret: secret, mlsMessage, now: opts.createdAt ?? core.now() });
    let event = wrap();
    for (let i = 0; opts.idBelow !== undefined && event.id >= opts.idBelow; i++) {
      if (i > 10_000) throw new Error("could not grind an id that low");
      event = wrap();
    }
    await core.exclusive(() =>
      core.store.batch([{ op: "markSeen", group, ids: [event.id], at: core.now() }]),
    );
    const rec = await this.client.groupsSvc.record(group);
    const results = await core.transport.publishNow(event, rec.relays);
    if (!results.some((r) => r.ok))
      throw new Error(`no relay took the hostile event: ${JSON.stringify(results)}`);
    return event;
  }
}
