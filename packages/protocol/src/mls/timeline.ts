/**
 * A group's message timeline: turns group messages received in any order, any number of times,
 * into one deterministic sequence of states (RFC 9420 §14 leaves ordering to the delivery
 * service; Rally has none, so members agree by rule, `ordering.ts`: per epoch the valid commit of
 * an admin before any other, then the lowest event id; the sender-chosen `created_at` plays no part).
 *
 * - Proposals and application messages of the current epoch are processed as they arrive; those
 *   of a later epoch wait until the group reaches it.
 * - Every commit of the current epoch is tried on the same state (whether its committer is an admin
 *   is known only once it is read); the best one that applies wins, those that fail (forbidden,
 *   invalid, missing-proposal) are set aside until a proposal of their epoch arrives.
 * - A better commit (or a proposal that may make one valid) arriving for an epoch already left
 *   rolls the group back to the checkpoint kept before that epoch's commit and replays; so the
 *   final state depends only on the set of messages, not on their order. Checkpoints are kept for
 *   `window` epochs; older commits are final.
 * - The device's own commits are registered with the state they lead to (MLS members cannot
 *   process their own commits) and compete like any other.
 *
 * Application messages are not stored once processed: MLS's own replay protection refuses a second
 * copy (`already-processed`), and after a rollback only messages of the winning branch can decrypt.
 * The timeline is a value: every call returns a new one.
 */

import type { PubkeyHex } from "../nostr/event.ts";
import { bytesToHex } from "./bytes.ts";
import { isMlsEngineError, type MlsErrorCode } from "./errors.ts";
import { epoch as epochOf, isAdmin, type MessageInfo, ownPubkey, peekMessage } from "./inspect.ts";
import { type CommitRank, compareCommits } from "./ordering.ts";
import { type ProcessResult, process } from "./process.ts";
import { type GroupState, unwrapState } from "./state.ts";

/** A group message with the outer Nostr event's id. */
export interface Envelope {
  id: string;
  message: Uint8Array;
}

interface Handshake {
  env: Envelope;
  kind: "commit" | "proposal";
  epoch: number;
}

interface Checkpoint {
  /** State just before the commit of `epoch` was applied. */
  before: GroupState;
  /** Proposal ids already reflected in `before`. */
  beforeProposals: ReadonlySet<string>;
  epoch: number;
  /** The commit applied at `epoch`, and how it ranked. */
  commit: Envelope;
  rank: CommitRank;
}

export interface Timeline {
  readonly head: GroupState;
  /** Proposal ids processed into `head` during its epoch. */
  readonly headProposals: ReadonlySet<string>;
  readonly checkpoints: readonly Checkpoint[];
  /** Commits and proposals of retained epochs and later. */
  readonly handshakes: ReadonlyMap<string, Handshake>;
  /** Application messages of epochs not reached yet. */
  readonly waiting: readonly (Envelope & { epoch: number })[];
  /** Commits of this device: id → the state they were built on (by epoch key) and lead to. */
  readonly own: ReadonlyMap<string, { base: string; after: GroupState }>;
  /** Commits that failed against the state they were tried on (id → reason). */
  readonly failed: ReadonlyMap<string, MlsErrorCode>;
  readonly window: number;
}

export type TimelineEvent =
  | { kind: "application"; id: string; sender: PubkeyHex; plaintext: Uint8Array; epoch: number }
  | {
      kind: "commit";
      id: string;
      result: Extract<ProcessResult, { kind: "commit" }> | { kind: "own" };
      epoch: number;
    }
  | { kind: "proposal"; id: string; result: Extract<ProcessResult, { kind: "proposal" }> }
  | { kind: "rolled-back"; toEpoch: number }
  | { kind: "ignored"; id: string; reason: MlsErrorCode };

/** Furthest epoch ahead of the head a message is kept for. */
export const MAX_EPOCHS_AHEAD = 10_000;
/** Most messages kept waiting (future application messages plus commits and proposals). */
export const MAX_KEPT = 50_000;

export function startTimeline(state: GroupState, options: { window?: number } = {}): Timeline {
  return {
    head: state,
    headProposals: new Set(),
    checkpoints: [],
    handshakes: new Map(),
    waiting: [],
    own: new Map(),
    failed: new Map(),
    window: options.window ?? 3,
  };
}

/** Identifies one epoch of one branch: the epoch number and its confirmation tag. */
function epochKey(state: GroupState): string {
  const client = unwrapState(state);
  return `${client.groupContext.epoch}:${bytesToHex(client.confirmationTag)}`;
}

