/**
 * The sealed store opens an outbox record once per sealed text: a rewritten record reads as its
 * new value at once, a deleted one is gone, and what a read returns cannot be changed in place
 * (it is shared with the next read).
 */
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { openHomeVault } from "../../src/platform/node/nodeVault.ts";

const root = mkdtempSync(join(tmpdir(), "rally-sealed-outbox-"));
afterAll(() => rmSync(root, { recursive: true, force: true }));

describe("sealed outbox reads", () => {
  it("follow every rewrite and deletion, and hand out values that cannot be changed in place", async () => {
    const store = await openHomeVault(join(root, "a"), { logN: 4 });
    try {
      await store.batch([
        { op: "putOutbox", id: "e1", value: { state: "pending", relays: { r: { attempts: 0 } } } },
        { op: "putOutbox", id: "e2", value: { state: "pending" } },
      ]);
      const first = await store.outbox();
      expect(first.map((r) => r.value)).toEqual([
        { state: "pending", relays: { r: { attempts: 0 } } },
        { state: "pending" },
      ]);
      const entry = first[0]?.value as { state: string; relays: { r: { attempts: number } } };
      expect(() => {
        entry.state = "done";
      }).toThrow(TypeError);
      expect(() => {
        entry.relays.r.attempts = 5;
      }).toThrow(TypeError);
      await store.batch([
        { op: "putOutbox", id: "e1", value: { state: "done", relays: { r: { attempts: 1 } } } },
        { op: "deleteOutbox", id: "e2" },
      ]);
      expect((await store.outbox()).map((r) => [r.id, r.value])).toEqual([
        ["e1", { state: "done", relays: { r: { attempts: 1 } } }],
      ]);
      // The same value written again under the same id reads as written.
      await store.batch([{ op: "putOutbox", id: "e2", value: { state: "pending" } }]);
      expect((await store.outbox()).map((r) => r.id)).toEqual(["e1", "e2"]);
    } finally {
      await store.close();
    }
  });
});
