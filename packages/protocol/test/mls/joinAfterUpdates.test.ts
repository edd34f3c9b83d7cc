/**
 * Newcomers join a tree whose set parent nodes list different unmerged leaves — a high node gains
 * leaves a lower one does not cover — which RFC 9420 allows and ts-mls used to refuse on joining
 * (scripts/patch-ts-mls.mjs, "unmerged leaves"). Such trees come from any commit with a path
 * (a removal, a key update) followed by adds into different parts of the tree.
 */
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
import { person } from "./helpers.ts";

async function addOne(admin: GroupState, name: string) {
  const p = person(name);
  const kp = await createKeyPackage(p.device);
  const add = await addMembers(admin, [kp.keyPackage]);
  const w = add.welcomes[0];
  if (!w) throw new Error("no welcome");
  return { add, join: () => joinFromWelcome(w.welcome, kp.privateKeyPackage, add.ratchetTree) };
}

it("a newcomer joins after a removal and adds into different parts of the tree", async () => {
  const admin = person("admin");
  let a: GroupState = await createGroup(admin.device, { name: "Street committee", relays: [] });
  // Leaves 0–6 of 8: the admin, then b c d e x g.
  const others = ["b", "c", "d", "e", "x", "g"].map(person);
  const kps = await Promise.all(others.map((p) => createKeyPackage(p.device)));
  a = (
    await addMembers(
      a,
      kps.map((k) => k.keyPackage),
    )
  ).state;
  // Removing c (leaf 2) and x (leaf 5): the admin's path sets the parents above leaves 0–3 and
  // the root; leaves 2 and 5 are free.
  a = (await removeMembers(a, [others[1]?.pubkey, others[4]?.pubkey] as Parameters<typeof removeMembers>[1]))
    .state;
  // p goes to leaf 2, under two set parents; q to leaf 5, under the root only: the root lists
  // both, its left child only p.
  const p = await addOne(a, "p");
  a = p.add.state;
  await p.join();
  const q = await addOne(a, "q");
  a = q.add.state;
  const joined = await q.join();
  expect(await exporterSecret(joined)).toEqual(await exporterSecret(a));
});
