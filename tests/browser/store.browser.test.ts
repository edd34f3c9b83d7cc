// The IndexedDB store in real Chromium: the shared conformance suite (the same checks the SQLite
// store passes in Node), upgrades from schema versions 1 and 3, and refusal of a newer schema.
// Fails, rather than skips, when Chromium is missing: `npm test` installs it.
import { fileURLToPath } from "node:url";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { storeConformance } from "../../packages/client/src/store/conformance.ts";
import { type BrowserPage, bundle, openScriptPage } from "./chromium.ts";

let browser: BrowserPage;

beforeAll(async () => {
  const script = await bundle(fileURLToPath(new URL("./storePage.ts", import.meta.url)));
  browser = await openScriptPage(script);
  await browser.page.waitForFunction(() => "rallyStoreTests" in window);
});

afterAll(async () => {
  await browser?.close();
});

describe("IndexedDB store in Chromium", { timeout: 120_000 }, () => {
  it("passes every check of the shared Store conformance suite", async () => {
    const results = await browser.page.evaluate(() => window.rallyStoreTests.conformance());
    const failed = results.filter((r) => !r.ok);
    expect(
      failed,
      `${failed.map((f) => `${f.name}\n${f.error}`).join("\n\n")}\n${browser.logs.join("\n")}`,
    ).toEqual([]);
    expect(results.map((r) => r.name)).toEqual(storeConformance.map((c) => c.name));
  });

  it("upgrades a version-1 database, keeping its data", async () => {
    const r = (await browser.page.evaluate(() => window.rallyStoreTests.upgradeFromV1())) as Record<
      string,
      unknown
    >;
    expect(r.storesBefore).toEqual(["blobs", "kv", "rumors", "seen"]);
    expect(r.storesAfter).toEqual(["blobs", "kv", "outbox", "rumors", "seen"]);
    expect(r.versionAfter).toBe(r.latest);
    expect(r.account).toEqual({ name: "Ana" });
    expect(r.blob).toEqual([1, 2, 3]);
    expect(r.seen).toEqual(["cd".repeat(32)]);
    expect(r.rumors).toEqual([
      {
        id: "cd".repeat(32),
        group: "ab".repeat(16),
        kind: 9,
        created_at: 1700000000,
        pubkey: "ef".repeat(32),
        json: "{}",
      },
    ]);
    expect(r.outbox).toEqual([{ ok: 1 }]);
  });

  it("upgrades a version-3 database: each rumor gets its milliseconds, and pages follow them", async () => {
    const r = (await browser.page.evaluate(() => window.rallyStoreTests.upgradeFromV3())) as {
      order: string[];
      ms: Record<string, number>;
      pages: string[];
      count: number;
    };
    const id = (x: string) => x.repeat(32);
    expect(r.ms).toEqual({
      [id("f5")]: 10,
      [id("f4")]: 20,
      [id("f3")]: 30,
      [id("f2")]: 40,
      [id("f1")]: 999,
      [id("a1")]: 0,
      [id("a2")]: 0,
      [id("a3")]: 0,
      [id("00")]: 0,
    });
    // Newest first: the next second, the tagged five in reverse of their sending, then those at 0
    // by id. Every record is still in the time index (it leaves out records without the field).
    expect(r.order).toEqual(["00", "f1", "f2", "f3", "f4", "f5", "a3", "a2", "a1"].map(id));
    expect(r.pages).toEqual(r.order);
    expect(r.count).toBe(9);
  });

  it("refuses data written by a newer Rally, in plain words", async () => {
    const r = await browser.page.evaluate(() => window.rallyStoreTests.newerVersionRefused());
    expect(r.code).toBe("version");
    expect(r.message).toMatch(/newer version of Rally/);
  });
});
