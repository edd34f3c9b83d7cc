/**
 * Deterministic choice among concurrent commits (Marmot MIP-03 "Commit Message Race Conditions",
 * with a rule the sender cannot game): when several valid commits build on the same epoch, every
 * member applies
 *
 * 1. a commit whose committer was an admin (listed and a member) in that epoch, before any other;
 * 2. then the one with the lowest Nostr event id.
 *
 * The event id is a hash of the whole signed event, so nobody can choose a low one short of grinding
 * hashes, and an admin's commit (a removal, say) can no longer be pushed aside by a member who
 * publishes a competing key update dated earlier: `created_at` plays no part. Whether the committer
 * was an admin is known only once the commit was read (`process` reports it as `byAdmin`), so a
 * caller trial-processes each candidate of an epoch on the same state and ranks the successes.
 * Pure, so all members agree given the same set.
 */

import type { MessageInfo } from "./inspect.ts";

/** What the ordering looks at: the committer's standing and the outer Nostr event's id. */
export interface CommitRank {
  /** The committer was an admin in the epoch the commit builds on (`ProcessResult.byAdmin`). */
  byAdmin: boolean;
  /** Hex id of the Nostr event carrying the commit. */
  id: string;
}

/** Negative when `a` wins over `b`. */
export function compareCommits(a: CommitRank, b: CommitRank): number {
  if (a.byAdmin !== b.byAdmin) return a.byAdmin ? -1 : 1;
  return a.id < b.id ? -1 : a.id > b.id ? 1 : 0;
}

/** The winning commit of one epoch among commits that applied, or undefined for none. */
export function pickWinningCommit<T extends CommitRank>(candidates: readonly T[]): T | undefined {
  let best: T | undefined;
  for (const c of candidates) if (best === undefined || compareCommits(c, best) < 0) best = c;
  return best;
}

/**
 * Processing order for a batch of received group messages: by epoch; within an epoch proposals
 * first (a commit may refer to them), then application messages (read while their epoch is
 * current), then commits; each group by event id. The committer of a commit is not known before
 * it is read, so this order does not pick the winning commit: try every commit of the epoch on the
 * same state and keep the best success (`compareCommits`). Messages without an epoch (welcomes, key
 * packages) go last.
 */
export function orderForProcessing<T extends { id: string; info: MessageInfo }>(messages: readonly T[]): T[] {
  const rank = (m: T): number =>
    m.info.kind === "proposal" ? 0 : m.info.kind === "application" ? 1 : m.info.kind === "commit" ? 2 : 3;
  const epochOf = (m: T): number => ("epoch" in m.info ? m.info.epoch : Number.MAX_SAFE_INTEGER);
  const byId = (a: T, b: T): number => (a.id < b.id ? -1 : a.id > b.id ? 1 : 0);
  return [...messages].sort((a, b) => epochOf(a) - epochOf(b) || rank(a) - rank(b) || byId(a, b));
}
