/**
 * Membership changes in the chat history, through the `rally` command with one real relay: Alice
 * invites Bob and Carol, makes Bob an admin and removes Carol. Every device derives the same
 * changes from the commits it applied and shows them among the messages, each as its reader sees
 * it: Bob reads "Alice Ant removed Carol Cat", Alice "You removed Carol Cat", Carol "You were
 * removed by Alice Ant". When Bob leaves, Alice reads "Bob Bee left". With `--json` they are
 * entries with `"type":"notice"`; messages keep every field they had and gain `"type":"message"`.
 */
import fs from "node:fs";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { type RelayHandle, startRelay } from "../helpers/relay.ts";
import { Person, rally, tempRoot } from "./support.ts";

interface Entry {
  type: "message" | "notice";
  id: string;
  text: string;
  createdAt: number;
  notice?: string;
}

const GROUP = "Food Bank Volunteers";

let relay: RelayHandle;
let root: string;
let alice: Person;
let bob: Person;
let carol: Person;

beforeAll(async () => {
  root = tempRoot("rally-cli-notices-");
  relay = await startRelay();
  alice = new Person("Alice Ant", root);
  bob = new Person("Bob Bee", root);
  carol = new Person("Carol Cat", root);
  for (const p of [alice, bob, carol]) await p.createAccount(relay.url);
}, 300_000);

afterAll(async () => {
  await relay?.stop();
  fs.rmSync(root, { recursive: true, force: true });
});

const notices = (list: Entry[]) => list.filter((e) => e.type === "notice").map((e) => e.text);

describe("membership changes in the chat history", { timeout: 600_000 }, () => {
  it("shows adds, an admin change and a removal to the members, each in their own words", async () => {
    await alice.ok("group", "create", GROUP, "--relay", relay.url);
    // One at a time, so that Bob's device applies the commit that adds Carol.
    for (const p of [bob, carol]) {
      await alice.ok("group", "invite", GROUP, p.npub);
      await p.ok("sync");
      const [invite] = await p.ok<{ id: string }[]>("invites");
      await p.ok("invites", "accept", invite!.id);
    }
    await alice.ok("chat", "send", GROUP, "Welcome both");
    await alice.ok("group", "admin", GROUP, bob.npub);
    await alice.ok("group", "remove", GROUP, carol.npub);
    await alice.ok("chat", "send", GROUP, "Shift plan for Saturday");

    await bob.ok("sync");
    const bobSees = await bob.ok<Entry[]>("chat", "list", GROUP);
    expect(notices(bobSees)).toEqual([
      "You joined; invited by Alice Ant",
      "Alice Ant added Carol Cat",
      "Alice Ant made you an admin",
      "Alice Ant removed Carol Cat",
    ]);
    const removal = bobSees.find((e) => e.notice === "removed");
    expect(removal).toEqual({
      type: "notice",
      id: expect.stringMatching(/^[0-9a-f]{64}:000$/),
      commit: expect.stringMatching(/^[0-9a-f]{64}$/),
      createdAt: expect.any(Number),
      epoch: expect.any(Number),
      notice: "removed",
      actor: alice.npub,
      actorName: "Alice Ant",
      subject: carol.npub,
      subjectName: "Carol Cat",
      value: null,
      text: "Alice Ant removed Carol Cat",
    });
    // The message written after the removal comes after it; messages keep all their fields.
    const texts = bobSees.map((e) => e.text);
    expect(texts.indexOf("Shift plan for Saturday")).toBeGreaterThan(
      texts.indexOf("Alice Ant removed Carol Cat"),
    );
    const message = bobSees.find((e) => e.text === "Shift plan for Saturday");
    expect(message).toMatchObject({
      type: "message",
      id: expect.stringMatching(/^[0-9a-f]{64}$/),
      author: alice.npub,
      authorName: "Alice Ant",
      createdAt: expect.any(Number),
      replyTo: null,
      reactions: [],
      deleted: false,
      state: "sent",
    });

    const aliceSees = await alice.ok<Entry[]>("chat", "list", GROUP);
    expect(notices(aliceSees)).toEqual([
      "You added Bob Bee",
      "You added Carol Cat",
      "You made Bob Bee an admin",
      "You removed Carol Cat",
    ]);
  });

  it("shows Carol, on her own device, that she was removed and by whom", async () => {
    // Carol's device applies the commit that removed her and keeps what it read until then.
    await carol.ok("sync");
    const carolSees = await carol.ok<Entry[]>("chat", "list", GROUP);
    expect(notices(carolSees)).toEqual([
      "You joined; invited by Alice Ant",
      "Alice Ant made Bob Bee an admin",
      "You were removed by Alice Ant",
    ]);
    expect(carolSees.map((e) => e.text)).not.toContain("Shift plan for Saturday");
  });

  it("shows a person who asked to leave as having left, not as removed", async () => {
    await bob.ok("group", "leave", GROUP);
    // Bob's own device says so at once, without waiting for anyone to commit it.
    const bobSees = await bob.ok<Entry[]>("chat", "list", GROUP, "--offline");
    expect(notices(bobSees).at(-1)).toBe("You left");
    // Alice's device commits Bob's request to leave at its next sync.
    let aliceSees: Entry[] = [];
    for (let i = 0; i < 5 && !notices(aliceSees).includes("Bob Bee left"); i++) {
      await alice.ok("sync");
      aliceSees = await alice.ok<Entry[]>("chat", "list", GROUP, "--offline");
    }
    expect(notices(aliceSees)).toEqual([
      "You added Bob Bee",
      "You added Carol Cat",
      "You made Bob Bee an admin",
      "You removed Carol Cat",
      "Bob Bee left",
    ]);
  });

  it("prints notices as their own lines without --json", async () => {
    const r = await rally(["chat", "list", GROUP, "--home", bob.home, "--offline"]);
    expect(r.code).toBe(0);
    expect(r.stdout).toMatch(/^\[\d{4}-\d\d-\d\d \d\d:\d\d\] — Alice Ant removed Carol Cat$/m);
    expect(r.stdout).toMatch(/^\[\d{4}-\d\d-\d\d \d\d:\d\d\] Alice Ant: Shift plan for Saturday$/m);
  });
});
