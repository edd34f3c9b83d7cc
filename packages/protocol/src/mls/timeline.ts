/**
 * A group's message timeline: turns group messages received in any order, any number of times,
 * into one deterministic sequence of states (RFC 9420 §14 leaves ordering to the delivery
 * service; Rally has none, so members agree by rule — Marmot MIP-03 "Commit Message Race
 * Conditions": per epoch the valid commit with the earliest `created_at`, then lowest event id).
 *
 * - Proposals and application messages of the current epoch are processed as they arrive; those
 *   of a later epoch wait until the group reaches it.
 * - Commits of the current epoch are applied best first; one that fails (forbidden, invalid) is
 *   skipped and the next best tried.
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
import { epoch as epochOf, type MessageInfo, peekMessage } from "./inspect.ts";
import { compareCommits } from "./ordering.ts";
import { type ProcessResult, process } from "./process.ts";
import { type GroupState, unwrapState } from "./state.ts";

/** A group message with the outer Nostr event's id and time. */
export interface Envelope {
  id: string;
  createdAt: number;
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
  /** The commit applied at `epoch`. */
  commit: Envelope;
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
    const better =
      cp !== undefined &&
      (info.kind === "proposal" || compareCommits({ createdAt: env.createdAt, id: env.id }, cp.commit) < 0);
    if (!better || cp === undefined) return { timeline: next, events };
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

const byOrder = (a: { env: Envelope }, b: { env: Envelope }) => compareCommits(a.env, b.env);

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
    const ready = waiting.filter((w) => w.epoch === e).sort((a, b) => compareCommits(a, b));
    if (ready.length > 0) {
      waiting = waiting.filter((w) => w.epoch !== e);
      for (const w of ready) {
        const r = await tryProcess(head, w);
        head = r.state;
        events.push(r.event);
      }
    }
    // The best commit of this epoch that applies.
    const commits = [...t.handshakes.values()]
      .filter((h) => h.kind === "commit" && h.epoch === e && !failed.has(h.env.id))
      .sort(byOrder);
    let applied = false;
    for (const c of commits) {
      const own = t.own.get(c.env.id);
      let after: GroupState | undefined;
      if (own !== undefined) {
        // Our own commit applies only on the very state it was built on (not on another branch).
        if (own.base !== epochKey(head)) {
          failed = new Map(failed).set(c.env.id, "old-epoch");
          continue;
        }
        after = own.after;
        events.push({ kind: "commit", id: c.env.id, result: { kind: "own" }, epoch: e + 1 });
      } else {
        const r = await tryProcess(head, c.env);
        if (r.ok) {
          after = r.state;
          events.push(r.event);
        } else {
          failed = new Map(failed).set(c.env.id, r.event.kind === "ignored" ? r.event.reason : "internal");
          events.push(r.event);
        }
      }
      if (after !== undefined) {
        checkpoints = [
          ...checkpoints,
          { before: head, beforeProposals: headProposals, epoch: e, commit: c.env },
        ].slice(-t.window);
        head = after;
        headProposals = new Set();
        applied = true;
        break;
      }
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
