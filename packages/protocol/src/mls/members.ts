/**
 * Who is in a group, read from the ratchet tree (RFC 9420 §7.8: each non-blank leaf is a member
 * device) and our credential (`credential.ts`: each leaf names a Nostr person).
 */

import { type ClientState, nodeTypes, type RatchetTree } from "ts-mls";
import type { PubkeyHex } from "../nostr/event.ts";
import { bytesToHex } from "./bytes.ts";
import { credentialPubkey } from "./credential.ts";

export interface MemberDevice {
  /** MLS leaf index of the device. */
  leafIndex: number;
  /** Hex Ed25519 MLS signature public key of the device. */
  signaturePublicKey: string;
}

export interface Member {
  pubkey: PubkeyHex;
  devices: MemberDevice[];
}

// Leaf objects are shared between successive states, so the parsed pubkey is remembered per leaf.
const pubkeyOfLeaf = new WeakMap<object, PubkeyHex | undefined>();

/** Pubkey of the device at `leafIndex`, or undefined for a blank leaf or a foreign credential. */
export function leafPubkey(tree: RatchetTree, leafIndex: number): PubkeyHex | undefined {
  const node = tree[leafIndex * 2];
  if (node === undefined || node.nodeType !== nodeTypes.leaf) return undefined;
  if (pubkeyOfLeaf.has(node.leaf)) return pubkeyOfLeaf.get(node.leaf);
  let pubkey: PubkeyHex | undefined;
  try {
    pubkey = credentialPubkey(node.leaf.credential);
  } catch {
    pubkey = undefined;
  }
  pubkeyOfLeaf.set(node.leaf, pubkey);
  return pubkey;
}

/** leaf index → pubkey for every member device. */
export function leafMap(tree: RatchetTree): Map<number, PubkeyHex> {
  const out = new Map<number, PubkeyHex>();
  for (let i = 0; i < tree.length; i += 2) {
    const pk = leafPubkey(tree, i / 2);
    if (pk !== undefined) out.set(i / 2, pk);
  }
  return out;
}

/** Members grouped by person, in order of their first leaf. */
export function membersOf(client: ClientState): Member[] {
  const byPerson = new Map<PubkeyHex, Member>();
  const tree = client.ratchetTree;
  for (let i = 0; i < tree.length; i += 2) {
    const node = tree[i];
    if (node === undefined || node.nodeType !== nodeTypes.leaf) continue;
    const pubkey = leafPubkey(tree, i / 2);
    if (pubkey === undefined) continue;
    let m = byPerson.get(pubkey);
    if (m === undefined) {
      m = { pubkey, devices: [] };
      byPerson.set(pubkey, m);
    }
    m.devices.push({ leafIndex: i / 2, signaturePublicKey: bytesToHex(node.leaf.signaturePublicKey) });
  }
  return [...byPerson.values()];
}
