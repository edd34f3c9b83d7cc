// The shared Store conformance suite against the vault: records sealed under the data key on their
// way into SQLite must answer exactly as plain ones, with the device holding the key and with a
// passphrase.
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { deleteHomeStore, openHomeVault } from "../../src/platform/node/nodeVault.ts";
import { type StoreFactory, storeConformance } from "../../src/store/conformance.ts";

const root = mkdtempSync(join(tmpdir(), "rally-vault-conformance-"));
afterAll(() => rmSync(root, { recursive: true, force: true }));

let n = 0;
function factory(passphrase: string | null): StoreFactory {
  return async () => {
    const home = join(root, `home-${++n}`);
    // The first open makes the key (and, with a passphrase, wraps it); later opens find it again.
    if (passphrase !== null) {
      const v = await openHomeVault(home, { logN: 4 });
      await v.setPassphrase(passphrase);
      await v.close();
    }
    return {
      open: async () => openHomeVault(home, { passphrase, logN: 4 }),
      destroy: async () => deleteHomeStore(home),
    };
  };
}

describe("sealed store conformance, key kept by the device", () => {
  it("has checks", () => expect(storeConformance.length).toBeGreaterThan(10));
  for (const check of storeConformance) it(check.name, () => check.run(factory(null)));
});

describe("sealed store conformance, key under a passphrase", () => {
  for (const check of storeConformance) it(check.name, () => check.run(factory("a long passphrase")));
});
