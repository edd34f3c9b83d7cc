/**
 * A hostile member for tests: a real Rally client (SQLite home, real relay, real MLS) plus the means
 * to publish what Rally's own client never would, straight to the relay, bypassing every client rule:
 *
 * - any MLS proposal by reference (Add, Remove of anyone, GroupContextExtensions carrying any Rally
 *   group data, Update with another identity's credential): `propose`;
 * - any commit (any by-value proposals, the pending proposals by reference or not, an UpdatePath
 *   whose leaf names another identity): `commit`. ts-mls puts a path in exactly when RFC 9420
 *   §12.4 requires one: an empty commit or one with Remove/Update has a path, an Add-only or
 *   data-only commit has none;
 * - any application message (an inner rumor of any kind and any inner `created_at`, or any
 *   plaintext bytes): `send`;
 *
 * each in the current epoch or in any past epoch the device held (`epochs`), under any outer
 * `created_at`, with an event id ground below a given one if asked (`idBelow`; `commitsOf` lists
 * the commits of an epoch on the relay). The device's own MLS state of every epoch is copied
 * (`snapshot`, done by `sync` and `act` before and after): a removed member keeps the state of the
 * epochs it was in, even after its device processed the removal and deleted its keys; a removed
 * admin keeps the epochs in which it was an admin.
 *
 *   const bob = new Hostile(bobClient);
 *   await bob.sync();                                   // copies epoch E
 *   await bob.propose(g, bob.dataProposal(g, { admins: [bobPk] }));
 *   await bob.commit(g, { epoch: E, createdAt: t - 3600, idBelow: theirs.id });
 *   await bob.send(g, buildChatMessage({ … }), { epoch: E });
 *
 * Roles come from the honest actions around it: a member who is not an admin, a removed member
 * (removed by an admin, then `send`/`propose`/`commit` with `epoch` = an epoch it was in), a removed
 * admin (promoted, snapshotted, removed).
 *
 * The hostile messages leave the device unaware of them: its commits are never adopted and its
 * events are marked seen. Its stored state still moves past the handshake and application
 * generations they used (RFC 9420 §9: a generation is used once), so the device's later honest
 * messages are not refused because of them.
 *
 * Also here: a world of clients around one relay process (`startWorld`), with a clock the tests can
 * move (the relay refuses events dated more than 15 minutes ahead, so tests start the clock behind
 * and move it forward).
 */
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import type { Rumor } from "@rally/protocol/app/index.ts";
import {
  deriveGroupMessageKeys,
  encodeInnerRumor,
  unwrapGroupMessage,
  type Rumor as WireRumor,
  wrapGroupMessage,
} from "@rally/protocol/marmot/index.ts";
import { engineContext } from "@rally/protocol/mls/context.ts";
import { RALLY_CREDENTIAL_TYPE, rallyCredential, signDeviceBinding } from "@rally/protocol/mls/credential.ts";
import { createDeviceIdentity } from "@rally/protocol/mls/device.ts";
import {
  encodeGroupData,
  type GroupData,
  RALLY_GROUP_DATA_EXTENSION,
} from "@rally/protocol/mls/groupData.ts";
import { epoch as epochOf, exporterSecret, groupData, peekMessage } from "@rally/protocol/mls/inspect.ts";
import { createKeyPackage, decodeKeyPackage } from "@rally/protocol/mls/keyPackage.ts";
import { leafMap } from "@rally/protocol/mls/members.ts";
import { type GroupState, unwrapState, wrapState } from "@rally/protocol/mls/state.ts";
import type { NostrEvent } from "nostr-tools/core";
import { generateSecretKey } from "nostr-tools/pure";
import WebSocket from "ws";
import { type RelayHandle, startRelay } from "../../../../tests/helpers/relay.ts";
// The client package does not depend on ts-mls; the harness reaches the engine's own copy, so the
// states it builds on are the engine's objects.
import * as tsmls from "../../../protocol/node_modules/ts-mls/dist/src/index.js";
import { signLeafNodeCommit } from "../../../protocol/node_modules/ts-mls/dist/src/leafNode.js";
import { nodeCryptoBackend } from "../../src/core/nodeCrypto.ts";
import { loadState, stateOps } from "../../src/group/mlsStore.ts";
import { RALLY_INNER_KINDS } from "../../src/group/names.ts";
import type { WebSocketConstructor } from "../../src/net/websocket.ts";
import { createRallyClient, type Rally } from "../../src/rallyClient.ts";
import { openHomeStore } from "../../src/store/sqlite.ts";

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

// --- a world: one relay, clients with real homes, one movable clock ---

export interface World {
  relay: RelayHandle;
  root: string;
  /** Added to the real clock for every client of this world (ms). */
  clock: { offsetMs: number };
  clients: Rally[];
}

export async function startWorld(name: string): Promise<World> {
  return {
    relay: await startRelay(),
    root: fs.mkdtempSync(path.join(os.tmpdir(), `rally-hostile-${name}-`)),
    clock: { offsetMs: 0 },
    clients: [],
  };
}

export async function stopWorld(w: World | undefined): Promise<void> {
  if (!w) return;
  for (const c of w.clients) await c.close().catch(() => undefined);
  await w.relay.stop();
  fs.rmSync(w.root, { recursive: true, force: true });
}

let homes = 0;

/** A person with an account on a real client (as `createNodeClient` builds it, with the world's clock). */
export async function person(w: World, name: string): Promise<Rally> {
  const client = await createRallyClient({
    store: openHomeStore(path.join(w.root, `${name}-${++homes}`)),
    WebSocket: WebSocket as unknown as WebSocketConstructor,
    mlsCrypto: nodeCryptoBackend(),
    fetchTimeoutMs: 8_000,
    nowMs: () => Date.now() + w.clock.offsetMs,
  });
  w.clients.push(client);
  await client.createAccount({ name, relays: [w.relay.url] });
  await client.deliver(8_000);
  return client;
}

export async function pubkeyOf(c: Rally): Promise<string> {
  const a = await c.account();
  if (!a) throw new Error("no account");
  return a.pubkey;
}

export async function npubOf(c: Rally): Promise<string> {
  const a = await c.account();
  if (!a) throw new Error("no account");
  return a.npub;
}

/** Fetches invitations and accepts them all. */
export async function acceptAll(c: Rally): Promise<void> {
  await c.sync();
  for (const inv of await c.invites()) await c.acceptInvite(inv.id);
  await c.deliver(8_000);
}

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

/** A group made by `admin` with `others` in it (each accepted), every device synced. */
export async function groupWith(admin: Rally, others: Rally[], name: string): Promise<string> {
  const g = await admin.createGroup({ name });
  for (const o of others) {
    await admin.invite(g.id, await npubOf(o));
    await acceptAll(o);
  }
  for (const c of [admin, ...others]) await c.sync();
  return g.id;
}

/** What a device shows of a group: name, description, relays, admins and members (sorted). */
export async function viewOf(c: Rally, group: string) {
  const rec = await c.groupsSvc.record(group);
  const members = await c.members(group);
  return {
    status: rec.status,
    name: rec.name,
    description: rec.description,
    relays: [...rec.relays].sort(),
    admins: members
      .filter((m) => m.admin)
      .map((m) => m.pubkey)
      .sort(),
    members: members.map((m) => m.pubkey).sort(),
  };
}
