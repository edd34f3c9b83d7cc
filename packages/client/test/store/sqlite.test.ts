// The shared Store conformance suite against the SQLite adapter, on real files in a temp dir.
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { openSqliteStore } from "../../src/platform/node/sqliteStore.ts";
import { type StoreFactory, storeConformance } from "../../src/store/conformance.ts";

const root = mkdtempSync(join(tmpdir(), "rally-sqlite-conformance-"));
afterAll(() => rmSync(root, { recursive: true, force: true }));

let n = 0;
const factory: StoreFactory = async () => {
  const file = join(root, `store-${++n}.db`);
  return {
    open: async () => openSqliteStore(file),
    destroy: async () => {
      for (const suffix of ["", "-wal", "-shm"]) rmSync(file + suffix, { force: true });
    },
  };
};

describe("SQLite store conformance", () => {
  it("has checks", () => expect(storeConformance.length).toBeGreaterThan(10));
  for (const check of storeConformance) {
    it(check.name, () => check.run(factory));
  }
});
