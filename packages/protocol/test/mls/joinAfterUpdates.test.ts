/**
 * Newcomers join a tree whose set parent nodes list different unmerged leaves — a high node gains
 * leaves a lower one does not cover — which RFC 9420 allows and ts-mls used to refuse on joining
 * (scripts/patch-ts-mls.mjs, "unmerged leaves"). Such trees come from any commit with a path
 * (a removal, a key update) followed by adds into different parts of the tree.
 */
import { type ClientState, clientStateDecoder, nodeTypes } from "ts-mls";
import { expect, it } from "vitest";
import {
  addMembers,
  createGroup,
  createKeyPackage,
  exporterSecret,
  type GroupState,
  joinFromWelcome,
  removeMembers,
} from "../../src/mls/index.ts";
import { decodeExact } from "../../src/mls/mlsCodec.ts";
import { TlsReader } from "../../src/mls/tls.ts";
import { encodeTreeBlob, MAX_TREE_BLOB_BYTES } from "../../src/mls/treeBlob.ts";
import { person } from "./helpers.ts";

async function addOne(admin: GroupState, name: string) {
  const p = person(name);
  const kp = await createKeyPackage(p.device);
  const add = await addMembers(admin, [kp.keyPackage]);
  const w = add.welcomes[0];
  if (!w) throw new Error("no welcome");
  return {
    add,
    join: (tree: Uint8Array = add.ratchetTree) => joinFromWelcome(w.welcome, kp.privateKeyPackage, tree),
  };
}

/**
 * Leaves 0–6 of 8: the admin, then b c d e x g. Removing c (leaf 2) and x (leaf 5): the admin's
 * path sets the parents above leaves 0–3 and the root; leaves 2 and 5 are free. p goes to leaf 2,
 * under two set parents (p joins); q to leaf 5, under the root only: the root lists both, its left
 * child only p. Returns q, not joined yet.
 */
async function removalThenAdds() {
  const admin = person("admin");
  let a: GroupState = await createGroup(admin.device, { name: "Street committee", relays: [] });
  const others = ["b", "c", "d", "e", "x", "g"].map(person);
  const kps = await Promise.all(others.map((o) => createKeyPackage(o.device)));
  a = (
    await addMembers(
      a,
      kps.map((k) => k.keyPackage),
    )
  ).state;
  a = (await removeMembers(a, [others[1]?.pubkey, others[4]?.pubkey] as Parameters<typeof removeMembers>[1]))
    .state;
  const p = await addOne(a, "p");
  await p.join();
  return addOne(p.add.state, "q");
}

it("a newcomer joins after a removal and adds into different parts of the tree", async () => {
  const q = await removalThenAdds();
  const joined = await q.join();
  expect(await exporterSecret(joined)).toEqual(await exporterSecret(q.add.state));
});

/** The joiner's copy of the tree, opened for changing, and written back as a blob. */
function openTree(blob: Uint8Array): ClientState {
  const r = new TlsReader(blob, "ratchet tree");
  r.uint8();
  return decodeExact(clientStateDecoder, r.opaque(MAX_TREE_BLOB_BYTES), "ratchet tree", MAX_TREE_BLOB_BYTES);
}

function unmergedAt(client: ClientState, node: number): number[] {
  const n = client.ratchetTree[node];
  if (n?.nodeType !== nodeTypes.parent) throw new Error(`node ${node} is not a set parent`);
  return n.parent.unmergedLeaves as number[];
}

/**
 * The same newcomer, given a tree whose unmerged-leaf lists break RFC 9420 §7.9.2 in three ways:
 * the corrected check is narrower than ts-mls's original only where the RFC allows it, and still
 * refuses each of these.
 */
it("the corrected check still refuses trees whose unmerged leaves break the RFC's rules", async () => {
  const q = await removalThenAdds();
  // Width 8: the root is node 7, its left child node 3; p sits at leaf 2 (node 4), q at leaf 5,
  // leaf 7 is blank. The root lists p and q, node 3 lists p.
  const good = openTree(q.add.ratchetTree);
  expect(unmergedAt(good, 7)).toEqual(expect.arrayContaining([2, 5]));
  expect(unmergedAt(good, 3)).toEqual([2]);
  expect(good.ratchetTree[14]).toBeUndefined();

  const refusedWith = async (change: (c: ClientState) => void, message: RegExp) => {
    const bad = openTree(q.add.ratchetTree);
    change(bad);
    await expect(q.join(encodeTreeBlob(bad))).rejects.toThrow(message);
  };
  // p listed at the root but not at node 3, which lies between p and the root.
  await refusedWith((c) => unmergedAt(c, 3).splice(0), /intermediate node must list/);
  // q listed at node 3, which q is not under.
  await refusedWith((c) => unmergedAt(c, 3).push(5), /non-blank descendant/);
  // A blank leaf listed at the root.
  await refusedWith((c) => unmergedAt(c, 7).push(7), /non-blank descendant/);
  // The untouched tree, written back the same way, is taken.
  const joined = await q.join(encodeTreeBlob(good));
  expect(await exporterSecret(joined)).toEqual(await exporterSecret(q.add.state));
});
