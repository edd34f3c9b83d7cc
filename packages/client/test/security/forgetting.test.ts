// What a device replaces must be gone from its files, not only from its tables: a superseded MLS
// epoch state would let whoever gets the data key later read the messages of that epoch (forward
// secrecy at rest). SQLite zeroes freed content (`secure_delete`) and the vault truncates the
// write-ahead log after a write that replaces an epoch or deletes something.
import path from "node:path";
import Database from "better-sqlite3";
import { describe, expect, it } from "vitest";
import { blobKeys } from "../../src/store/keys.ts";
import { groupWith, homeOf, npubOf, person, useWorld } from "../world.ts";
import { filesUnder, scan, windowsOf } from "./scan.ts";

const w = useWorld("forgetting");

function sealedBlob(home: string, key: string): Buffer {
  const db = new Database(path.join(home, "rally.db"), { readonly: true });
  try {
    const row = db.prepare("SELECT data FROM blobs WHERE key = ?").get(key) as { data: Buffer } | undefined;
    if (!row) throw new Error(`no blob ${key}`);
    return row.data;
  } finally {
    db.close();
  }
}

describe("a superseded epoch", () => {
  it("leaves no copy of its sealed state in the database, the WAL or the shared memory", async () => {
    const kim = await person(w, "Kim Larsen");
    const lee = await person(w, "Lee Park");
    const g = await groupWith(kim, [lee], "Bike Repair Collective");
    const home = homeOf(kim);
    const before = sealedBlob(home, blobKeys.groupEpoch(g));
    const oldWindows = windowsOf("old sealed epoch state", before, 32);
    expect(scan(filesUnder(home), oldWindows).length).toBeGreaterThan(0);

    const mo = await person(w, "Mo Diallo");
    await kim.invite(g, await npubOf(mo));
    await kim.deliver(8_000);
    expect(sealedBlob(home, blobKeys.groupEpoch(g)).equals(before)).toBe(false);
    expect(scan(filesUnder(home), oldWindows)).toEqual([]);
  }, 90_000);
});

describe("a deleted message", () => {
  it("leaves no copy of its sealed body in the files", async () => {
    const ned = await person(w, "Ned Achebe");
    const ola = await person(w, "Ola Berg");
    const g = await groupWith(ned, [ola], "Bike Repair Collective");
    const sent = await ned.sendChat(g, "the spare key is under the blue pot");
    await ned.deliver(8_000);
    const home = homeOf(ned);
    const db = new Database(path.join(home, "rally.db"), { readonly: true });
    const row = db.prepare("SELECT json FROM rumors WHERE id = ?").get(sent.id) as { json: string };
    db.close();
    const body = Buffer.from(row.json, "base64");
    const pieces = [
      ...windowsOf("sealed message", body, 8),
      { label: "sealed text", forms: [Buffer.from(row.json)] },
    ];
    expect(scan(filesUnder(home), pieces).length).toBeGreaterThan(0);

    await ned.deleteMessage(g, sent.id);
    await ned.deliver(8_000);
    expect(scan(filesUnder(home), pieces)).toEqual([]);
  }, 90_000);
});
