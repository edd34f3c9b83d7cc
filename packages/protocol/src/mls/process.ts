/**
 * Sending and receiving group messages (RFC 9420 §6.3 PrivateMessage, §12.4.2 processing a commit).
 *
 * `process` enforces the group rules through ts-mls's accept/reject callback, so a forbidden commit
 * never changes the state, and reports what happened in Rally's terms (people, not leaves).
 *
 * ts-mls does not report which leaf sent an application message. The sender is the leaf whose
 * application ratchet in the secret tree moved (RFC 9420 §9: each message consumes one generation
 * of its sender's ratchet, and ts-mls returns a new tree node for exactly that leaf); the message
 * was signed with that leaf's key, which ts-mls verified, so the attribution is authenticated.
 */

import {
  type ClientState,
  contentTypes,
  createApplicationMessage,
  encode,
  type IncomingMessageAction,
  type MlsContext,
  type MlsMessage,
  mlsMessageEncoder,
  nodeTypes,
  processMessage,
  type RatchetTree,
  type SecretTree,
  wireformats,
} from "ts-mls";
import type { PubkeyHex } from "../nostr/event.ts";
import { bytesEqual, bytesToHex } from "./bytes.ts";
import { engineContext } from "./context.ts";
import { batchVerifier } from "./cryptoProvider.ts";
import { fail, fromMlsLibraryError, MlsEngineError } from "./errors.ts";
import { RALLY_GROUP_DATA_EXTENSION } from "./groupData.ts";
import { groupView } from "./inspect.ts";
import { leafMap, leafPubkey } from "./members.ts";
import { decodeMlsMessage } from "./mlsCodec.ts";
import {
  checkCommit,
  checkProposal,
  isSelfRemoval,
  type ProposalView,
  type Verdict,
  viewProposal,
} from "./permissions.ts";
import { type GroupState, unwrapState, wrapState } from "./state.ts";

/** Largest application plaintext: keeps one kind 445 event under common relay limits. */
export const MAX_PLAINTEXT_BYTES = 64 * 1024;

/** What the caller must save after a transition (see `persist.ts`). */
export type PersistHint = "message" | "all";

export async function encrypt(
  state: GroupState,
  plaintext: Uint8Array,
): Promise<{ state: GroupState; message: Uint8Array; persist: PersistHint }> {
  const { mls } = await engineContext();
  const client = unwrapState(state);
  if (plaintext.length > MAX_PLAINTEXT_BYTES) fail("bad-parameter", "This message is too long to send.");
  if (client.groupActiveState.kind !== "active") fail("not-member", "This device is no longer in the group.");
  try {
    const res = await createApplicationMessage({ context: mls, state: client, message: plaintext });
    return {
      state: wrapState(res.newState, state),
      message: encode(mlsMessageEncoder, res.message),
      persist: "message",
    };
  } catch (e) {
    throw fromMlsLibraryError(e, "encrypting a message");
  }
}

export type ProcessResult =
  | {
      kind: "application";
      sender: PubkeyHex;
      senderLeafIndex: number;
      plaintext: Uint8Array;
      /** Epoch the message was sent in (may be a retained past epoch). */
      epoch: number;
    }
  | {
      kind: "commit";
      committer: PubkeyHex;
      /** People who were not in the group before. */
      added: PubkeyHex[];
      /** People no longer in the group. */
      removed: PubkeyHex[];
      /** Those of `removed` who asked to leave (their own Remove proposals). */
      left: PubkeyHex[];
      groupDataChanged: boolean;
      /**
       * The committer was an admin (listed and a member) in the epoch the commit built on. Among
       * competing commits of one epoch, admins' win (`ordering.ts`).
       */
      byAdmin: boolean;
      /** This device was removed: the state can no longer send or read new epochs. */
      removedSelf: boolean;
      /** The epoch the commit began (for a removed device too, whose state stays in the one before). */
      epoch: number;
    }
  | {
      kind: "proposal";
      sender: PubkeyHex;
      proposal: ProposalView["type"];
      /** A person asking to remove their own device: any member may commit it. */
      selfRemoval: boolean;
    };

