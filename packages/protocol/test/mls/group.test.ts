import { describe, expect, it } from "vitest";
import {
  addMembers,
  createGroup,
  createKeyPackage,
  encrypt,
  epoch,
  exporterSecret,
  groupData,
  joinFromWelcome,
  members,
  process,
} from "../../src/mls/index.ts";
import { groupOf, person, text, untext } from "./helpers.ts";

describe("MLS engine: create, add, join, talk", () => {
  it("creates a group whose creator is its only member and admin", async () => {
    const alice = person("alice");
    const g = await createGroup(alice.device, {
      name: "Block party",
      description: "June",
      relays: ["wss://r.example"],
    });
    expect(epoch(g)).toBe(0);
    expect(members(g).map((m) => m.pubkey)).toEqual([alice.pubkey]);
    expect(groupData(g)).toEqual({
      name: "Block party",
      description: "June",
      admins: [alice.pubkey],
      relays: ["wss://r.example"],
    });
  });

  it("adds a member with a per-recipient welcome and the tree beside it; both talk", async () => {
    const alice = person("alice");
    const bob = person("bob");
    let a = await createGroup(alice.device, { name: "Food bank" });
    const kp = await createKeyPackage(bob.device);
    const out = await addMembers(a, [kp.keyPackage]);
    a = out.state;
    expect(out.welcomes).toHaveLength(1);
    expect(out.welcomes[0]?.pubkey).toBe(bob.pubkey);
    expect(out.welcomes[0]?.keyPackageRef).toBe(kp.ref);
    let b = await joinFromWelcome(
      out.welcomes[0]?.welcome as Uint8Array,
      kp.privateKeyPackage,
      out.ratchetTree,
    );
    expect(epoch(b)).toBe(1);
    expect(
      members(b)
        .map((m) => m.pubkey)
        .sort(),
    ).toEqual([alice.pubkey, bob.pubkey].sort());
    expect(await exporterSecret(b)).toEqual(await exporterSecret(a));

    const m1 = await encrypt(a, text("hello bob"));
    a = m1.state;
    const r1 = await process(b, m1.message);
    b = r1.state;
    expect(r1.result).toMatchObject({ kind: "application", sender: alice.pubkey });
    if (r1.result.kind === "application") expect(untext(r1.result.plaintext)).toBe("hello bob");

    const m2 = await encrypt(b, text("hi alice"));
    const r2 = await process(a, m2.message);
    expect(r2.result).toMatchObject({ kind: "application", sender: bob.pubkey });
  });

  it("three people in one commit", async () => {
    const [alice, bob, carol] = [person("alice"), person("bob"), person("carol")];
    const { states } = await groupOf(alice, [bob, carol]);
    const c = states.get("carol");
    const b = states.get("bob");
    if (!c || !b) throw new Error("missing");
    const m = await encrypt(c, text("from carol"));
    const r = await process(b, m.message);
    expect(r.result).toMatchObject({ kind: "application", sender: carol.pubkey });
  });

  it("refuses an expired key package and a device that is already a member", async () => {
    const [alice, bob] = [person("alice"), person("bob")];
    const g = await createGroup(alice.device, { name: "Garden" });
    const now = Math.floor(Date.now() / 1000);
    const expired = await createKeyPackage(bob.device, {
      now: now - 200 * 86_400,
      lifetimeSeconds: 30 * 86_400,
    });
    await expect(addMembers(g, [expired.keyPackage])).rejects.toMatchObject({
      code: "bad-parameter",
      message: expect.stringMatching(/expired/),
    });
    const fresh = await createKeyPackage(bob.device);
    const added = await addMembers(g, [fresh.keyPackage]);
    const again = await createKeyPackage(bob.device);
    await expect(addMembers(added.state, [again.keyPackage])).rejects.toMatchObject({
      code: "bad-parameter",
      message: expect.stringMatching(/already in the group/),
    });
    await expect(addMembers(g, [fresh.keyPackage, fresh.keyPackage])).rejects.toMatchObject({
      code: "bad-parameter",
    });
    await expect(addMembers(g, [new Uint8Array([1, 2, 3])])).rejects.toMatchObject({ code: "malformed" });
  });

  it("a welcome for someone else's key package is refused", async () => {
    const [alice, bob, carol] = [person("alice"), person("bob"), person("carol")];
    const g = await createGroup(alice.device, { name: "Choir" });
    const kb = await createKeyPackage(bob.device);
    const kc = await createKeyPackage(carol.device);
    const out = await addMembers(g, [kb.keyPackage]);
    await expect(
      joinFromWelcome(out.welcomes[0]?.welcome as Uint8Array, kc.privateKeyPackage, out.ratchetTree),
    ).rejects.toMatchObject({ code: "decrypt-failed" });
    await expect(joinFromWelcome(out.commit, kb.privateKeyPackage, out.ratchetTree)).rejects.toMatchObject({
      code: "malformed",
    });
  });
});
