// One account open in two tabs (issue 15): both tabs' engines share one IndexedDB database and take
// turns through the Web Locks API, so two tabs sending at the same time never encrypt at the same
// sender generation. Alice sends ten messages from each of two pages at once; Carol, in a terminal,
// reads all twenty, and each tab shows the other tab's messages too.
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import type { Browser, BrowserContext, Page } from "playwright-core";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { launchChromium, onboard, person } from "./helpers/browser.ts";
import { rally } from "./helpers/cli.ts";
import { type ServeHandle, startServe } from "./helpers/serve.ts";

const GROUP = "Two Tabs Collective";
const STEP = 90_000; // MLS and relay round trips in a busy browser: generous, never asserted on.
const PER_TAB = 10;

let serve: ServeHandle;
let browser: Browser;
let alice: { context: BrowserContext; page: Page; errors: string[] };
let second: Page;
const secondErrors: string[] = [];
let inviteLink = "";
let carolHome = "";
let groupId = "";

function messages(page: Page) {
  return page.getByRole("log", { name: `Messages in ${GROUP}` });
}

async function openGroup(page: Page): Promise<void> {
  await page
    .getByRole("complementary", { name: "Your groups" })
    .getByRole("link", { name: new RegExp(GROUP) })
    .click({ timeout: STEP });
  await page.getByRole("heading", { level: 1, name: GROUP }).waitFor({ timeout: STEP });
  await page.getByRole("navigation", { name: "Group sections" }).getByRole("link", { name: "Chat" }).click();
}

async function sendAll(page: Page, label: string): Promise<string[]> {
  const sent: string[] = [];
  for (let i = 1; i <= PER_TAB; i++) {
    const text = `${label} message ${i}`;
    await page.getByLabel("Message", { exact: true }).fill(text);
    await page.getByRole("button", { name: "Send" }).click();
    // The composer takes the next message once this one is on the device.
    await messages(page).getByText(text, { exact: true }).waitFor({ timeout: STEP });
    sent.push(text);
  }
  return sent;
}

beforeAll(async () => {
  serve = await startServe();
  browser = await launchChromium();
  alice = await person(browser);
}, 300_000);

afterAll(async () => {
  await browser?.close();
  await serve?.stop();
  if (carolHome) fs.rmSync(carolHome, { recursive: true, force: true });
});

describe("one account in two tabs", () => {
  it("Alice onboards, makes a group, and Carol joins it from a terminal", { timeout: STEP * 4 }, async () => {
    const { page } = alice;
    await page.goto(serve.url);
    await onboard(page, "Alice");
    await page.getByRole("heading", { name: "Groups" }).waitFor({ timeout: STEP });
    await page.getByRole("link", { name: "New group" }).first().click();
    await page.getByLabel("Group name").fill(GROUP);
    await page.getByRole("button", { name: "Create group" }).click();
    await page.getByRole("heading", { level: 1, name: GROUP }).waitFor({ timeout: STEP });
    await page.getByLabel("Who can use it").selectOption({ label: "Anyone with the link" });
    await page.getByRole("button", { name: "Create invite link" }).click();
    const field = page.getByLabel("Invite link", { exact: true });
    await field.waitFor({ timeout: STEP });
    inviteLink = await field.inputValue();

    carolHome = fs.mkdtempSync(path.join(os.tmpdir(), "rally-tabs-carol-"));
    await rally(carolHome, ["account", "create", "--name", "Carol", "--relay", serve.relay]);
    await rally(carolHome, ["join", inviteLink]);
    const deadline = Date.now() + STEP * 2;
    while (Date.now() < deadline && !groupId) {
      await rally(carolHome, ["sync"]);
      const groups = await rally<{ id: string; name: string }[]>(carolHome, ["group", "list"]);
      groupId = groups.find((g) => g.name === GROUP)?.id ?? "";
      if (!groupId) await new Promise((r) => setTimeout(r, 2000));
    }
    expect(groupId, "Carol is in the group").not.toBe("");
  });

  it("a second tab of the same account shows the same group", { timeout: STEP }, async () => {
    second = await alice.context.newPage();
    second.on("pageerror", (e) => secondErrors.push(e.message));
    await second.goto(serve.url);
    await openGroup(second);
    await openGroup(alice.page);
  });

  it("ten messages from each tab at the same time: Carol reads all twenty", {
    timeout: STEP * 4,
  }, async () => {
    // Meanwhile, the lock names the origin's lock manager knows of (held or waited for by the tabs' workers).
    const lockNames = new Set<string>();
    let sending = true;
    const watch = (async () => {
      while (sending) {
        const names = await alice.page.evaluate(async () => {
          const q = await navigator.locks.query();
          return [...(q.held ?? []), ...(q.pending ?? [])].map((l) => l.name ?? "");
        });
        for (const n of names) lockNames.add(n);
        await new Promise((r) => setTimeout(r, 100));
      }
    })();
    const [one, two] = await Promise.all([
      sendAll(alice.page, "tab one"),
      sendAll(second, "tab two"),
    ]).finally(() => {
      sending = false;
    });
    await watch;
    expect([...lockNames]).toContain("rally-device:rally");
    const all = [...one, ...two];
    let texts: string[] = [];
    const deadline = Date.now() + STEP * 2;
    while (Date.now() < deadline) {
      await rally(carolHome, ["sync"]);
      const list = await rally<{ text: string }[]>(carolHome, ["chat", "list", groupId]);
      texts = list.map((m) => m.text);
      if (all.every((t) => texts.includes(t))) break;
      await new Promise((r) => setTimeout(r, 2000));
    }
    expect(all.filter((t) => !texts.includes(t))).toEqual([]);
    // Each tab shows what the other one sent.
    await messages(alice.page)
      .getByText(`tab two message ${PER_TAB}`, { exact: true })
      .waitFor({ timeout: STEP });
    await messages(second)
      .getByText(`tab one message ${PER_TAB}`, { exact: true })
      .waitFor({ timeout: STEP });
  });

  it("threw no errors in either tab", () => {
    expect(alice.errors).toEqual([]);
    expect(secondErrors).toEqual([]);
  });
});
