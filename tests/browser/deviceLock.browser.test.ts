// The device lock over the Web Locks API (`webDeviceLock`), in real Chromium: what every tab's
// engine worker takes before it changes anything, so two tabs of one account take turns.
// Fails, rather than skips, when Chromium is missing: `npm test` installs it.
import { fileURLToPath } from "node:url";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { type BrowserPage, bundle, openScriptPage } from "./chromium.ts";

let browser: BrowserPage;

beforeAll(async () => {
  const script = await bundle(fileURLToPath(new URL("./deviceLockPage.ts", import.meta.url)));
  browser = await openScriptPage(script);
  await browser.page.waitForFunction(() => "rallyLockTests" in window);
});

afterAll(async () => {
  await browser?.close();
});

describe("webDeviceLock in Chromium", { timeout: 120_000 }, () => {
  it("lets one holder in at a time", async () => {
    const log = await browser.page.evaluate(() => window.rallyLockTests.turns());
    expect(log).toHaveLength(20);
    // Every entry is directly followed by the same holder's exit: never two inside at once.
    for (let i = 0; i < log.length; i += 2) expect(log[i + 1]).toBe(log[i]!.replace("+", "-"));
  });

  it("says once that it waits, then gives up with a plain-words busy error", async () => {
    const r = await browser.page.evaluate(() => window.rallyLockTests.busy());
    expect(r.code).toBe("busy");
    expect(r.message).toMatch(/Rally is busy in another tab/);
    expect(r.told).toBe(1);
    expect(r.afterwards).toBe(true);
  });
});
