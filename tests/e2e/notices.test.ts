// Membership changes in the web app's chat, against a real `rally serve`: Ana (browser) makes an
// invite link, Ben (browser) and Cat (terminal) come in through it, and Ana removes Cat from the
// Members tab. Ben's chat shows "You joined; invited by Ana Alder" and "Ana Alder removed Cat
// Cedar" as centred notice lines among the messages (not as messages), Ana's "You removed Cat
// Cedar", and Cat's terminal "You were removed by Ana Alder".
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import type { Browser, BrowserContext, Page } from "playwright-core";
import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest";
import { launchChromium, onboard, person } from "./helpers/browser.ts";
import { rally } from "./helpers/cli.ts";
import { repoRoot, type ServeHandle, startServe } from "./helpers/serve.ts";

const GROUP = "Harbour Cleanup";
const STEP = 90_000; // MLS and relay round trips in a busy browser: generous, never asserted on.

let serve: ServeHandle;
let browser: Browser;
let ana: { context: BrowserContext; page: Page; errors: string[] };
let ben: { context: BrowserContext; page: Page; errors: string[] };
let catHome = "";
let link = "";
let groupId = "";

function messages(page: Page) {
  return page.getByRole("log", { name: `Messages in ${GROUP}` });
}

async function openTab(page: Page, tab: "Chat" | "Members"): Promise<void> {
  await page.getByRole("navigation", { name: "Group sections" }).getByRole("link", { name: tab }).click();
}

/** Cat's `chat list --json` until `done` holds (her device syncs between tries). */
async function catList(done: (texts: string[]) => boolean): Promise<{ type: string; text: string }[]> {
  let list: { type: string; text: string }[] = [];
  const deadline = Date.now() + STEP * 2;
  while (Date.now() < deadline) {
    await rally(catHome, ["sync"]);
    list = await rally<{ type: string; text: string }[]>(catHome, ["chat", "list", groupId, "--offline"]);
    if (done(list.map((e) => e.text))) break;
    await new Promise((r) => setTimeout(r, 2000));
  }
  return list;
}

beforeAll(async () => {
  serve = await startServe();
  browser = await launchChromium();
  ana = await person(browser);
  ben = await person(browser);
});

afterEach(async (context) => {
  if (context.task.result?.state !== "fail" || !ana) return;
  const dir = path.join(repoRoot, "test-results", "e2e");
  fs.mkdirSync(dir, { recursive: true });
  const slug = context.task.name.replace(/[^a-z0-9]+/gi, "-").slice(0, 60);
  for (const [who, p] of [
    ["ana", ana],
    ["ben", ben],
  ] as const) {
    await p?.page.screenshot({ path: path.join(dir, `notices-${slug}-${who}.png`) }).catch(() => {});
  }
});

afterAll(async () => {
  await browser?.close();
  await serve?.stop();
  if (catHome) fs.rmSync(catHome, { recursive: true, force: true });
});

describe("membership changes in the web app's chat", () => {
  it("brings Ben in through a link in the browser and Cat from the terminal", {
    timeout: STEP * 5,
  }, async () => {
    const a = ana.page;
    await a.goto(serve.url);
    await onboard(a, "Ana Alder");
    await a.getByRole("link", { name: "New group" }).first().click();
    await a.getByLabel("Group name").fill(GROUP);
    await a.getByRole("button", { name: "Create group" }).click();
    await a.getByRole("heading", { level: 1, name: GROUP }).waitFor({ timeout: STEP });
    await a.getByLabel("Who can use it").selectOption({ label: "Anyone with the link" });
    await a.getByRole("button", { name: "Create invite link" }).click();
    link = await a.getByLabel("Invite link", { exact: true }).inputValue();

    const b = ben.page;
    await b.goto(link);
    await onboard(b, "Ben Birch");
    await b.getByRole("heading", { level: 1, name: GROUP }).waitFor({ timeout: STEP * 2 });

    catHome = fs.mkdtempSync(path.join(os.tmpdir(), "rally-cat-"));
    await rally(catHome, ["account", "create", "--name", "Cat Cedar", "--relay", serve.relay]);
    await rally(catHome, ["join", link]);
    const deadline = Date.now() + STEP * 2;
    while (Date.now() < deadline && !groupId) {
      await rally(catHome, ["sync"]);
      const groups = await rally<{ id: string; name: string }[]>(catHome, ["group", "list"]);
      groupId = groups.find((g) => g.name === GROUP)?.id ?? "";
      if (!groupId) await new Promise((r) => setTimeout(r, 2000));
    }
    expect(groupId, "Cat is in the group").not.toBe("");
    await rally(catHome, ["chat", "send", groupId, "Cat here, I have gloves for everyone"]);
    await openTab(b, "Chat");
    await messages(b).getByText("Cat here, I have gloves for everyone").waitFor({ timeout: STEP });
    await messages(b).getByText("You joined; invited by Ana Alder").waitFor({ timeout: STEP });
  });

  it("shows Ana's removal of Cat in every chat, each in its reader's words", {
    timeout: STEP * 4,
  }, async () => {
    const a = ana.page;
    await openTab(a, "Members");
    const row = a.getByRole("listitem").filter({ hasText: "Cat Cedar" });
    await row.getByRole("button", { name: "Remove" }).click({ timeout: STEP });
    await row.getByRole("button", { name: "Remove" }).click(); // the confirmation
    await openTab(a, "Chat");
    await messages(a).getByText("You removed Cat Cedar").waitFor({ timeout: STEP });

    const b = ben.page;
    const notice = messages(b).locator(".chat-notice").filter({ hasText: "Ana Alder removed Cat Cedar" });
    await notice.waitFor({ timeout: STEP * 2 });
    // A notice is a line of its own, not a message someone wrote.
    expect(
      await messages(b).getByRole("article").filter({ hasText: "Ana Alder removed Cat Cedar" }).count(),
    ).toBe(0);
    expect(await notice.evaluate((el) => getComputedStyle(el).textAlign)).toBe("center");
    // In the order things happened: Cat's message, then her removal.
    const lines = await messages(b).locator(".chat-notice, article").allTextContents();
    const said = lines.findIndex((t) => t.includes("Cat here, I have gloves"));
    const removed = lines.findIndex((t) => t.includes("Ana Alder removed Cat Cedar"));
    expect(said).toBeGreaterThanOrEqual(0);
    expect(removed).toBeGreaterThan(said);
  });

  it("shows Cat, in her terminal, that she was removed and by whom", { timeout: STEP * 3 }, async () => {
    const cat = await catList((texts) => texts.includes("You were removed by Ana Alder"));
    expect(cat.filter((e) => e.type === "notice").map((e) => e.text)).toContain(
      "You were removed by Ana Alder",
    );
  });

  it("threw no errors in either page", () => {
    expect(ana.errors).toEqual([]);
    expect(ben.errors).toEqual([]);
  });
});
