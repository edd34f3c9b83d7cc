// Fair places in the web app, against a real `rally serve` (issue 8 item 5): Ana hosts an event
// with one place; Ben and Cat join through her link. While no host device is online, Ben's "Going"
// only asks for a place, and every page says so. Ana's browser comes back, receives Ben's answer and
// confirms it: Ben's page says "You got a place." Cat answers next and waits. Every page shows the
// same Going and Waitlist.
import fs from "node:fs";
import path from "node:path";
import type { Browser, BrowserContext, Page } from "playwright-core";
import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest";
import { launchChromium, onboard, person } from "./helpers/browser.ts";
import { repoRoot, type ServeHandle, startServe } from "./helpers/serve.ts";

const GROUP = "Allotment Society";
const TITLE = "Seed library opening";
const STEP = 90_000; // MLS and relay round trips in a busy browser: generous, never asserted on.

type Someone = { context: BrowserContext; page: Page; errors: string[] };
let serve: ServeHandle;
let browser: Browser;
let ana: Someone;
let ben: Someone;
let cat: Someone;
let link = "";

async function openTab(page: Page, tab: "Chat" | "Events"): Promise<void> {
  await page.getByRole("navigation", { name: "Group sections" }).getByRole("link", { name: tab }).click();
}

async function openEvent(page: Page): Promise<void> {
  await page
    .getByRole("complementary", { name: "Your groups" })
    .getByRole("link", { name: new RegExp(GROUP) })
    .click({ timeout: STEP });
  await openTab(page, "Events");
  await page.getByRole("link", { name: new RegExp(TITLE) }).click({ timeout: STEP });
  await page.getByRole("heading", { name: TITLE }).waitFor({ timeout: STEP });
}

function messages(page: Page) {
  return page.getByRole("log", { name: `Messages in ${GROUP}` });
}

function answers(page: Page) {
  return page.getByRole("region", { name: "Answers" });
}

/**
 * The Answers section as each heading and the names under it, e.g. "Going (1): Ben Beech" (a page
 * calls its own person "You": written here as their name, so that pages compare).
 */
async function answerLists(page: Page): Promise<string[]> {
  const me = NAMES.get(page) ?? "";
  const lists = await answers(page)
    .locator(".attendee-group")
    .evaluateAll((groups) =>
      groups.map((g) => {
        const title = g.querySelector("h3")?.textContent?.trim() ?? "";
        const names = [...g.querySelectorAll("li")].map((li) => li.textContent?.trim() ?? "");
        return `${title}: ${names.join(", ")}`;
      }),
    );
  return lists.map((l) => l.replace(/\bYou\b/, me));
}

const NAMES = new Map<Page, string>();

beforeAll(async () => {
  serve = await startServe();
  browser = await launchChromium();
  ana = await person(browser);
  ben = await person(browser);
  cat = await person(browser);
  NAMES.set(ana.page, "Ana Ash").set(ben.page, "Ben Beech").set(cat.page, "Cat Cedar");
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
    await p?.page.screenshot({ path: path.join(dir, `places-${slug}-${who}.png`) }).catch(() => {});
  }
});

afterAll(async () => {
  await browser?.close();
  await serve?.stop();
});

describe("fair places in the web app", () => {
  it("Ana makes a group with an event of one place; Ben and Cat join through her link", {
    timeout: STEP * 10,
  }, async () => {
    const a = ana.page;
    await a.goto(serve.url);
    await onboard(a, "Ana Ash");
    await a.getByRole("link", { name: "New group" }).first().click();
    await a.getByLabel("Group name").fill(GROUP);
    await a.getByRole("button", { name: "Create group" }).click();
    await a.getByRole("heading", { level: 1, name: GROUP }).waitFor({ timeout: STEP });
    await a.getByLabel("Who can use it").selectOption({ label: "Anyone with the link" });
    await a.getByRole("button", { name: "Create invite link" }).click();
    link = await a.getByLabel("Invite link", { exact: true }).inputValue();

    // One at a time, each saying hello, so that everyone is in the same state of the group before
    // the event is made.
    const joined: Page[] = [a];
    for (const [p, name] of [
      [ben, "Ben Beech"],
      [cat, "Cat Cedar"],
    ] as const) {
      await p.page.goto(link);
      await onboard(p.page, name);
      await p.page.getByRole("heading", { level: 1, name: GROUP }).waitFor({ timeout: STEP * 2 });
      await p.page.getByLabel("Message", { exact: true }).fill(`Hello from ${name}`);
      await p.page.getByRole("button", { name: "Send" }).click();
      for (const other of joined) {
        await openTab(other, "Chat");
        await messages(other)
          .getByText(`Hello from ${name}`)
          .waitFor({ timeout: STEP * 2 });
      }
      joined.push(p.page);
    }

    await openTab(a, "Events");
    await a.getByRole("link", { name: "New event" }).click();
    await a.getByLabel("Title").fill(TITLE);
    await a.getByLabel("Starts").fill("2031-04-12T10:00");
    await a.getByLabel("Ends").fill("2031-04-12T12:00");
    await a.getByLabel("Places (optional)").fill("1");
    await a.getByRole("button", { name: "Create event" }).click();
    await a.getByRole("heading", { name: TITLE }).waitFor({ timeout: STEP });
    for (const p of [ben.page, cat.page]) await openEvent(p);
  });

  it("while no host device is online, Ben's Going only asks for a place, on every page", {
    timeout: STEP * 3,
  }, async () => {
    // Ana closes Rally: the only device that confirms places for this event is away.
    await ana.page.goto("about:blank");
    const b = ben.page;
    await b.getByRole("button", { name: "Going", exact: true }).click();
    await b.getByText("Asking for a place…").waitFor({ timeout: STEP });
    // Not "going": no place is taken, and Ben is listed as asking.
    await b.getByText("1 place left", { exact: true }).waitFor({ timeout: STEP });
    expect(await answerLists(b)).toEqual(["Asking for a place (1): Ben Beech"]);
    await answers(cat.page).getByText("Ben Beech").waitFor({ timeout: STEP });
    expect(await answerLists(cat.page)).toEqual(["Asking for a place (1): Ben Beech"]);
  });

  it("Ana's browser comes back and confirms Ben; Cat, answering next, waits; every page agrees", {
    timeout: STEP * 4,
  }, async () => {
    const a = ana.page;
    await a.goto(serve.url);
    await openEvent(a);
    // Ana's device received Ben's answer and confirmed it.
    await answers(a).getByRole("heading", { name: "Going (1)" }).waitFor({ timeout: STEP });
    const b = ben.page;
    await b.getByText("You got a place.").waitFor({ timeout: STEP });
    await b.getByText("Full", { exact: true }).waitFor({ timeout: STEP });

    const c = cat.page;
    await c.getByRole("button", { name: "Going", exact: true }).click();
    await c.getByText("The event is full. You are number 1 on the waitlist").waitFor({ timeout: STEP * 2 });
    const expected = ["Going (1): Ben Beech", "Waitlist (1): Cat Cedar"];
    for (const p of [a, b, c]) {
      await expect.poll(() => answerLists(p), { timeout: STEP }).toEqual(expected);
    }
    // The event list says the same in one line.
    await openTab(b, "Events");
    await b.getByText(/You got a place/).waitFor({ timeout: STEP });
  });

  it("threw no errors in any page", () => {
    expect(ana.errors).toEqual([]);
    expect(ben.errors).toEqual([]);
    expect(cat.errors).toEqual([]);
  });
});
