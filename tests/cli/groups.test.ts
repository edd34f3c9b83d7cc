/**
 * Issue 3 end to end through the `rally` command: three people (three homes) and one real relay
 * process. Accounts, a group, invitations and accepting them, chat both ways, a non-admin's removal
 * refused, Carol removed — after which Carol, with everything her device saved, reads nothing the
 * group sends — and finally a scan of every file the relay wrote: no message text, group name,
 * member name or group id appears in them.
 */
import fs from "node:fs";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { type RelayHandle, startRelay } from "../helpers/relay.ts";
import { findInFiles, Person, tempRoot } from "./support.ts";

interface Group {
  id: string;
  name: string;
  members: number;
}
interface Message {
  type?: "message" | "notice";
  id: string;
  author: string;
  text: string;
  createdAt: number;
}

/** The messages of a `chat list`, without its notices of membership changes. */
const messagesOf = (list: Message[]) => list.filter((m) => m.type !== "notice");
interface MemberRow {
  npub: string;
  name: string;
  admin: boolean;
}
interface Invite {
  id: string;
  group: string;
  from: string;
}

const GROUP = "Tenants Union of Elm Street";
const SECRETS = {
  hello: "Meeting moved to the laundry room, bring the rent ledger",
  reply: "Understood, I will bring the ledger and the petition",
  carol: "Carol here, the landlord called me today",
  after: "Strike vote is on Thursday: do not tell the landlord",
  later: "Second message after the removal, still private",
};

let relay: RelayHandle;
let root: string;
const alice = () => people[0]!;
const bob = () => people[1]!;
const carol = () => people[2]!;
let people: Person[] = [];
let groupId = "";

beforeAll(async () => {
  root = tempRoot("rally-cli-groups-");
  relay = await startRelay({ keepData: true });
  people = [
    new Person("Alice Aardvark", root),
    new Person("Bob Bumblebee", root),
    new Person("Carol Caterpillar", root),
  ];
}, 600_000);

afterAll(async () => {
  await relay?.stop();
  fs.rmSync(relay.dataDir, { recursive: true, force: true });
  fs.rmSync(root, { recursive: true, force: true });
});

