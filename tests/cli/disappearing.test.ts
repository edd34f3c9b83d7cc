/**
 * `rally group disappearing` through the `rally` command with one real relay: Alice (admin) turns
 * disappearing messages on; Bob sees the timer in `group list` and above `chat list`, and cannot
 * change it; a timer the command does not offer is refused in plain words, before anything is sent.
 */
import fs from "node:fs";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { type RelayHandle, startRelay } from "../helpers/relay.ts";
import { Person, rally, tempRoot } from "./support.ts";

const GROUP = "Night Bus Watch";

let relay: RelayHandle;
let root: string;
let alice: Person;
let bob: Person;

beforeAll(async () => {
  root = tempRoot("rally-cli-disappearing-");
  relay = await startRelay();
  alice = new Person("Alice Ant", root);
  bob = new Person("Bob Bee", root);
  for (const p of [alice, bob]) await p.createAccount(relay.url);
  await alice.ok("group", "create", GROUP, "--relay", relay.url);
  await alice.ok("group", "invite", GROUP, bob.npub);
  await bob.ok("sync");
  const [invite] = await bob.ok<{ id: string }[]>("invites");
  await bob.ok("invites", "accept", invite!.id);
}, 300_000);

afterAll(async () => {
  await relay?.stop();
  fs.rmSync(root, { recursive: true, force: true });
});

describe("rally group disappearing", { timeout: 600_000 }, () => {
  it("an admin sets the timer; members see it in the group list and above the chat", async () => {
    const [g] = await alice.ok<{ id: string }[]>("group", "list");
    const set = await alice.ok<{ group: string; disappearAfter: number | null }>(
      "group",
      "disappearing",
      GROUP,
      "1d",
    );
    expect(set).toEqual({ group: g!.id, disappearAfter: 86_400 });

    await bob.ok("sync");
    const list = await bob.ok<{ id: string; disappearAfter: number | null }[]>("group", "list");
    expect(list.find((x) => x.id === g!.id)?.disappearAfter).toBe(86_400);

    const text = await rally(["chat", "list", GROUP, "--home", bob.home, "--offline"]);
    expect(text.code).toBe(0);
    const lines = text.stdout.split("\n");
    expect(lines[0]).toBe("Messages disappear after 1 day.");
    expect(text.stdout).toContain("Alice Ant set disappearing messages to 1 day");
    const groups = await rally(["group", "list", "--home", bob.home, "--offline"]);
    expect(groups.stdout).toContain("messages disappear after 1 day");

    const off = await alice.ok<{ disappearAfter: number | null }>("group", "disappearing", GROUP, "off");
    expect(off.disappearAfter).toBeNull();
    await bob.ok("sync");
    const after = await rally(["chat", "list", GROUP, "--home", bob.home, "--offline"]);
    expect(after.stdout).not.toContain("Messages disappear after");
    expect(after.stdout).toContain("Alice Ant turned off disappearing messages");
  });

  it("refuses a timer it does not offer, listing the ones it does", async () => {
    const bad = await alice.fails("group", "disappearing", GROUP, "3h");
    expect(bad.error).toBe(
      'Disappearing messages can be set to one of off, 1h, 1d, 1w, 4w (off, 1 hour, 1 day, 1 week, 4 weeks), not "3h".',
    );
    const text = await rally(["group", "disappearing", GROUP, "forever", "--home", alice.home]);
    expect(text.code).not.toBe(0);
    expect(text.stderr).toContain("off, 1h, 1d, 1w, 4w");
  });

  it("refuses a member who is not an admin", async () => {
    const r = await bob.fails("group", "disappearing", GROUP, "1w");
    expect(r.error).toBe(`Only an admin of "${GROUP}" can change disappearing messages.`);
    const list = await bob.ok<{ disappearAfter: number | null }[]>("group", "list", "--offline");
    expect(list[0]?.disappearAfter).toBeNull();
  });
});
