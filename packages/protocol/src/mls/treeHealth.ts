/**
 * How costly the group's ratchet tree makes the next commit with an UpdatePath (a removal, a key
 * update, committing requests to leave), and whether this device should refresh its own path.
 *
 * An UpdatePath encrypts one path secret to every node in the resolution of each copath node
 * (RFC 9420 §7.9, §12.4.2): a set parent counts once (plus each of its unmerged leaves), a blank
 * parent counts as all of the nodes beneath it that stand in for it. Adds carry no path, so right
 * after members are added every parent above them is blank or lists them as unmerged, and a path
 * commit is encrypted to nearly every leaf: about 82 bytes per member (an HPKE ciphertext:
 * kem_output<V> 32 B + ciphertext<V> 48 B), which passes a relay's kind 445 limit (131,068 bytes
 * of MLS message, docs/PROTOCOL.md §6.2) at about 1,590 members. Each member that commits its own
 * key update sets every parent on its direct path, so removal commits shrink back towards log2 N
 * ciphertexts.
 *
 * Tree math after RFC 9420 Appendix C (array representation, leaf i at node 2i).
 */

import { type ClientState, nodeTypes, type RatchetTree } from "ts-mls";
import { type GroupState, unwrapState } from "./state.ts";

/** Bytes one HPKE ciphertext adds to an UpdatePath (kem_output<V> 1+32, ciphertext<V> 1+48). */
export const PATH_CIPHERTEXT_BYTES = 82;
/** Bytes each UpdatePath node adds besides its ciphertexts (encryption_key<V>, vector headers). */
export const PATH_NODE_BYTES = 38;
/**
 * Bytes of a path commit besides its path nodes: the committer's new leaf node (credential,
 * capabilities, signature), the commit framing, authentication and PrivateMessage overhead and
 * its padding. Measured (test/mls/treeHealth.test.ts) and rounded up.
 */
export const PATH_COMMIT_BASE_BYTES = 600;

function level(x: number): number {
  let k = 0;
  while ((x >> k) & 1) k++;
  return k;
}

function leftChild(x: number): number {
  const k = level(x);
  return x ^ (1 << (k - 1));
}

function rightChild(x: number): number {
  const k = level(x);
  return x ^ (3 << (k - 1));
}

function parentOf(x: number): number {
  const k = level(x);
  const b = (x >> (k + 1)) & 1;
  return (x | (1 << k)) ^ (b << (k + 1));
}

function rootOf(leafWidth: number): number {
  const w = 2 * leafWidth - 1;
  let p = 0;
  while (1 << (p + 1) <= w) p++;
  return (1 << p) - 1;
}

/** Resolution size of every node (RFC 9420 §4.1.2), by node index. */
function resolutionSizes(tree: RatchetTree): { sizes: Int32Array; leafWidth: number; root: number } {
  const leafWidth = Math.max(1, (tree.length + 1) >> 1);
  const width = 2 * leafWidth - 1;
  const sizes = new Int32Array(width);
  const top = level(rootOf(leafWidth));
  for (let k = 0; k <= top; k++) {
    // Nodes of level k are x = (2^k - 1) + j·2^(k+1).
    for (let x = (1 << k) - 1; x < width; x += 1 << (k + 1)) {
      const node = tree[x];
      if (node !== undefined) {
        sizes[x] = node.nodeType === nodeTypes.parent ? 1 + node.parent.unmergedLeaves.length : 1;
      } else if (k > 0) {
        const l = leftChild(x);
        const r = rightChild(x);
        sizes[x] = (l < width ? (sizes[l] ?? 0) : 0) + (r < width ? (sizes[r] ?? 0) : 0);
      }
    }
  }
  return { sizes, leafWidth, root: rootOf(leafWidth) };
}

/** Ciphertexts an UpdatePath from `leaf` needs: the sum of its copath nodes' resolutions. */
function pathCiphertexts(
  sizes: Int32Array,
  root: number,
  leaf: number,
): { ciphertexts: number; nodes: number } {
  let x = leaf * 2;
  let ciphertexts = 0;
  let nodes = 0;
  while (x !== root) {
    const p = parentOf(x);
    const sibling = leftChild(p) === x ? rightChild(p) : leftChild(p);
    const res = sibling < sizes.length ? (sizes[sibling] ?? 0) : 0;
    // The filtered direct path skips parents whose copath child resolves to nothing.
    if (res > 0) {
      ciphertexts += res;
      nodes++;
    }
    x = p;
  }
  return { ciphertexts, nodes };
}

export interface PathCost {
  /** Members (non-blank leaves) in the tree. */
  leaves: number;
  /** The largest number of ciphertexts any member's UpdatePath needs now. */
  worstCiphertexts: number;
  /** Estimated size in bytes of the largest path commit any member could make now. */
  worstCommitBytes: number;
  /** The same for this device's own next path commit. */
  ownCiphertexts: number;
  ownCommitBytes: number;
}

const commitBytes = (c: { ciphertexts: number; nodes: number }) =>
  PATH_COMMIT_BASE_BYTES + c.ciphertexts * PATH_CIPHERTEXT_BYTES + c.nodes * PATH_NODE_BYTES;

function costOf(client: ClientState): PathCost {
  const tree = client.ratchetTree;
  const { sizes, root } = resolutionSizes(tree);
  let leaves = 0;
  let worst = { ciphertexts: 0, nodes: 0 };
  for (let i = 0; i * 2 < tree.length; i++) {
    if (tree[i * 2] === undefined) continue;
    leaves++;
    const c = pathCiphertexts(sizes, root, i);
    if (c.ciphertexts > worst.ciphertexts) worst = c;
  }
  const own = pathCiphertexts(sizes, root, client.privatePath.leafIndex);
  return {
    leaves,
    worstCiphertexts: worst.ciphertexts,
    worstCommitBytes: commitBytes(worst),
    ownCiphertexts: own.ciphertexts,
    ownCommitBytes: commitBytes(own),
  };
}

/**
 * What the next path commit would cost, for the worst-placed member and for this device. An
 * estimate from the tree's shape (within a few percent of the real commit: see the test), cheap
 * enough to run on every commit (O(N log N) for N leaves, no cryptography).
 */
export function pathCost(state: GroupState): PathCost {
  return costOf(unwrapState(state));
}

export interface KeyUpdateAdvice {
  /** Parents on this device's direct path (its length: log2 of the tree's width). */
  parents: number;
  /**
   * Of those, the ones that make path commits wide: blank, or set with unmerged leaves, and
   * standing for more nodes than the levels beneath them. A removal leaves a thin chain of blank
   * parents (one node per level underneath) that costs little and is not counted; Adds leave
   * parents that stand for every leaf beneath them.
   */
  wide: number;
  /** More than a quarter of the direct path is wide: a key update by this device pays off. */
  advised: boolean;
}

/**
 * Whether this device should commit its own key update to tidy the tree: more than a quarter of
 * the parents on its direct path are wide (see `KeyUpdateAdvice`). A member that commits one sets
 * every parent on its direct path, which every later path commit then encrypts to once.
 */
export function keyUpdateAdvice(state: GroupState): KeyUpdateAdvice {
  const client = unwrapState(state);
  const { sizes, root } = resolutionSizes(client.ratchetTree);
  let x = client.privatePath.leafIndex * 2;
  let parents = 0;
  let wide = 0;
  while (x !== root) {
    x = parentOf(x);
    parents++;
    const k = level(x);
    if ((sizes[x] ?? 0) > k + 1) wide++;
  }
  return { parents, wide, advised: parents > 0 && wide * 4 > parents };
}