export interface ProcessOutput {
  state: GroupState;
  result: ProcessResult;
  persist: PersistHint;
}

// Per ratchet tree (trees change only at commits, and states share them): each leaf's signature
// key object → its leaf index. ts-mls checks an application message's signature with exactly the
// key object of the sender's leaf (`getSignaturePublicKeyFromLeafIndex`), so the key it verified
// with names the sender in O(1), where comparing the secret trees costs O(senders so far).
const leafOfKey = new WeakMap<RatchetTree, Map<Uint8Array, number>>();

function leafOfSignatureKey(tree: RatchetTree, key: Uint8Array): number | undefined {
  let map = leafOfKey.get(tree);
  if (map === undefined) {
    map = new Map();
    for (let i = 0; i < tree.length; i += 2) {
      const node = tree[i];
      if (node !== undefined && node.nodeType === nodeTypes.leaf)
        map.set(node.leaf.signaturePublicKey, i / 2);
    }
    leafOfKey.set(tree, map);
  }
  return map.get(key);
}

/**
 * The sender of an application message: the leaf whose key its one verified signature used, and
 * whose application ratchet moved (RFC 9420 §9: the message consumed one generation of it). Both
 * must agree; otherwise fall back to finding the one leaf whose ratchet moved.
 */
function senderLeaf(
  before: SecretTree,
  after: SecretTree,
  tree: RatchetTree,
  verifiedKeys: readonly Uint8Array[],
): number | undefined {
  const key = verifiedKeys.length === 1 ? verifiedKeys[0] : undefined;
  const leaf = key === undefined ? undefined : leafOfSignatureKey(tree, key);
  if (leaf !== undefined && before.leafNodes[leaf * 2] !== after.leafNodes[leaf * 2]) return leaf;
  return movedLeaf(before, after);
}

/** Leaf index whose ratchet node changed between two secret trees (nodes are keyed by node index). */
function movedLeaf(before: SecretTree, after: SecretTree): number | undefined {
  let found: number | undefined;
  for (const [key, node] of Object.entries(after.leafNodes)) {
    if (before.leafNodes[Number(key)] !== node) {
      if (found !== undefined) return undefined;
      found = Number(key) / 2;
    }
  }
  return found;
}

/** The signature key of the device at `leaf`, if any. */
function signatureKeyAt(tree: RatchetTree, leaf: number): Uint8Array | undefined {
  const node = tree[leaf * 2];
  return node !== undefined && node.nodeType === nodeTypes.leaf ? node.leaf.signaturePublicKey : undefined;
}

// Per ratchet tree: the hex signature keys of its devices (for `inTree`).
const keysOfTree = new WeakMap<RatchetTree, Set<string>>();

/** Is a device with this signature key in `tree`? */
function inTree(tree: RatchetTree, key: Uint8Array | undefined): boolean {
  if (key === undefined) return false;
  let keys = keysOfTree.get(tree);
  if (keys === undefined) {
    keys = new Set();
    for (let i = 0; i < tree.length; i += 2) {
      const k = signatureKeyAt(tree, i / 2);
      if (k !== undefined) keys.add(bytesToHex(k));
    }
    keysOfTree.set(tree, keys);
  }
  return keys.has(bytesToHex(key));
}

/** The first leaf that existed before, was not removed, and now names another person (or none). */
function identitySwitch(
  before: RatchetTree,
  after: RatchetTree,
  removed: ReadonlySet<number>,
): number | undefined {
  for (const [leaf, pubkey] of leafMap(before)) {
    if (removed.has(leaf)) continue;
    if (leafPubkey(after, leaf) !== pubkey) return leaf;
  }
  return undefined;
}

function people(tree: RatchetTree): Set<PubkeyHex> {
  return new Set(leafMap(tree).values());
}

function extensionBytes(client: ClientState): Uint8Array | undefined {
  const ext = client.groupContext.extensions.find((e) => e.extensionType === RALLY_GROUP_DATA_EXTENSION);
  return ext && ext.extensionData instanceof Uint8Array ? ext.extensionData : undefined;
}

