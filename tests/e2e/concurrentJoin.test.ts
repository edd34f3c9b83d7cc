// Two people open the same "anyone with the link" invite link at the same moment, against a real
// `rally serve`: Ana (browser) makes the group and the link, Ben and Cat (browsers) open it and
// onboard at once. Once Ana sees three members she writes in the chat, and both Ben's and Cat's
// chats show her message without either of them having to write first.
import fs from "node:fs";
import path from "node:path";
import type { Browser, BrowserContext, Page } from "playwright-core";
import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest";
import { launchChromium, onboard, person } from "./helpers/browser.ts";
import { repoRoot, type ServeHandle, startServe } from "./helpers/serve.ts";

const GROUP = "Tenants Meeting";
const STEP = 90_000; // MLS and relay round trips in a busy browser: generous, never asserted on.

type Person = { context: BrowserContext; page: Page; errors: string[] };
let serve: ServeHandle;
let browser: Browser;
let ana: Person;
let ben: Person;
let cat: Person;

function messages(page: Page) {
  return page.getByRole("log", { name: `Messages in ${GROUP}` });
}

async function openTab(page: Page, tab: "Chat" | "Members"): Promise<void> {
  await page.getByRole("navigation", { name: "Group sections" }).getByRole("link", { name: tab }).click();
}

beforeAll(async () => {
  serve = await startServe();
  browser = await launchChromium();
  ana = await person(browser);
  ben = await person(browser);
  cat = await person(browser);
});

afterEach(async (context) => {
  if (context.task.result?.state !== "fail" || !ana) return;
  const dir = path.join(repoRoot, "test-results", "e2e");
  fs.mkdirSync(dir, { recursive: true });
  const slug = context.task.name.replace(/[^a-z0-9]+/gi, "-").slice(0, 60);
  for (const [who, p] of [
    ["ana", ana],
    ["ben", ben],
    ["cat", cat],
  ] as const) {
    await p?.page.screenshot({ path: path.join(dir, `concurrent-join-${slug}-${who}.png`) }).catch(() => {});
  }
});

afterAll(async () => {
  await browser?.close();
  await serve?.stop();
});

describe("two people opening one invite link at the same moment", () => {
  it("both see the admin's next message", { timeout: STEP * 8 }, async () => {
    const a = ana.page;
    await a.goto(serve.url);
    await onboard(a, "Ana Alder");
    await a.getByRole("link", { name: "New group" }).first().click();
    await a.getByLabel("Group name").fill(GROUP);
    await a.getByRole("button", { name: "Create group" }).click();
    await a.getByRole("heading", { level: 1, name: GROUP }).waitFor({ timeout: STEP });
    await a.getByLabel("Who can use it").selectOption({ label: "Anyone with the link" });
    await a.getByRole("button", { name: "Create invite link" }).click();
    const link = await a.getByLabel("Invite link", { exact: true }).inputValue();

    // Ben and Cat open the link and onboard at the same moment.
    const joiners: [Page, string][] = [
      [ben.page, "Ben Birch"],
      [cat.page, "Cat Cedar"],
    ];
    await Promise.all(
      joiners.map(async ([p, name]) => {
        await p.goto(link);
        await onboard(p, name);
      }),
    );

    // As soon as Ana's device shows both of them in the group, she writes.
    await a
      .getByText("3 members")
      .first()
      .waitFor({ timeout: STEP * 2 });
    await openTab(a, "Chat");
    await a.getByLabel("Message", { exact: true }).fill("Welcome both, the meeting is on Thursday");
    await a.getByRole("button", { name: "Send" }).click();
    await messages(a).getByText("Welcome both, the meeting is on Thursday").waitFor({ timeout: STEP });

    await Promise.all(
      [ben.page, cat.page].map(async (p) => {
        await p.getByRole("heading", { level: 1, name: GROUP }).waitFor({ timeout: STEP * 2 });
        await openTab(p, "Chat");
        await messages(p)
          .getByText("Welcome both, the meeting is on Thursday")
          .waitFor({ timeout: STEP * 2 });
      }),
    );
  });

  it("still shows it to both after a reload", { timeout: STEP * 3 }, async () => {
    await Promise.all(
      [ben.page, cat.page].map(async (p) => {
        await p.reload();
        await p.getByRole("heading", { level: 1, name: GROUP }).waitFor({ timeout: STEP });
        await openTab(p, "Chat");
        await messages(p).getByText("Welcome both, the meeting is on Thursday").waitFor({ timeout: STEP });
      }),
    );
  });

  it("threw no errors in any page", () => {
    expect(ana.errors).toEqual([]);
    expect(ben.errors).toEqual([]);
    expect(cat.errors).toEqual([]);
  });
});
