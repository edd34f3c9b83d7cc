// A browser whose clock is 20 minutes ahead of the relay's, against a real `rally serve` whose
// clock is set 20 minutes back (the same thing seen from the other side; the relay refuses events
// dated more than 15 minutes ahead of its clock): the page says so in a small notice, and a
// message written there is sent, stamped with the relay's time, not left waiting or refused.
import path from "node:path";
import type { Browser } from "playwright-core";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { launchChromium, onboard, person } from "./helpers/browser.ts";
import { repoRoot, type ServeHandle, startServe } from "./helpers/serve.ts";

const STEP = 90_000;
const GROUP = "Night market";
let serve: ServeHandle;
let browser: Browser;

beforeAll(async () => {
  serve = await startServe({
    env: {
      NODE_OPTIONS: `--import=${path.join(repoRoot, "tests/cli/offsetClock.mjs")}`,
      RALLY_TEST_CLOCK_OFFSET_MS: String(-20 * 60_000),
    },
  });
  browser = await launchChromium();
}, 300_000);

afterAll(async () => {
  await browser?.close();
  await serve?.stop();
});

describe("a device whose clock is off the relay's", () => {
  it("shows a notice and still sends", { timeout: STEP * 2 }, async () => {
    const { context, page, errors } = await person(browser);
    await page.goto(serve.url);
    await onboard(page, "Mina");
    await page.getByRole("heading", { name: "Groups" }).waitFor({ timeout: STEP });
    await page
      .getByRole("status")
      .filter({ hasText: "This device's clock is 20 minutes ahead of the relays' clocks." })
      .waitFor({ timeout: STEP });

    await page.getByRole("link", { name: "New group" }).first().click();
    await page.getByLabel("Group name").fill(GROUP);
    await page.getByRole("button", { name: "Create group" }).click();
    await page.getByRole("heading", { level: 1, name: GROUP }).waitFor({ timeout: STEP });
    await page
      .getByRole("navigation", { name: "Group sections" })
      .getByRole("link", { name: "Chat" })
      .click();
    await page.getByLabel("Message", { exact: true }).fill("stalls open at six");
    await page.getByRole("button", { name: "Send" }).click();
    const log = page.getByRole("log", { name: `Messages in ${GROUP}` });
    await log.getByText("stalls open at six").waitFor({ timeout: STEP });
    // Sent: neither waiting nor refused, once a relay took it.
    await expect
      .poll(async () => (await log.textContent()) ?? "", { timeout: STEP, interval: 500 })
      .not.toMatch(/Waiting to send|Not sent/);
    expect(errors).toEqual([]);
    await context.close();
  });
});
