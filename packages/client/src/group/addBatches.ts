/**
 * How many of the people to add go into one Add commit, so that everything it sends fits a relay
 * (docs/PROTOCOL.md §6.2, §8.3):
 *
 * - the commit itself: a kind 445 event carries at most 131,068 bytes of MLS message, and an Add
 *   carries each whole key package;
 * - each invitee's gift-wrapped welcome: the tree rides inside it only while that fits, else beside
 *   it as kind 1447 chunks;
 * - the group's next path commit (a removal, a key update): Adds carry no UpdatePath, so every
 *   newcomer widens the tree until members commit their own key updates (keyUpdates.ts). An add
 *   that would leave the largest path commit over `PATH_COMMIT_BUDGET` is cut short, so a removal
 *   can always still be committed; the rest wait until members have updated.
 *
 * The count is measured, not guessed: the commit is built, its sizes read, and the count scaled
 * down until all three fit (a few builds at most; an Add without a path is cheap to build).
 *
 * Runs in: Node and browsers.
 */

import { type AddOutput, addMembers, type GroupState, pathCost } from "@rally/protocol/mls";
import { MAX_GROUP_MESSAGE_BYTES, RELAY_FRAME_LIMIT, welcomeWrapBytes } from "@rally/protocol/wire";

/** Up to this many members after an add, the ratchet tree travels inside the welcome if it fits. */
export const INLINE_TREE_MEMBERS = 100;
/** The largest path commit an add may leave behind: 80% of the kind 445 limit, for headroom. */
export const PATH_COMMIT_BUDGET = Math.floor(MAX_GROUP_MESSAGE_BYTES * 0.8);
/** An Add commit is cut to 95% of the kind 445 limit (framing varies by a few bytes). */
const ADD_COMMIT_BUDGET = Math.floor(MAX_GROUP_MESSAGE_BYTES * 0.95);
const MAX_TRIES = 8;
/** Bytes a welcome's gift wrap may gain from a join-request answer and the inviter's name. */
const WRAP_EXTRAS = 2_048;

export interface FittedAdd {
  /** How many of the given key packages (the first ones) the commit adds. */
  count: number;
  out: AddOutput;
  /** The tree travels inside each welcome. */
  inline: boolean;
}

/** Why nobody can be added right now: the tree is already as wide as a path commit allows. */
export class TreeTooWide extends Error {
  constructor(readonly pathCommitBytes: number) {
    super("tree too wide");
  }
}

/** Builds the largest Add commit of the first key packages of `packages` that fits (see above). */
export async function fitAdd(
  state: GroupState,
  packages: readonly Uint8Array[],
  options: {
    members: number;
    relays: string[];
    retire?: readonly string[];
    /** At most this many in one commit (a lower cap than the relay's, e.g. to test follow-up adds). */
    limit?: number;
  },
): Promise<FittedAdd> {
  const before = pathCost(state).worstCommitBytes;
  if (before >= PATH_COMMIT_BUDGET) throw new TreeTooWide(before);
  // A first guess from the key packages' own sizes (an Add proposal is its key package plus a few
  // bytes), so a list of thousands is not built whole.
  let count = 0;
  let bytes = 0;
  for (const kp of packages) {
    bytes += kp.length + 8;
    if (count > 0 && bytes > ADD_COMMIT_BUDGET) break;
    if (options.limit !== undefined && count >= Math.max(1, options.limit)) break;
    count++;
  }
  for (let attempt = 0; attempt < MAX_TRIES && count > 0; attempt++) {
    let inline = options.members + count <= INLINE_TREE_MEMBERS;
    const build = (treeInside: boolean) =>
      addMembers(state, packages.slice(0, count) as Uint8Array[], {
        ratchetTreeInWelcome: treeInside,
        ...(options.retire ? { retire: options.retire } : {}),
      });
    let out = await build(inline);
    // Room for what `wrapWelcome` adds besides: the answer to a join request, the inviter's name.
    if (inline && largestWrap(out, options.relays) > RELAY_FRAME_LIMIT - WRAP_EXTRAS) {
      inline = false;
      out = await build(false);
    }
    let next = count;
    if (out.commit.length > ADD_COMMIT_BUDGET) {
      next = Math.min(next, Math.floor((count * ADD_COMMIT_BUDGET) / out.commit.length));
    }
    const after = pathCost(out.state).worstCommitBytes;
    if (after > PATH_COMMIT_BUDGET) {
      // The largest path commit grows by about one ciphertext per newcomer.
      const perAdd = Math.max(1, (after - before) / count);
      next = Math.min(next, count - 1, Math.floor((PATH_COMMIT_BUDGET - before) / perAdd));
    }
    if (next >= count) return { count, out, inline };
    count = next;
  }
  throw new TreeTooWide(before);
}

/** The largest gift wrap a welcome of `out` makes (the tree inside, or a reference to chunks). */
function largestWrap(out: AddOutput, relays: string[]): number {
  let max = 0;
  for (const w of out.welcomes) {
    const size = welcomeWrapBytes({ welcome: w.welcome, keyPackageEventId: "0".repeat(64), relays });
    if (size > max) max = size;
  }
  return max;
}