/**
 * Processes one MLS message of this group. Throws `MlsEngineError` with codes a caller branches on:
 * `future-epoch` (apply missing commits first), `already-processed` / `old-epoch` (ignore),
 * `missing-proposal` (a commit names a proposal not received yet: retry once it arrives),
 * `forbidden` (a member broke the group rules; ignore), `sender-removed` (a late message from
 * someone no longer in the group; ignore), `wrong-group`, `decrypt-failed`, `malformed`.
 */
export async function process(state: GroupState, message: Uint8Array): Promise<ProcessOutput> {
  const { mls } = await engineContext();
  return processDecoded(mls, state, decodeMlsMessage(message));
}

async function processDecoded(mls: MlsContext, state: GroupState, msg: MlsMessage): Promise<ProcessOutput> {
  const client = unwrapState(state);
  // Rally sends every handshake and application message encrypted (PrivateMessage).
  if (msg.wireformat !== wireformats.mls_private_message) {
    fail("malformed", "Group messages must be MLS private messages.");
  }
  const pm = msg.privateMessage;
  if (!bytesEqual(pm.groupId, client.groupContext.groupId))
    fail("wrong-group", "This message is for another group.");
  const current = client.groupContext.epoch;
  if (pm.epoch > current) {
    fail(
      "future-epoch",
      `This message is from a later state of the group (epoch ${pm.epoch}, here ${current}).`,
    );
  }
  if (pm.epoch < current && pm.contentType !== contentTypes.application) {
    fail("old-epoch", "This change belongs to an earlier state of the group.");
  }
  if (client.groupActiveState.kind !== "active" && pm.epoch === current) {
    fail("not-member", "This device is no longer in the group.");
  }

  let verdict: Verdict = { ok: true };
  let committerLeaf: number | undefined;
  let proposalSeen: ProposalView | undefined;
  const removedLeaves = new Set<number>();
  const leaving = new Set<PubkeyHex>();
  const callback = (
    incoming: Parameters<NonNullable<Parameters<typeof processMessage>[0]["callback"]>>[0],
  ) => {
    let action: IncomingMessageAction = "accept";
    const view = groupView(client);
    if (incoming.kind === "commit") {
      committerLeaf = incoming.senderLeafIndex;
      const views = incoming.proposals.map(viewProposal);
      for (const p of views) if (p.type === "remove") removedLeaves.add(p.removedLeaf);
      for (const p of views) {
        const person = p.senderLeaf === undefined ? undefined : view.leafPubkey(p.senderLeaf);
        if (person !== undefined && isSelfRemoval(view, p)) leaving.add(person);
      }
      verdict = checkCommit(view, incoming.senderLeafIndex, views);
    } else {
      proposalSeen = viewProposal(incoming.proposal);
      verdict = checkProposal(view, proposalSeen);
    }
    if (!verdict.ok) action = "reject";
    return action;
  };

  // Remember the keys signatures were checked with (see `senderLeaf`).
  const verifiedKeys: Uint8Array[] = [];
  const signature = mls.cipherSuite.signature;
  const context: MlsContext = {
    ...mls,
    cipherSuite: {
      ...mls.cipherSuite,
      signature: {
        ...signature,
        verify(publicKey, message, sig) {
          verifiedKeys.push(publicKey);
          return signature.verify(publicKey, message, sig);
        },
      },
    },
  };
  let res: Awaited<ReturnType<typeof processMessage>>;
  try {
    res = await processMessage({ context, state: client, message: msg, callback });
  } catch (e) {
    throw fromMlsLibraryError(e, "reading a group message");
  }
  const finalVerdict = verdict as Verdict;
  if (!finalVerdict.ok) throw new MlsEngineError("forbidden", finalVerdict.reason);
  const next = res.newState;

  if (res.kind === "applicationMessage") {
    const epoch = pm.epoch;
    const [beforeTree, afterTree, ratchetTree] =
      epoch === current
        ? [client.secretTree, next.secretTree, client.ratchetTree]
        : [
            client.historicalReceiverData.get(epoch)?.secretTree,
            next.historicalReceiverData.get(epoch)?.secretTree,
            client.historicalReceiverData.get(epoch)?.ratchetTree,
          ];
    const leaf =
      beforeTree && afterTree && ratchetTree
        ? senderLeaf(beforeTree, afterTree, ratchetTree, verifiedKeys)
        : undefined;
    const sender =
      leaf === undefined || ratchetTree === undefined ? undefined : leafPubkey(ratchetTree, leaf);
    if (leaf === undefined || sender === undefined) fail("internal", "Could not tell who sent this message.");
    // A late message of a past epoch counts only if its sender is still in the group: otherwise a
    // removed member could keep writing (and, as an admin of that epoch, deleting) for as long as
    // the epoch is retained. Identified by the signature key, which a key update keeps.
    const senderKey = ratchetTree === undefined ? undefined : signatureKeyAt(ratchetTree, leaf);
    if (epoch !== current && !inTree(client.ratchetTree, senderKey)) {
      fail("sender-removed", "This message was sent by someone who has since left or been removed.");
    }
    return {
      state: wrapState(next, state),
      result: {
        kind: "application",
        sender,
        senderLeafIndex: leaf,
        plaintext: res.message,
        epoch: Number(epoch),
      },
      persist: "message",
    };
  }

  if (pm.contentType === contentTypes.commit) {
    if (committerLeaf === undefined) fail("internal", "A commit was processed without its committer.");
    const committer = leafPubkey(client.ratchetTree, committerLeaf);
    if (committer === undefined) fail("internal", "A commit came from an unknown leaf.");
    // RFC 9420 §5.3.1: an UpdatePath or Update replaces a leaf; the application must check that the
    // new credential is a valid successor. Rally's rule: every device that stays keeps its person.
    const switched = identitySwitch(client.ratchetTree, next.ratchetTree, removedLeaves);
    if (switched !== undefined) {
      throw new MlsEngineError("forbidden", "A member's device tried to change the person it belongs to.");
    }
    const before = people(client.ratchetTree);
    const after = people(next.ratchetTree);
    const removedSelf = next.groupActiveState.kind === "removedFromGroup";
    const oldData = extensionBytes(client);
    const newData = extensionBytes(next);
    return {
      state: wrapState(next, state),
      result: {
        kind: "commit",
        committer,
        added: [...after].filter((p) => !before.has(p)),
        removed: [...before].filter((p) => !after.has(p)),
        left: [...leaving].filter((p) => !after.has(p)),
        groupDataChanged: !(oldData && newData && bytesEqual(oldData, newData)),
        byAdmin: groupView(client).admins.includes(committer),
        removedSelf,
        // ts-mls leaves a removed member's state in the epoch it was removed from; the commit still
        // began the next one, and a notice filed under it must come after the change before it.
        epoch: removedSelf ? Number(client.groupContext.epoch) + 1 : Number(next.groupContext.epoch),
      },
      persist: "all",
    };
  }

  const seen = proposalSeen as ProposalView | undefined;
  if (seen === undefined || seen.senderLeaf === undefined)
    fail("internal", "A proposal was processed without its sender.");
  const sender = leafPubkey(client.ratchetTree, seen.senderLeaf);
  if (sender === undefined) fail("internal", "A proposal came from an unknown leaf.");
  return {
    state: wrapState(next, state),
    result: {
      kind: "proposal",
      sender,
      proposal: seen.type,
      selfRemoval: seen.type === "remove" && leafPubkey(client.ratchetTree, seen.removedLeaf) === sender,
    },
    persist: "all",
  };
}