describe("three people in an encrypted group, through the CLI", { timeout: 300_000 }, () => {
  it("creates three accounts", async () => {
    for (const p of people) await p.createAccount(relay.url);
    const shown = await alice().ok<{ npub: string; name: string; relays: string[] }>("account", "show");
    expect(shown.npub).toBe(alice().npub);
    expect(shown.name).toBe("Alice Aardvark");
    expect(shown.relays).toHaveLength(1);
    const words = await alice().ok<{ words: string }>("account", "words");
    expect(words.words.split(" ")).toHaveLength(12);
  });

  it("Alice creates a group and invites Bob and Carol", async () => {
    const g = await alice().ok<Group>("group", "create", GROUP);
    expect(g.name).toBe(GROUP);
    expect(g.id).toMatch(/^[0-9a-f]{64}$/);
    groupId = g.id;
    await alice().ok("group", "invite", GROUP, bob().npub);
    await alice().ok("group", "invite", groupId, carol().npub);
    const list = await alice().ok<Group[]>("group", "list");
    expect(list).toEqual([expect.objectContaining({ id: groupId, name: GROUP, members: 3 })]);
  });

  it("Bob and Carol see the invitation, from Alice, and accept it", async () => {
    for (const p of [bob(), carol()]) {
      await p.ok("sync");
      const invites = await p.ok<Invite[]>("invites");
      expect(invites).toEqual([
        {
          id: expect.any(String),
          group: GROUP,
          from: alice().npub,
          fromName: "Alice Aardvark",
          receivedAt: expect.any(Number),
        },
      ]);
      const joined = await p.ok<Group>("invites", "accept", invites[0]!.id);
      expect(joined.id).toBe(groupId);
      expect(await p.ok<Invite[]>("invites")).toEqual([]);
    }
    const members = await bob().ok<MemberRow[]>("group", "members", GROUP);
    expect(members.map((m) => [m.npub, m.name, m.admin]).sort()).toEqual(
      [
        [alice().npub, "Alice Aardvark", true],
        [bob().npub, "Bob Bumblebee", false],
        [carol().npub, "Carol Caterpillar", false],
      ].sort(),
    );
  });

  it("chats both ways", async () => {
    await alice().ok("chat", "send", GROUP, SECRETS.hello);
    await bob().ok("chat", "send", GROUP, SECRETS.reply);
    await carol().ok("chat", "send", GROUP, SECRETS.carol);
    for (const p of people) {
      const list = messagesOf(await p.ok<Message[]>("chat", "list", GROUP));
      expect(list.map((m) => [m.author, m.text])).toEqual([
        [alice().npub, SECRETS.hello],
        [bob().npub, SECRETS.reply],
        [carol().npub, SECRETS.carol],
      ]);
      for (const m of list) {
        expect(m.id).toMatch(/^[0-9a-f]{64}$/);
        expect(Number.isInteger(m.createdAt)).toBe(true);
      }
    }
  });

  it("refuses a removal by someone who is not an admin, in plain words", async () => {
    const r = await bob().fails("group", "remove", GROUP, carol().npub);
    expect(r.code).not.toBe(0);
    expect(r.error).toMatch(/only an admin/i);
    const members = await alice().ok<MemberRow[]>("group", "members", GROUP);
    expect(members.map((m) => m.npub)).toContain(carol().npub);
  });

  it("removes Carol: with her full saved state she reads nothing sent afterwards", async () => {
    await alice().ok("group", "remove", GROUP, carol().npub);
    await alice().ok("chat", "send", GROUP, SECRETS.after);
    await bob().ok("chat", "send", GROUP, SECRETS.later);

    const bobSees = messagesOf(await bob().ok<Message[]>("chat", "list", GROUP));
    expect(bobSees.map((m) => m.text)).toEqual([
      SECRETS.hello,
      SECRETS.reply,
      SECRETS.carol,
      SECRETS.after,
      SECRETS.later,
    ]);
    const members = await bob().ok<MemberRow[]>("group", "members", GROUP);
    expect(members.map((m) => m.npub).sort()).toEqual([alice().npub, bob().npub].sort());

    // Carol keeps her home folder (MLS state, keys, everything) and syncs again and again.
    await carol().ok("sync");
    await carol().ok("sync");
    const carolSees = messagesOf(await carol().ok<Message[]>("chat", "list", groupId));
    expect(carolSees.map((m) => m.text)).toEqual([SECRETS.hello, SECRETS.reply, SECRETS.carol]);
    const carolGroups = await carol().ok<(Group & { status: string })[]>("group", "list");
    expect(carolGroups).toEqual([expect.objectContaining({ id: groupId, status: "removed" })]);
    // And nothing of what followed is anywhere in her files.
    expect(findInFiles(carol().home, [SECRETS.after, SECRETS.later])).toEqual([]);
    // She can no longer send into the group.
    const r = await carol().fails("chat", "send", groupId, "still here?");
    expect(r.error).toMatch(/no longer in/i);
  });

  it("leaves no message text, group name, member name or group id in any file the relay wrote", async () => {
    const files = fs.readdirSync(relay.dataDir);
    expect(files.some((f) => f.endsWith(".db") || f.endsWith(".sqlite") || f.includes("db"))).toBe(true);
    const needles = [...Object.values(SECRETS), GROUP, "Elm Street", ...people.map((p) => p.name), groupId];
    expect(findInFiles(relay.dataDir, needles)).toEqual([]);
    // The scan does find what a relay must store in the clear (a person's public key on their key
    // package), so it is looking at the right bytes.
    expect(findInFiles(relay.dataDir, [alice().pubkey]).length).toBeGreaterThan(0);
  });
});
