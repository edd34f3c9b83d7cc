/**
 * Who may change a group (group/permissions.ts): the rules alone, and on real devices over a real
 * relay, where a member who is not an admin is refused before anything is proposed or queued.
 */
import { generateSecretKey, getPublicKey } from "nostr-tools/pure";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { RallyError } from "../../src/api.ts";
import {
  adminsAfter,
  checkGroupName,
  checkInvite,
  checkRemove,
  checkRename,
} from "../../src/group/permissions.ts";
import type { Rally } from "../../src/rallyClient.ts";
import { groupWith, npubOf, person, pubkeyOf, startWorld, stopWorld, type World } from "../world.ts";

const [admin, member, outsider] = [0, 1, 2].map(() => getPublicKey(generateSecretKey())) as [
  string,
  string,
  string,
];
const group = { name: "Choir", admins: [admin], members: [admin, member] };

/** The code of what `fn` throws (a RallyError), or "none". */
function codeOf(fn: () => unknown): string {
  try {
    fn();
  } catch (e) {
    expect(e).toBeInstanceOf(RallyError);
    return (e as RallyError).code;
  }
  return "none";
}

describe("permission rules", () => {
  it("lets an admin invite, remove, rename and choose admins", () => {
    expect(codeOf(() => checkInvite(group, admin, outsider))).toBe("none");
    expect(codeOf(() => checkRemove(group, admin, member))).toBe("none");
    expect(codeOf(() => checkRename(group, admin))).toBe("none");
    expect(adminsAfter(group, admin, member, true)).toEqual([admin, member]);
    expect(adminsAfter({ ...group, admins: [admin, member] }, admin, admin, false)).toEqual([member]);
  });

  it("refuses a member who is not an admin, with not-admin and the group's name", () => {
    for (const check of [
      () => checkInvite(group, member, outsider),
      () => checkRemove(group, member, admin),
      () => checkRename(group, member),
      () => adminsAfter(group, member, member, true),
    ]) {
      expect(codeOf(check)).toBe("not-admin");
      expect(check).toThrow(/Only an admin of "Choir"/);
    }
  });

  it("says what is wrong with the rest in plain words", () => {
    expect(codeOf(() => checkInvite(group, admin, admin))).toBe("bad-input");
    expect(codeOf(() => checkRemove(group, admin, admin))).toBe("bad-input");
    expect(() => checkRemove(group, admin, admin)).toThrow(/rally group leave/);
    expect(codeOf(() => checkRemove(group, admin, outsider))).toBe("unknown-person");
    expect(codeOf(() => adminsAfter(group, admin, outsider, true))).toBe("unknown-person");
    // The last admin cannot step down: a group keeps at least one.
    expect(codeOf(() => adminsAfter(group, admin, admin, false))).toBe("bad-input");
    expect(codeOf(() => checkGroupName("  "))).toBe("bad-input");
    expect(codeOf(() => checkGroupName(undefined))).toBe("bad-input");
    expect(codeOf(() => checkGroupName("Choir"))).toBe("none");
  });
});

describe("a member who is not an admin, on a real device", { timeout: 300_000 }, () => {
  let w: World;
  let alice: Rally;
  let bob: Rally;
  let carol: Rally;
  let g: string;

  beforeAll(async () => {
    w = await startWorld("permissions");
    alice = await person(w, "Alice");
    bob = await person(w, "Bob");
    carol = await person(w, "Carol");
    g = await groupWith(alice, [bob], "Choir");
  }, 300_000);

  afterAll(() => stopWorld(w));

  it("is refused invite, remove, rename and admin changes before anything is sent", async () => {
    const before = (await bob.core.transport.outbox.list()).map((e) => e.id);
    const tries: [string, () => Promise<unknown>][] = [
      ["invite", async () => bob.invite(g, await npubOf(carol))],
      ["remove", async () => bob.remove(g, await npubOf(alice))],
      ["rename", () => bob.updateGroup(g, { name: "Bob's choir" })],
      ["set admin", async () => bob.setAdmin(g, await npubOf(bob), true)],
    ];
    for (const [what, attempt] of tries) {
      const error = await attempt().then(
        () => null,
        (e: unknown) => e,
      );
      expect(error, what).toBeInstanceOf(RallyError);
      expect((error as RallyError).code, what).toBe("not-admin");
      expect((error as RallyError).message, what).toMatch(/Only an admin of "Choir"/);
    }
    // Nothing proposed, nothing queued.
    expect((await bob.groupsSvc.record(g)).pending).toBeNull();
    expect((await bob.core.transport.outbox.list()).map((e) => e.id)).toEqual(before);

    // And the group is as it was for everyone.
    await alice.sync();
    const rec = await alice.groupsSvc.record(g);
    expect(rec.name).toBe("Choir");
    expect([...rec.members].sort()).toEqual([await pubkeyOf(alice), await pubkeyOf(bob)].sort());
    expect(rec.admins).toEqual([await pubkeyOf(alice)]);
  });
});
