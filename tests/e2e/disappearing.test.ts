// Disappearing messages in the web app, against a real `rally serve`: Ana (browser) makes a group,
// sets messages to disappear after 1 day from the Members tab, and sees it in the group's header
// and as a notice in the chat; turning it off takes the header line away again.
import fs from "node:fs";
import path from "node:path";
import type { Browser, BrowserContext, Page } from "playwright-core";
import { afterAll, afterEach, beforeAll, describe, it } from "vitest";
import { launchChromium, onboard, person } from "./helpers/browser.ts";
import { repoRoot, type ServeHandle, startServe } from "./helpers/serve.ts";

const GROUP = "Stairwell Notes";
const STEP = 90_000; // MLS and relay round trips in a busy browser: generous, never asserted on.

let serve: ServeHandle;
let browser: Browser;
let ana: { context: BrowserContext; page: Page; errors: string[] };

async function openTab(page: Page, tab: "Chat" | "Members"): Promise<void> {
  await page.getByRole("navigation", { name: "Group sections" }).getByRole("link", { name: tab }).click();
}

beforeAll(async () => {
  serve = await startServe();
  browser = await launchChromium();
  ana = await person(browser);
});

afterEach(async (context) => {
  if (context.task.result?.state !== "fail" || !ana) return;
  const dir = path.join(repoRoot, "test-results", "e2e");
  fs.mkdirSync(dir, { recursive: true });
  const slug = context.task.name.replace(/[^a-z0-9]+/gi, "-").slice(0, 60);
  await ana.page.screenshot({ path: path.join(dir, `disappearing-${slug}.png`) }).catch(() => {});
});

afterAll(async () => {
  await browser?.close();
  await serve?.stop();
});

describe("disappearing messages in the web app", () => {
  it("an admin sets the timer in the group's settings; the header and the chat say so", {
    timeout: STEP * 5,
  }, async () => {
    const a = ana.page;
    await a.goto(serve.url);
    await onboard(a, "Ana Alder");
    await a.getByRole("link", { name: "New group" }).first().click();
    await a.getByLabel("Group name").fill(GROUP);
    await a.getByRole("button", { name: "Create group" }).click();
    await a.getByRole("heading", { level: 1, name: GROUP }).waitFor({ timeout: STEP });

    await openTab(a, "Members");
    await a.getByLabel("Delete messages after").selectOption({ label: "1 day" });
    await a.getByRole("button", { name: "Save", exact: true }).click();
    await a.getByText("Messages disappear after 1 day").waitFor({ timeout: STEP });
    await openTab(a, "Chat");
    await a
      .getByRole("log", { name: `Messages in ${GROUP}` })
      .getByText("You set disappearing messages to 1 day")
      .waitFor({ timeout: STEP });

    await openTab(a, "Members");
    await a.getByLabel("Delete messages after").selectOption({ label: "Off — keep messages" });
    await a.getByRole("button", { name: "Save", exact: true }).click();
    await a.getByText("Messages disappear after 1 day").waitFor({ state: "detached", timeout: STEP });
  });
});