/**
 * Registers a commit this device built from `before` (once a relay accepted it) and the state
 * `after` it leads to. It competes with other commits of its epoch like any received one.
 */
export async function recordOwnCommit(
  t: Timeline,
  env: Envelope,
  commit: { before: GroupState; after: GroupState },
): Promise<{ timeline: Timeline; events: TimelineEvent[] }> {
  const own = new Map(t.own).set(env.id, { base: epochKey(commit.before), after: commit.after });
  // The relay may have echoed the commit before we recorded it: judge it again as our own.
  const handshakes = new Map(t.handshakes);
  handshakes.delete(env.id);
  const failed = new Map(t.failed);
  failed.delete(env.id);
  return receive({ ...t, own, handshakes, failed }, env);
}

/** Takes one received group message (duplicates and any order are fine). */
export async function receive(
  t: Timeline,
  env: Envelope,
): Promise<{ timeline: Timeline; events: TimelineEvent[] }> {
  const events: TimelineEvent[] = [];
  if (t.handshakes.has(env.id) || t.waiting.some((w) => w.id === env.id)) return { timeline: t, events };
  let info: MessageInfo;
  try {
    info = peekMessage(env.message);
  } catch (e) {
    events.push({ kind: "ignored", id: env.id, reason: isMlsEngineError(e) ? e.code : "malformed" });
    return { timeline: t, events };
  }
  if (!("epoch" in info)) {
    events.push({ kind: "ignored", id: env.id, reason: "malformed" });
    return { timeline: t, events };
  }
  const head = epochOf(t.head);
  const oldest = t.checkpoints[0]?.epoch ?? head;
  // Bound what a flood of bogus future messages can make us keep.
  if (info.epoch > head + MAX_EPOCHS_AHEAD || t.waiting.length + t.handshakes.size >= MAX_KEPT) {
    if (info.epoch > head) {
      events.push({ kind: "ignored", id: env.id, reason: "too-far-ahead" });
      return { timeline: t, events };
    }
  }

  if (info.kind === "application") {
    if (info.epoch > head)
      return { timeline: { ...t, waiting: [...t.waiting, { ...env, epoch: info.epoch }] }, events };
    const r = await tryProcess(t.head, env);
    events.push(r.event);
    return { timeline: { ...t, head: r.state }, events };
  }

  if (info.epoch < oldest) {
    events.push({ kind: "ignored", id: env.id, reason: "old-epoch" });
    return { timeline: t, events };
  }
  const handshakes = new Map(t.handshakes).set(env.id, { env, kind: info.kind, epoch: info.epoch });
  // A new proposal may make a previously failing commit of its epoch valid: forget those failures.
  const failed = new Map(t.failed);
  if (info.kind === "proposal") {
    for (const [id, h] of handshakes) if (h.kind === "commit" && h.epoch === info.epoch) failed.delete(id);
  }
  let next: Timeline = { ...t, handshakes, failed };

  if (info.epoch < head) {
    const at = next.checkpoints.findIndex((c) => c.epoch === info.epoch);
    const cp = next.checkpoints[at];
    if (cp === undefined) return { timeline: next, events };
    if (info.kind === "commit") {
      // Only a commit that applies on the checkpoint and outranks the one applied there counts.
      const tried = await tryCommit(next, cp.before, env);
      if (!tried.ok || compareCommits(tried.rank, cp.rank) >= 0) return { timeline: next, events };
    }
    // Failures were judged against the abandoned branch; judge again from the checkpoint on.
    const stillFailed = new Map(
      [...next.failed].filter(([id]) => (next.handshakes.get(id)?.epoch ?? 0) < info.epoch),
    );
    next = {
      ...next,
      failed: stillFailed,
      head: cp.before,
      headProposals: cp.beforeProposals,
      checkpoints: next.checkpoints.slice(0, at),
    };
    events.push({ kind: "rolled-back", toEpoch: info.epoch });
  }
  return advance(next, events);
}

