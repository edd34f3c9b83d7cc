/**
 * `rally group leave` (issue 3) when the leaver's device is behind: Alice removes Carol while Bob has
 * not synced, then Bob leaves. His request to leave must be made in the group's current epoch, or no
 * member could ever commit it and he would stay a member for everyone else. Afterwards `group list`
 * no longer shows the group to Bob (`--all` does, marked "left"), while its history stays readable.
 */
import fs from "node:fs";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { type RelayHandle, startRelay } from "../helpers/relay.ts";
import { Person, tempRoot } from "./support.ts";

interface Group {
  id: string;
  name: string;
  members: number;
  status?: string;
}

const GROUP = "Allotment Committee";

let relay: RelayHandle;
let root: string;
let alice: Person;
let bob: Person;
let carol: Person;

beforeAll(async () => {
  root = tempRoot("rally-cli-leaving-");
  relay = await startRelay();
  alice = new Person("Alice Adder", root);
  bob = new Person("Bob Badger", root);
  carol = new Person("Carol Cricket", root);
  for (const p of [alice, bob, carol]) await p.createAccount(relay.url);
}, 300_000);

afterAll(async () => {
  await relay?.stop();
  fs.rmSync(root, { recursive: true, force: true });
});

describe("leaving a group from a device that is behind", { timeout: 300_000 }, () => {
  it("Bob's leave counts although the group moved on since his last sync", async () => {
    await alice.ok("group", "create", GROUP, "--relay", relay.url);
    await alice.ok("group", "invite", GROUP, bob.npub);
    await alice.ok("group", "invite", GROUP, carol.npub);
    for (const p of [bob, carol]) {
      await p.ok("sync");
      const [invite] = await p.ok<{ id: string }[]>("invites");
      await p.ok("invites", "accept", invite!.id);
    }
    // A new epoch that Bob has not seen.
    await alice.ok("group", "remove", GROUP, carol.npub);

    await bob.ok("group", "leave", GROUP);
    await alice.ok("sync");
    await alice.ok("sync");
    const members = await alice.ok<{ npub: string }[]>("group", "members", GROUP);
    expect(members.map((m) => m.npub)).toEqual([alice.npub]);
  });

  it("the group is gone from Bob's list, shown with --all, and its history is still readable", async () => {
    expect(await bob.ok<Group[]>("group", "list")).toEqual([]);
    const all = await bob.ok<Group[]>("group", "list", "--all");
    expect(all).toEqual([expect.objectContaining({ name: GROUP, status: "left" })]);
    await bob.ok("chat", "list", GROUP);
    expect((await bob.fails("chat", "send", GROUP, "still here?")).error).toMatch(/you left/i);
  });
});
