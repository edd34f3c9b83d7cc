/**
 * The tree's shape predicts the size of the next path commit, and tells a member when its own key
 * update tidies the tree (many wide parents on its direct path) — and when it does not (the thin
 * trace a removal leaves).
 */
import { describe, expect, it } from "vitest";
import {
  addMembers,
  createGroup,
  createKeyPackage,
  type GroupState,
  joinFromWelcome,
  keyUpdateAdvice,
  pathCost,
  process,
  removeMembers,
  selfUpdate,
} from "../../src/mls/index.ts";
import { type Person, person } from "./helpers.ts";

/** An admin and `n - 1` members added in one commit (no path: every parent blank). */
async function added(n: number) {
  const admin = person("admin");
  const people: Person[] = Array.from({ length: n - 1 }, (_, i) => person(`p${i}`));
  const kps = await Promise.all(people.map((p) => createKeyPackage(p.device)));
  const start = await createGroup(admin.device, { name: "Shape", relays: ["wss://relay.example.org"] });
  const out = await addMembers(
    start,
    kps.map((k) => k.keyPackage),
  );
  const join = (i: number) =>
    joinFromWelcome(
      out.welcomes[i]?.welcome as Uint8Array,
      kps[i]?.privateKeyPackage as Uint8Array,
      out.ratchetTree,
    );
  return { admin, people, state: out.state, join };
}

/**
 * Within 8% of the real commit, or 600 bytes for a small one (the base part is rounded up, and a
 * removal blanks the removed member's path before the path is built).
 */
function close(estimate: number, real: number): void {
  expect(Math.abs(estimate - real)).toBeLessThan(Math.max(600, real * 0.08));
}

describe("tree health", () => {
  it("estimates a path commit's size right after adds and after members updated", async () => {
    const g = await added(64);
    const cost = pathCost(g.state);
    expect(cost.leaves).toBe(64);
    // Every parent blank: the path is encrypted to every other leaf.
    expect(cost.ownCiphertexts).toBe(63);
    const rm = await removeMembers(g.state, [(g.people[10] as Person).pubkey]);
    close(cost.ownCommitBytes, rm.commit.length);
    const up = await selfUpdate(g.state);
    close(cost.ownCommitBytes, up.commit.length);

    // Eight members spread across the tree commit a key update in turn.
    let admin = g.state;
    const updates: Uint8Array[] = [];
    for (let i = 3; i < 63; i += 8) {
      let member = await g.join(i);
      // The member joined at the admin's build; catch it up with the updates before it.
      for (const c of updates) member = (await process(member, c)).state;
      const u = await selfUpdate(member);
      updates.push(u.commit);
      admin = (await process(admin, u.commit)).state;
    }
    const after = pathCost(admin);
    expect(after.ownCiphertexts).toBeLessThan(cost.ownCiphertexts / 3);
    expect(after.worstCiphertexts).toBeLessThan(cost.worstCiphertexts);
    const rm2 = await removeMembers(admin, [(g.people[20] as Person).pubkey]);
    close(after.ownCommitBytes, rm2.commit.length);
  });

  it("advises a key update on a tree left blank by adds, and not after the member's own update", async () => {
    const g = await added(32);
    const member = await g.join(5);
    const before = keyUpdateAdvice(member);
    expect(before.parents).toBe(5); // 32 leaves: five levels of parents above each leaf
    expect(before.advised).toBe(true);
    const up = await selfUpdate(member);
    expect(keyUpdateAdvice(up.state)).toMatchObject({ wide: 0, advised: false });
  });

  it("does not advise one after a removal in a tidy tree (its thin trace costs little)", async () => {
    // A group grown one at a time, each newcomer updating at once: every parent set.
    const admin = person("admin");
    let state: GroupState = await createGroup(admin.device, { name: "Tidy", relays: [] });
    const others: { p: Person; s: GroupState }[] = [];
    for (let i = 0; i < 15; i++) {
      const p = person(`m${i}`);
      const kp = await createKeyPackage(p.device);
      const add = await addMembers(state, [kp.keyPackage], { ratchetTreeInWelcome: true });
      state = add.state;
      for (const o of others) o.s = (await process(o.s, add.commit)).state;
      const joined = await joinFromWelcome(add.welcomes[0]?.welcome as Uint8Array, kp.privateKeyPackage);
      const up = await selfUpdate(joined);
      state = (await process(state, up.commit)).state;
      for (const o of others) o.s = (await process(o.s, up.commit)).state;
      others.push({ p, s: up.state });
    }
    for (const o of others) expect(keyUpdateAdvice(o.s).advised).toBe(false);
    expect(pathCost(state).worstCiphertexts).toBeLessThanOrEqual(4 + 1);
    // Remove leaf 8's member (the sibling of leaf 9): its whole direct path goes blank.
    const victim = others[7] as { p: Person; s: GroupState };
    const rm = await removeMembers(state, [victim.p.pubkey]);
    for (const o of others) {
      if (o === victim) continue;
      const s = (await process(o.s, rm.commit)).state;
      expect(keyUpdateAdvice(s).advised).toBe(false);
    }
  });
});