export type BatchItem = { ok: true; result: ProcessResult } | { ok: false; error: MlsEngineError };

export interface BatchOutput {
  state: GroupState;
  /** One entry per input message, in order. */
  results: BatchItem[];
  persist: PersistHint;
}

/** Messages whose signature checks may be in flight at once (bounds memory and the redo cost). */
const MAX_BATCH_RUN = 128;
/**
 * Signature checks are handed to the thread pool this many at a time, not one by one: a pool thread
 * woken for each check costs more processor time (thread wake-ups, context switches) than a few
 * checks waiting for their neighbours (bench/mls/run.ts, processor time per message).
 */
const CHECK_CHUNK = 16;

function isApplicationMessage(msg: MlsMessage): boolean {
  return (
    msg.wireformat === wireformats.mls_private_message &&
    msg.privateMessage.contentType === contentTypes.application
  );
}

function toError(e: unknown): MlsEngineError {
  return e instanceof MlsEngineError ? e : fromMlsLibraryError(e, "reading a group message");
}

/**
 * Processes messages in the given order with the same results as calling `process` on each, but
 * faster for runs of application messages: their Ed25519 checks are started without waiting and
 * run in parallel with the next decryptions (off the main thread: WebCrypto, or the crypto
 * backend's `ed25519VerifyOffThread`). Results are
 * released only after every check of the run succeeded; if one failed, the run is redone one
 * message at a time with each check awaited, so a forged message is refused exactly as by
 * `process`. Commits and proposals are always processed one at a time.
 */
