/**
 * Deterministic choice among concurrent commits (Marmot MIP-03 "Commit Message Race Conditions"):
 * when several commits build on the same epoch, every member applies the one with the earliest
 * Nostr `created_at`, ties broken by the lexicographically lowest event id; the others are dropped
 * and their authors re-propose on top of the winner. Pure, so all members agree given the same set.
 */

import type { MessageInfo } from "./inspect.ts";

/** What the ordering looks at: the outer Nostr event's time and id. */
export interface CommitCandidate {
  createdAt: number;
  id: string;
}

/** Negative when `a` wins over `b`. */
export function compareCommits(a: CommitCandidate, b: CommitCandidate): number {
  if (a.createdAt !== b.createdAt) return a.createdAt - b.createdAt;
  return a.id < b.id ? -1 : a.id > b.id ? 1 : 0;
}

/** The winning commit of one epoch, or undefined for none. */
export function pickWinningCommit<T extends CommitCandidate>(candidates: readonly T[]): T | undefined {
  let best: T | undefined;
  for (const c of candidates) if (best === undefined || compareCommits(c, best) < 0) best = c;
  return best;
}

/**
 * Processing order for a batch of received group messages: by epoch; within an epoch proposals
 * first (a commit may refer to them), then application messages (read while their epoch is
 * current), then commits, winner first (`compareCommits`). Each group by time, then id.
 * Messages without an epoch (welcomes, key packages) go last.
 */
export function orderForProcessing<T extends CommitCandidate & { info: MessageInfo }>(
  messages: readonly T[],
): T[] {
  const rank = (m: T): number =>
    m.info.kind === "proposal" ? 0 : m.info.kind === "application" ? 1 : m.info.kind === "commit" ? 2 : 3;
  const epochOf = (m: T): number => ("epoch" in m.info ? m.info.epoch : Number.MAX_SAFE_INTEGER);
  return [...messages].sort((a, b) => epochOf(a) - epochOf(b) || rank(a) - rank(b) || compareCommits(a, b));
}
