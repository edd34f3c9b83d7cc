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
});
