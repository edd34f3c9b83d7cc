// THREAT-MODEL.md, "erase" and "duress": erasing destroys the data key first, then the files; the
// duress passphrase does the same silently and leaves a fresh, empty Rally. Afterwards a scan of
// the folder finds nothing, and the recovery words bring the account back on a fresh device.
import fs from "node:fs";
import path from "node:path";
import { describe, expect, it } from "vitest";
import { openNodeRally } from "../../src/platform/node/nodeClient.ts";
import { chatTexts, groupWith, homeOf, person, useWorld } from "../world.ts";
import { filesUnder, type Needle, scan, textNeedle } from "./scan.ts";

const w = useWorld("erase");

const needles = (name: string): Needle[] => [
  textNeedle("name", name),
  textNeedle("group name", "Night Shelter Rota"),
  textNeedle("message", "Who can take Tuesday night?"),
];

describe("erasing a device", () => {
  it("leaves nothing behind, and the recovery words restore the account elsewhere", async () => {
    const fatima = await person(w, "Fatima Haddad");
    const gus = await person(w, "Gus Lindqvist");
    const g = await groupWith(fatima, [gus], "Night Shelter Rota");
    await fatima.sendChat(g, "Who can take Tuesday night?");
    await fatima.deliver(8_000);
    const words = await fatima.recoveryWords();
    const npub = (await fatima.account())?.npub;
    const home = homeOf(fatima);

    await fatima.erase();
    expect(fs.existsSync(path.join(home, "rally.db"))).toBe(false);
    expect(scan(filesUnder(home), needles("Fatima Haddad"))).toEqual([]);
    expect(await fatima.account()).toBeNull();

    const fresh = await openNodeRally({ home: path.join(w.root, "fatima-new"), fetchTimeoutMs: 8_000 });
    try {
      const restored = await fresh.recoverAccount({ words, relays: [w.relay.url] });
      expect(restored.npub).toBe(npub);
    } finally {
      await fresh.close();
    }
    // The group goes on without the erased device.
    await gus.sendChat(g, "I can");
    await gus.deliver(8_000);
    expect(await chatTexts(gus, g)).toContain("I can");
  }, 90_000);

  it("an erase that stopped after the key was destroyed finishes on the next open", async () => {
    const hana = await person(w, "Hana Sato");
    const home = homeOf(hana);
    await hana.close();
    // What erase writes first, by hand: the record that held the key, overwritten.
    const Database = (await import("better-sqlite3")).default;
    const db = new Database(path.join(home, "rally.db"));
    db.prepare("UPDATE kv SET value = ? WHERE key = 'vault'").run(JSON.stringify({ v: 1, erased: true }));
    db.close();
    const again = await openNodeRally({ home });
    try {
      expect(await again.account()).toBeNull();
      expect((await again.security()).protection).toBe("device");
    } finally {
      await again.close();
    }
    expect(scan(filesUnder(home), needles("Hana Sato"))).toEqual([]);
  }, 60_000);
});

describe("the duress passphrase", () => {
  it("typed at unlock erases silently and opens a fresh, empty Rally", async () => {
    const ivan = await person(w, "Ivan Petrov");
    const jo = await person(w, "Jo Mensah");
    const g = await groupWith(ivan, [jo], "Night Shelter Rota");
    await ivan.sendChat(g, "Who can take Tuesday night?");
    await ivan.deliver(8_000);
    await ivan.setPassphrase("my real passphrase");
    await expect(ivan.setDuressPassphrase("my real passphrase")).rejects.toThrow(/differ/);
    await ivan.setDuressPassphrase("the one I give them");
    expect((await ivan.security()).duress).toBe(true);
    const home = homeOf(ivan);
    await ivan.close();

    const seized = await openNodeRally({ home, fetchTimeoutMs: 3_000 });
    try {
      // The lock screen does not tell that a duress passphrase exists.
      expect(await seized.security()).toMatchObject({ locked: true, duress: false });
      await seized.unlock("the one I give them");
      expect(await seized.account()).toBeNull();
      expect(await seized.groups()).toEqual([]);
      expect(await seized.security()).toMatchObject({ protection: "device", locked: false, duress: false });
    } finally {
      await seized.close();
    }
    expect(scan(filesUnder(home), needles("Ivan Petrov"))).toEqual([]);
    // The real passphrase opens nothing any more: the device is new.
    const after = await openNodeRally({ home });
    try {
      expect(await after.account()).toBeNull();
    } finally {
      await after.close();
    }
  }, 90_000);
});
