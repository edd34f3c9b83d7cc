/**
 * What a reaction or deletion acts on stays findable for the device (a page of chat reads only
 * what acts on it) while the database files do not show it: someone holding a copy of the files
 * sees blinded values in the refs index and the rumors' refs column, never the message ids linked.
 */
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import Database from "better-sqlite3";
import { afterAll, describe, expect, it } from "vitest";
import { openHomeVault } from "../../src/platform/node/nodeVault.ts";
import { storePath } from "../../src/platform/node/sqliteStore.ts";

const root = mkdtempSync(join(tmpdir(), "rally-sealed-refs-"));
afterAll(() => rmSync(root, { recursive: true, force: true }));

const G = "cd".repeat(8);
const target = "7a".repeat(32);
const reaction = "5b".repeat(32);

describe("refs in a sealed store", () => {
  it("are found by the device and blinded in the files", async () => {
    const home = join(root, "a");
    const store = await openHomeVault(home, { logN: 4 });
    await store.batch([
      {
        op: "putRumor",
        rumor: {
          id: reaction,
          group: G,
          kind: 7,
          created_at: 10,
          pubkey: "ab".repeat(32),
          json: "{}",
          refs: [target],
        },
      },
    ]);
    expect((await store.rumors({ group: G, refs: [target] })).map((r) => [r.id, r.refs])).toEqual([
      [reaction, [target]],
    ]);
    await store.close();

    const db = new Database(storePath(home), { readonly: true });
    const indexed = db.prepare<[], { ref: string }>("SELECT ref FROM rumor_refs").all();
    const column = db.prepare<[], { refs: string | null }>("SELECT refs FROM rumors").all();
    db.close();
    expect(indexed.length).toBe(1);
    expect(indexed[0]?.ref).not.toBe(target);
    expect(column.map((r) => r.refs)).not.toContain(target);
    expect(JSON.stringify([indexed, column])).not.toContain(target);
  });
});