export async function processBatch(state: GroupState, messages: readonly Uint8Array[]): Promise<BatchOutput> {
  const { mls } = await engineContext();
  const decoded: (MlsMessage | MlsEngineError)[] = messages.map((m) => {
    try {
      return decodeMlsMessage(m);
    } catch (e) {
      return toError(e);
    }
  });
  const results: BatchItem[] = [];
  let current = state;
  let persist: PersistHint = "message";
  const strict = async (msg: MlsMessage | MlsEngineError): Promise<BatchItem> => {
    if (msg instanceof MlsEngineError) return { ok: false, error: msg };
    try {
      const out = await processDecoded(mls, current, msg);
      current = out.state;
      if (out.persist === "all") persist = "all";
      return { ok: true, result: out.result };
    } catch (e) {
      return { ok: false, error: toError(e) };
    }
  };
  let i = 0;
  while (i < decoded.length) {
    const start = i;
    const startState = current;
    const checks: Promise<boolean>[] = [];
    const signature = mls.cipherSuite.signature;
    const verifyLater = batchVerifier(mls.cipherSuite);
    // Checks not yet handed over, as [public key, signed content, signature].
    let pending: [Uint8Array, Uint8Array, Uint8Array][] = [];
    const dispatch = () => {
      for (const [key, content, sig] of pending) checks.push(verifyLater(key, content, sig));
      pending = [];
    };
    const optimistic: MlsContext = {
      ...mls,
      cipherSuite: {
        ...mls.cipherSuite,
        signature: {
          ...signature,
          verify(publicKey, message, sig) {
            pending.push([publicKey, message, sig]);
            if (pending.length >= CHECK_CHUNK) dispatch();
            return Promise.resolve(true);
          },
        },
      },
    };
    const run: BatchItem[] = [];
    for (; i < decoded.length && i - start < MAX_BATCH_RUN; i++) {
      const msg = decoded[i] as MlsMessage | MlsEngineError;
      if (msg instanceof MlsEngineError || !isApplicationMessage(msg)) break;
      try {
        const out = await processDecoded(optimistic, current, msg);
        current = out.state;
        run.push({ ok: true, result: out.result });
      } catch (e) {
        run.push({ ok: false, error: toError(e) });
      }
    }
    if (run.length > 0) {
      dispatch();
      const verdicts = await Promise.all(checks);
      if (verdicts.every(Boolean)) {
        results.push(...run);
      } else {
        current = startState;
        for (let j = start; j < i; j++) results.push(await strict(decoded[j] as MlsMessage));
      }
    }
    if (i < decoded.length && i - start < MAX_BATCH_RUN) {
      results.push(await strict(decoded[i] as MlsMessage | MlsEngineError));
      i++;
    }
  }
  return { state: current, results, persist };
}
