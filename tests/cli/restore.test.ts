/**
 * Losing every device and coming back with the twelve words: `rally account recover`, then
 * `rally sync` finds the backup of the person's groups on their relays and asks back in; the
 * groups show as "rejoining" until an admin's device syncs and lets the new device in, then as
 * before. Without any backup, `rally sync` says so in plain words.
 */
import fs from "node:fs";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { type RelayHandle, startRelay } from "../helpers/relay.ts";
import { Person, tempRoot } from "./support.ts";

const GROUP = "Tool Library";

let relay: RelayHandle;
let root: string;
let ann: Person;
let ben: Person;
let annAgain: Person;
let cal: Person;
let calAgain: Person;

beforeAll(async () => {
  root = tempRoot("rally-cli-restore-");
  relay = await startRelay();
  ann = new Person("Ann Quince", root);
  ben = new Person("Ben Sorrel", root);
  annAgain = new Person("Again Ann", root);
  cal = new Person("Cal Yarrow", root);
  calAgain = new Person("Returning Cal", root);
  for (const p of [ann, ben, cal]) await p.createAccount(relay.url);
}, 300_000);

afterAll(async () => {
  await relay?.stop();
  fs.rmSync(root, { recursive: true, force: true });
});

type Listed = { name: string; status?: string };

describe("recovering after losing every device", { timeout: 300_000 }, () => {
  it("brings the groups back: rejoining first, then as before", async () => {
    await ben.ok("group", "create", GROUP, "--relay", relay.url);
    await ben.ok("group", "invite", GROUP, ann.npub);
    await ann.ok("sync");
    await ann.ok("invites", "accept", (await ann.ok<{ id: string }[]>("invites"))[0]!.id);
    await ben.ok("sync");
    await ann.ok("sync"); // her backup now lists the group
    const { words } = await ann.ok<{ words: string }>("account", "words");

    const recovered = await annAgain
      .given(words)
      .ok<{ npub: string }>("account", "recover", "--relay", relay.url);
    expect(recovered.npub).toBe(ann.npub);
    const first = await annAgain.ok<{ notes?: string[] }>("sync");
    expect(first.notes?.join(" ")).toMatch(/backup of 1 group/);
    expect(await annAgain.ok<Listed[]>("group", "list", "--offline")).toEqual([
      expect.objectContaining({ name: GROUP, status: "rejoining" }),
    ]);

    await ben.ok("sync"); // Ben's device lets her new device in
    await annAgain.ok("sync");
    expect(await annAgain.ok<Listed[]>("group", "list", "--offline")).toEqual([
      expect.objectContaining({ name: GROUP, status: "active" }),
    ]);
    await ben.ok("chat", "send", GROUP, "Welcome back");
    await annAgain.ok("sync");
    const texts = (await annAgain.ok<{ text: string }[]>("chat", "list", GROUP)).map((m) => m.text);
    expect(texts).toContain("Welcome back");
  });

  it("says plainly when no backup is found", async () => {
    const { words } = await cal.ok<{ words: string }>("account", "words");
    await calAgain.given(words).ok("account", "recover", "--relay", relay.url);
    const report = await calAgain.ok<{ notes?: string[] }>("sync");
    expect(report.notes).toEqual([
      "No backup of your groups was found on your relays; groups come back when someone invites you again.",
    ]);
    const human = await calAgain.run("sync");
    expect(human.code).toBe(0);
  });
});
