// THREAT-MODEL.md, "a copied device" and "a seized locked device": whoever copies a device's files
// (SQLite database, write-ahead log and shared memory) finds no message, group name, person's name,
// key or secret in any form, and can do nothing with them without the passphrase.
import fs from "node:fs";
import path from "node:path";
import { personFromRecoveryWords } from "@rally/protocol/identity";
import { describe, expect, it } from "vitest";
import { openNodeRally } from "../../src/platform/node/nodeClient.ts";
import { blobKeys } from "../../src/store/keys.ts";
import { chatTexts, groupWith, homeOf, person, pubkeyOf, useWorld } from "../world.ts";
import { filesUnder, type Needle, scan, secretNeedle, textNeedle, windowsOf } from "./scan.ts";

const w = useWorld("copied-device");
const PASSPHRASE = "correct horse battery staple";

function copyHome(from: string, to: string): string {
  fs.mkdirSync(to, { recursive: true });
  for (const f of fs.readdirSync(from)) {
    if (f.startsWith("rally.db")) fs.copyFileSync(path.join(from, f), path.join(to, f));
  }
  return to;
}

describe("a copied device", () => {
  it("holds nothing readable once locked, and its copy opens nothing without the passphrase", async () => {
    const alice = await person(w, "Alice Marchetti");
    const bob = await person(w, "Bob Okafor");
    const g = await groupWith(alice, [bob], "Tenants Union Riverside");
    await alice.sendChat(g, "Rent strike meeting moved to the laundry room");
    await bob.sync();
    await bob.sendChat(g, "I will bring the landlord letters from flat 4B");
    await bob.deliver(8_000);
    await alice.createEvent(g, {
      title: "Assembly at Marsh Street laundry",
      start: "2027-01-14T19:00",
      end: "2027-01-14T21:00",
      tz: "Europe/London",
      location: "12 Marsh Street basement",
    });
    await alice.deliver(8_000);
    await alice.sync();
    expect(await chatTexts(alice, g)).toContain("I will bring the landlord letters from flat 4B");

    const words = await alice.recoveryWords();
    const secretKey = personFromRecoveryWords(words).secretKey;
    const epochState = await alice.core.store.getBlob(blobKeys.groupEpoch(g));
    const messageState = await alice.core.store.getBlob(blobKeys.groupMessages(g));
    expect(epochState && messageState).toBeTruthy();
    const bobKey = await pubkeyOf(bob);

    await alice.setPassphrase(PASSPHRASE);
    expect((await alice.security()).protection).toBe("passphrase");
    const home = homeOf(alice);
    await alice.close();
    const copy = copyHome(home, path.join(w.root, "copied"));

    const needles: Needle[] = [
      textNeedle("message", "Rent strike meeting moved to the laundry room"),
      textNeedle("reply", "I will bring the landlord letters"),
      textNeedle("group name", "Tenants Union Riverside"),
      textNeedle("name", "Alice Marchetti"),
      textNeedle("member's name", "Bob Okafor"),
      textNeedle("place", "12 Marsh Street basement"),
      textNeedle("event", "Assembly at Marsh Street"),
      textNeedle("recovery words", words.split(" ").slice(0, 3).join(" ")),
      secretNeedle("secret key", secretKey),
      secretNeedle("member's key", Buffer.from(bobKey, "hex")),
      ...windowsOf("MLS epoch state", epochState as Uint8Array),
      ...windowsOf("MLS message state", messageState as Uint8Array, 8),
    ];
    const files = filesUnder(copy);
    expect(files.length).toBeGreaterThan(0);
    expect(scan(files, needles)).toEqual([]);

    // The copy opens locked: nothing can be read, fetched or sent.
    const thief = await openNodeRally({ home: copy, fetchTimeoutMs: 3_000 });
    try {
      expect(await thief.security()).toMatchObject({ protection: "passphrase", locked: true, duress: false });
      await expect(thief.account()).rejects.toMatchObject({ code: "locked" });
      await expect(thief.chat(g)).rejects.toMatchObject({ code: "locked" });
      await expect(thief.sendChat(g, "posted by the thief")).rejects.toMatchObject({ code: "locked" });
      // Bob's next message reaches the relay; the copy cannot fetch or decrypt it.
      await bob.sendChat(g, "Next meeting: Thursday");
      await bob.deliver(8_000);
      await expect(thief.sync()).rejects.toMatchObject({ code: "locked" });
      await expect(thief.unlock("guess one")).rejects.toMatchObject({ code: "wrong-passphrase" });
      await expect(thief.unlock("guess two")).rejects.toMatchObject({
        code: "wrong-passphrase",
        message: expect.stringMatching(/2 wrong tries/),
      });
      expect((await thief.security()).failedUnlocks).toBe(2);
    } finally {
      await thief.close();
    }
    // The files stay as unreadable after the failed attempts.
    expect(scan(filesUnder(copy), needles)).toEqual([]);

    // The person, with the passphrase, reads everything, including what came after.
    const again = await openNodeRally({ home, fetchTimeoutMs: 8_000 });
    try {
      await again.unlock(PASSPHRASE);
      await again.sync();
      expect(await chatTexts(again, g)).toEqual(
        expect.arrayContaining(["Rent strike meeting moved to the laundry room", "Next meeting: Thursday"]),
      );
    } finally {
      await again.close();
    }
  }, 120_000);

  it("says plainly when the device keeps its own key, and a copy of such a device opens", async () => {
    const carol = await person(w, "Carol Nguyen");
    expect(await carol.security()).toEqual({
      protection: "device",
      locked: false,
      failedUnlocks: 0,
      duress: false,
      autoLockMinutes: null,
    });
    const home = homeOf(carol);
    await carol.close();
    // Still no plain text in the files: the key beside them is what opens them.
    expect(scan(filesUnder(home), [textNeedle("name", "Carol Nguyen")])).toEqual([]);
    const copy = await openNodeRally({ home: copyHome(home, path.join(w.root, "copied-carol")) });
    try {
      expect((await copy.account())?.name).toBe("Carol Nguyen");
    } finally {
      await copy.close();
    }
  }, 60_000);

  it("a new passphrase makes a new data key: a copy taken before does not open what is written after", async () => {
    const dan = await person(w, "Dan Ortiz");
    const home = homeOf(dan);
    const before = copyHome(home, path.join(w.root, "before"));
    await dan.setName("Daniel Ortiz");
    await dan.setPassphrase(PASSPHRASE);
    await dan.close();
    // The old copy's record holds the old key; put it beside the new data.
    const mixed = copyHome(home, path.join(w.root, "mixed"));
    const Database = (await import("better-sqlite3")).default;
    const oldRecord = new Database(path.join(before, "rally.db"))
      .prepare("SELECT value FROM kv WHERE key = 'vault'")
      .get() as { value: string };
    const db = new Database(path.join(mixed, "rally.db"));
    db.prepare("UPDATE kv SET value = ? WHERE key = 'vault'").run(oldRecord.value);
    db.close();
    await expect(
      openNodeRally({ home: mixed }).then((c) => c.account().finally(() => c.close())),
    ).rejects.toThrow(/does not open with this device's key/);
  }, 60_000);
});

describe("a seized unlocked device", () => {
  it("cannot change or remove the passphrase without the current one", async () => {
    const erin = await person(w, "Erin Walsh");
    await erin.setPassphrase(PASSPHRASE);
    await expect(erin.setPassphrase(null)).rejects.toMatchObject({ code: "wrong-passphrase" });
    await expect(erin.setPassphrase("the thief's own", "a guess")).rejects.toMatchObject({
      code: "wrong-passphrase",
    });
    await expect(erin.setDuressPassphrase(PASSPHRASE)).rejects.toThrow(/differ/);
    await erin.setPassphrase("a new one", PASSPHRASE);
    await erin.lock();
    await expect(erin.chat("00")).rejects.toMatchObject({ code: "locked" });
    await expect(erin.unlock(PASSPHRASE)).rejects.toMatchObject({ code: "wrong-passphrase" });
    await erin.unlock("a new one");
    expect((await erin.account())?.name).toBe("Erin Walsh");
    expect((await erin.security()).failedUnlocks).toBe(0);
  }, 60_000);
});
