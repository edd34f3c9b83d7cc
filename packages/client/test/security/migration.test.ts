// Stores written by the first milestone's Rally (tests/fixtures/firstMilestone, how they were made
// is in its README) are sealed in place the first time this Rally opens them: nothing is lost, and
// no plain text is left in the files.
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { fileURLToPath } from "node:url";
import Database from "better-sqlite3";
import { afterAll, describe, expect, it } from "vitest";
import { openNodeRally } from "../../src/platform/node/nodeClient.ts";
import { filesUnder, type Needle, scan, textNeedle } from "./scan.ts";

const fixtures = path.resolve(
  path.dirname(fileURLToPath(import.meta.url)),
  "../../../../tests/fixtures/firstMilestone",
);
const root = fs.mkdtempSync(path.join(os.tmpdir(), "rally-migration-"));
afterAll(() => fs.rmSync(root, { recursive: true, force: true }));

function copyFixture(name: string): string {
  const home = path.join(root, `${name}-${Math.random().toString(36).slice(2)}`);
  fs.mkdirSync(home);
  fs.copyFileSync(path.join(fixtures, name, "rally.db"), path.join(home, "rally.db"));
  return home;
}

const GROUP = "Tenants Union Riverside";
const needles: Needle[] = [
  textNeedle("message", "Rent strike meeting moved to the laundry room"),
  textNeedle("group name", GROUP),
  textNeedle("name", "Alice Marchetti"),
  textNeedle("member's name", "Bob Okafor"),
  textNeedle("place", "12 Marsh Street basement"),
  textNeedle("poll", "door-knocking"),
];

describe("a store of the first milestone", () => {
  it("is sealed in place with its groups, messages, events, answers and polls", async () => {
    const home = copyFixture("alice");
    // The scan sees what an unsealed store holds (so its silence afterwards means something).
    expect(scan(filesUnder(home), needles).length).toBeGreaterThanOrEqual(needles.length - 1);

    const alice = await openNodeRally({ home, fetchTimeoutMs: 1_000 });
    try {
      expect(await alice.security()).toMatchObject({ protection: "device", locked: false });
      expect((await alice.account())?.name).toBe("Alice Marchetti");
      const [group] = await alice.groups();
      expect(group?.name).toBe(GROUP);
      const g = group?.id as string;
      expect((await alice.chat(g)).map((m) => [m.authorName, m.text])).toEqual([
        ["Alice Marchetti", "Rent strike meeting moved to the laundry room, bring the eviction notices"],
        ["Bob Okafor", "I will bring the landlord letters from flat 4B"],
        ["Carol Nguyen", "Can someone translate the flyer into Vietnamese?"],
      ]);
      const [event] = await alice.events(g);
      expect(event).toMatchObject({
        title: "Assembly at Marsh Street laundry",
        location: "12 Marsh Street basement",
      });
      expect(event?.rsvps.going).toHaveLength(1);
      const [poll] = await alice.polls(g);
      expect(poll?.question).toBe("Which evening for the door-knocking?");
      expect((await alice.members(g)).map((m) => m.name).sort()).toEqual([
        "Alice Marchetti",
        "Bob Okafor",
        "Carol Nguyen",
      ]);
      expect((await alice.recoveryWords()).split(" ")).toHaveLength(12);
    } finally {
      await alice.close();
    }
    expect(scan(filesUnder(home), needles)).toEqual([]);
  }, 60_000);

  it("under a passphrase opens locked, and the passphrase seals it: the wrong one changes nothing", async () => {
    const home = copyFixture("bob-passphrase");
    const bob = await openNodeRally({ home, fetchTimeoutMs: 1_000 });
    try {
      expect(await bob.security()).toMatchObject({ protection: "passphrase", locked: true });
      await expect(bob.groups()).rejects.toMatchObject({ code: "locked" });
      await expect(bob.unlock("not it")).rejects.toMatchObject({ code: "wrong-passphrase" });
      // Still the old store, untouched.
      const db = new Database(path.join(home, "rally.db"), { readonly: true });
      expect(db.prepare("SELECT count(*) AS n FROM kv WHERE key = 'vault'").get()).toEqual({ n: 0 });
      db.close();

      await bob.unlock("correct horse battery staple");
      expect(await bob.security()).toMatchObject({
        protection: "passphrase",
        locked: false,
        autoLockMinutes: 15,
      });
      expect((await bob.account())?.name).toBe("Bob Okafor");
      const [group] = await bob.groups();
      expect(await bob.chat(group?.id as string)).toHaveLength(3);
    } finally {
      await bob.close();
    }
    expect(scan(filesUnder(home), needles)).toEqual([]);

    // From now on the passphrase opens the data key (once), not the account.
    const again = await openNodeRally({
      home,
      passphrase: "correct horse battery staple",
      fetchTimeoutMs: 1_000,
    });
    try {
      expect((await again.account())?.name).toBe("Bob Okafor");
    } finally {
      await again.close();
    }
  }, 60_000);

  it("refuses a store from a newer Rally in plain words, and changes nothing", async () => {
    const home = copyFixture("alice");
    const alice = await openNodeRally({ home, fetchTimeoutMs: 1_000 });
    await alice.close();
    const db = new Database(path.join(home, "rally.db"));
    const record = JSON.parse(
      (db.prepare("SELECT value FROM kv WHERE key = 'vault'").get() as { value: string }).value,
    );
    db.prepare("UPDATE kv SET value = ? WHERE key = 'vault'").run(JSON.stringify({ ...record, format: 99 }));
    db.close();
    await expect(openNodeRally({ home })).rejects.toThrow(/newer version of Rally \(store format 99/);
    const db2 = new Database(path.join(home, "rally.db"), { readonly: true });
    expect(
      JSON.parse((db2.prepare("SELECT value FROM kv WHERE key = 'vault'").get() as { value: string }).value)
        .format,
    ).toBe(99);
    db2.close();
  }, 60_000);
});