async function tryProcess(
  state: GroupState,
  env: Envelope,
): Promise<{ state: GroupState; event: TimelineEvent; ok: boolean; result?: ProcessResult }> {
  try {
    const out = await process(state, env.message);
    const r = out.result;
    const event: TimelineEvent =
      r.kind === "application"
        ? { kind: "application", id: env.id, sender: r.sender, plaintext: r.plaintext, epoch: r.epoch }
        : r.kind === "commit"
          ? { kind: "commit", id: env.id, result: r, epoch: r.epoch }
          : { kind: "proposal", id: env.id, result: r };
    return { state: out.state, event, ok: true, result: r };
  } catch (e) {
    const reason: MlsErrorCode = isMlsEngineError(e) ? e.code : "internal";
    return { state, event: { kind: "ignored", id: env.id, reason }, ok: false };
  }
}

const byId = (a: { id: string }, b: { id: string }): number => (a.id < b.id ? -1 : a.id > b.id ? 1 : 0);
const byOrder = (a: { env: Envelope }, b: { env: Envelope }) => byId(a.env, b.env);

type Tried =
  | { ok: true; rank: CommitRank; after: GroupState; event: TimelineEvent }
  | { ok: false; reason: MlsErrorCode; event: TimelineEvent };

/** Tries one commit on `state`: an own commit applies only on the very state it was built on. */
async function tryCommit(t: Timeline, state: GroupState, env: Envelope): Promise<Tried> {
  const own = t.own.get(env.id);
  const e = epochOf(state);
  if (own !== undefined) {
    if (own.base !== epochKey(state)) {
      return { ok: false, reason: "old-epoch", event: { kind: "ignored", id: env.id, reason: "old-epoch" } };
    }
    return {
      ok: true,
      rank: { byAdmin: isAdmin(state, ownPubkey(state)), id: env.id },
      after: own.after,
      event: { kind: "commit", id: env.id, result: { kind: "own" }, epoch: e + 1 },
    };
  }
  const r = await tryProcess(state, env);
  if (r.ok && r.result?.kind === "commit") {
    return { ok: true, rank: { byAdmin: r.result.byAdmin, id: env.id }, after: r.state, event: r.event };
  }
  const reason = r.event.kind === "ignored" ? r.event.reason : "invalid";
  return { ok: false, reason, event: { kind: "ignored", id: env.id, reason } };
}

/** Moves the head forward as far as the known messages allow. */
async function advance(
  t: Timeline,
  events: TimelineEvent[],
): Promise<{ timeline: Timeline; events: TimelineEvent[] }> {
  let { head, headProposals, checkpoints, waiting, failed } = t;
  for (;;) {
    const e = epochOf(head);
    // Proposals of this epoch, then application messages that waited for it.
    const proposals = [...t.handshakes.values()]
      .filter((h) => h.kind === "proposal" && h.epoch === e && !headProposals.has(h.env.id))
      .sort(byOrder);
    for (const p of proposals) {
      const r = await tryProcess(head, p.env);
      head = r.state;
      headProposals = new Set(headProposals).add(p.env.id);
      events.push(r.event);
    }
    const ready = waiting.filter((w) => w.epoch === e).sort(byId);
    if (ready.length > 0) {
      waiting = waiting.filter((w) => w.epoch !== e);
      for (const w of ready) {
        const r = await tryProcess(head, w);
        head = r.state;
        events.push(r.event);
      }
    }
    // Every commit of this epoch is tried on the same state; the best that applies wins.
    const commits = [...t.handshakes.values()]
      .filter((h) => h.kind === "commit" && h.epoch === e && !failed.has(h.env.id))
      .sort(byOrder);
    let best: { env: Envelope; tried: Extract<Tried, { ok: true }> } | undefined;
    for (const c of commits) {
      const tried = await tryCommit(t, head, c.env);
      if (!tried.ok) {
        failed = new Map(failed).set(c.env.id, tried.reason);
        events.push(tried.event);
      } else if (best === undefined || compareCommits(tried.rank, best.tried.rank) < 0) {
        best = { env: c.env, tried };
      }
    }
    let applied = false;
    if (best !== undefined) {
      events.push(best.tried.event);
      checkpoints = [
        ...checkpoints,
        { before: head, beforeProposals: headProposals, epoch: e, commit: best.env, rank: best.tried.rank },
      ].slice(-t.window);
      head = best.tried.after;
      headProposals = new Set();
      applied = true;
    }
    if (!applied) break;
  }
  const oldest = checkpoints[0]?.epoch ?? epochOf(head);
  const handshakes = new Map([...t.handshakes].filter(([, h]) => h.epoch >= oldest));
  return { timeline: { ...t, head, headProposals, checkpoints, waiting, failed, handshakes }, events };
}

/** The group state after everything received so far. */
export function headState(t: Timeline): GroupState {
  return t.head;
}
