/**
 * The group service's add batches (group/addBatches.ts), measured on real MLS commits: each Add
 * commit fits a kind 445 event, and the adds stop where the next removal would no longer fit —
 * until members commit their own key updates.
 */
import {
  type AddOutput,
  createDeviceIdentity,
  createGroup,
  createKeyPackage,
  type GroupState,
  joinFromWelcome,
  type NewKeyPackage,
  pathCost,
  process,
  removeMembers,
  selfUpdate,
} from "@rally/protocol/mls";
import { MAX_GROUP_MESSAGE_BYTES } from "@rally/protocol/wire";
import { generateSecretKey } from "nostr-tools/pure";
import { describe, expect, it } from "vitest";
import { fitAdd, PATH_COMMIT_BUDGET, TreeTooWide } from "../../src/group/addBatches.ts";

const RELAYS = ["wss://relay.example.org"];

async function keyPackages(n: number): Promise<NewKeyPackage[]> {
  const out: NewKeyPackage[] = [];
  for (let i = 0; i < n; i++) out.push(await createKeyPackage(createDeviceIdentity(generateSecretKey())));
  return out;
}

describe("add batches", () => {
  it("cuts a long list into Add commits that each fit a kind 445 event", async () => {
    const kps = await keyPackages(700);
    let state = await createGroup(createDeviceIdentity(generateSecretKey()), { name: "Big", relays: RELAYS });
    let rest = kps.map((k) => k.keyPackage);
    const counts: number[] = [];
    while (rest.length > 0) {
      const fitted = await fitAdd(state, rest, {
        members: 1 + counts.reduce((a, b) => a + b, 0),
        relays: RELAYS,
      });
      expect(fitted.out.commit.length).toBeLessThanOrEqual(MAX_GROUP_MESSAGE_BYTES);
      expect(fitted.out.welcomes.length).toBe(fitted.count);
      counts.push(fitted.count);
      state = fitted.out.state;
      rest = rest.slice(fitted.count);
    }
    expect(counts.length).toBeGreaterThanOrEqual(3); // 700 key packages of ~374 B: ~330 per commit
    expect(counts.reduce((a, b) => a + b, 0)).toBe(700);
    expect(counts[0]).toBeGreaterThan(250);
  }, 120_000);

  it("stops adding where a removal would no longer fit, and goes on once a member updated its keys", async () => {
    const kps = await keyPackages(1_400);
    let state = await createGroup(createDeviceIdentity(generateSecretKey()), {
      name: "Bigger",
      relays: RELAYS,
    });
    let rest = kps;
    let last: { out: AddOutput; kps: NewKeyPackage[] } | undefined;
    let stopped = false;
    while (rest.length > 0) {
      let fitted: Awaited<ReturnType<typeof fitAdd>>;
      try {
        fitted = await fitAdd(
          state,
          rest.map((k) => k.keyPackage),
          { members: kps.length - rest.length + 1, relays: RELAYS },
        );
      } catch (e) {
        expect(e).toBeInstanceOf(TreeTooWide);
        stopped = true;
        break;
      }
      // Whatever it took, the admin's removal right after still fits.
      expect(pathCost(fitted.out.state).worstCommitBytes).toBeLessThanOrEqual(PATH_COMMIT_BUDGET);
      last = { out: fitted.out, kps: rest.slice(0, fitted.count) };
      state = fitted.out.state;
      rest = rest.slice(fitted.count);
    }
    expect(stopped).toBe(true);
    const members = kps.length - rest.length + 1;
    expect(members).toBeGreaterThan(1_000);
    expect(members).toBeLessThan(1_400);
    if (!last) throw new Error("nothing added");
    // The removal the budget protects: built for real, it fits.
    const victim = last.out.welcomes[0]?.pubkey as Parameters<typeof removeMembers>[1][number];
    const rm = await removeMembers(state, [victim]);
    expect(rm.commit.length).toBeLessThanOrEqual(MAX_GROUP_MESSAGE_BYTES);

    // One newcomer joins and commits its key update: the tree narrows, and adds go on.
    const i = Math.floor(last.kps.length / 2);
    const joined: GroupState = await joinFromWelcome(
      last.out.welcomes[i]?.welcome as Uint8Array,
      last.kps[i]?.privateKeyPackage as Uint8Array,
      last.out.ratchetTree,
    );
    const up = await selfUpdate(joined);
    expect(up.commit.length).toBeLessThanOrEqual(MAX_GROUP_MESSAGE_BYTES);
    state = (await process(state, up.commit)).state;
    const more = await fitAdd(
      state,
      rest.map((k) => k.keyPackage),
      { members, relays: RELAYS },
    );
    expect(more.count).toBeGreaterThan(0);
  }, 240_000);
});
