// Linking a second device of the same person in the browser, against a real `rally serve`: Dana
// (an account, a group, a message) makes a device link in Settings; a second browser context pastes
// it in onboarding, names itself, and ends with her group and the earlier message; both list both
// devices; the first device revokes the second. A device link opened in the address bar leaves it
// at once and fills in the link step.
import type { Browser, Page } from "playwright-core";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { launchChromium, onboard, person } from "./helpers/browser.ts";
import { type ServeHandle, startServe } from "./helpers/serve.ts";

const GROUP = "Allotment Crew";
const STEP = 90_000; // MLS and relay round trips in a busy browser: generous, never asserted on.

let serve: ServeHandle;
let browser: Browser;

beforeAll(async () => {
  serve = await startServe();
  browser = await launchChromium();
});

afterAll(async () => {
  await browser?.close();
  await serve?.stop();
});

function deviceList(page: Page) {
  return page.getByRole("list", { name: "Your devices" });
}

async function openSettings(page: Page): Promise<void> {
  await page.getByRole("link", { name: "Settings" }).click();
  await page.getByRole("heading", { name: "Your devices" }).waitFor();
}

describe("linking a device in the browser", () => {
  it("links a second browser through Settings and onboarding, then revokes it", {
    timeout: STEP * 4,
  }, async () => {
    const first = await person(browser);
    const a = first.page;
    await a.goto(serve.url);
    await onboard(a, "Dana");
    await a.getByRole("link", { name: "New group" }).first().click();
    await a.getByLabel("Group name").fill(GROUP);
    await a.getByRole("button", { name: "Create group" }).click();
    await a.getByRole("heading", { level: 1, name: GROUP }).waitFor({ timeout: STEP });
    await a.getByRole("navigation", { name: "Group sections" }).getByRole("link", { name: "Chat" }).click();
    await a.getByLabel("Message", { exact: true }).fill("Seedlings arrive Saturday");
    await a.getByRole("button", { name: "Send" }).click();
    await a
      .getByRole("log", { name: `Messages in ${GROUP}` })
      .getByText("Seedlings arrive Saturday")
      .waitFor({ timeout: STEP });

    await openSettings(a);
    await deviceList(a).getByText("(this device)").waitFor({ timeout: STEP });
    await a.getByLabel("Name of this device").fill("Desktop");
    await a.getByRole("button", { name: "Save device name" }).click();
    await deviceList(a).getByText("Desktop", { exact: true }).waitFor({ timeout: STEP });
    await a.getByRole("button", { name: "Link a new device" }).click();
    const field = a.getByLabel("Device link", { exact: true });
    await field.waitFor({ timeout: STEP });
    const link = await field.inputValue();
    expect(link).toMatch(/^http:\/\/127\.0\.0\.1:\d+\/#device=./);
    await a.getByRole("img", { name: "QR code of the link for your new device" }).waitFor({ timeout: STEP });
    await a.getByText("Waiting for the new device…").waitFor();

    const second = await person(browser);
    const b = second.page;
    await b.goto(serve.url);
    await b.getByRole("button", { name: "I already use Rally on another device" }).click();
    await b.getByLabel("Link from your other device").fill(link);
    await b.getByLabel("Name for this device").fill("Laptop");
    await b.getByRole("button", { name: "Link this device" }).click();
    await b.getByRole("heading", { name: "Linking this device" }).waitFor({ timeout: STEP });

    // Both devices sync often while the link is in progress; the new one opens on its own.
    await a
      .getByText(/^Linked: added to 1 group, history sent in \d+ parts?\.$/)
      .waitFor({ timeout: STEP * 2 });
    await b.getByRole("heading", { name: "Groups" }).waitFor({ timeout: STEP * 2 });
    await b
      .getByRole("complementary", { name: "Your groups" })
      .getByRole("link", { name: new RegExp(GROUP) })
      .click();
    await b
      .getByRole("log", { name: `Messages in ${GROUP}` })
      .getByText("Seedlings arrive Saturday")
      .waitFor({ timeout: STEP });

    await deviceList(a).getByText("Laptop", { exact: true }).waitFor({ timeout: STEP });
    await openSettings(b);
    await deviceList(b).getByText("Desktop", { exact: true }).waitFor({ timeout: STEP });
    const own = deviceList(b).getByRole("listitem").filter({ hasText: "(this device)" });
    await own.getByText("Laptop", { exact: true }).waitFor();

    // Revoke the laptop from the desktop, behind the confirmation.
    const row = deviceList(a).getByRole("listitem").filter({ hasText: "Laptop" });
    await row.getByRole("button", { name: "Remove" }).click();
    await row.getByText("It will be removed from every group and read nothing sent afterwards.").waitFor();
    await row.getByRole("button", { name: "Remove device" }).click();
    await a.getByText("Laptop was removed from 1 group.").waitFor({ timeout: STEP });
    await expect
      .poll(async () => deviceList(a).getByText("Laptop", { exact: true }).count(), { timeout: STEP })
      .toBe(0);

    expect(first.errors).toEqual([]);
    expect(second.errors).toEqual([]);
    await second.context.close();
    await first.context.close();
  });

  it("takes a device link out of the address bar and fills in the link step", { timeout: STEP }, async () => {
    const { context, page } = await person(browser);
    const payload = "eyJ2IjoxfQ";
    await page.goto(`${serve.url}/#device=${payload}`);
    await page.getByRole("heading", { name: "Link this device" }).waitFor({ timeout: STEP });
    expect(page.url()).not.toContain("#device=");
    expect(await page.getByLabel("Link from your other device").inputValue()).toBe(
      `${serve.url}/#device=${payload}`,
    );
    // A link that is not a whole device link gets a plain answer, and no account is made.
    await page.getByLabel("Name for this device").fill("Tablet");
    await page.getByRole("button", { name: "Link this device" }).click();
    await page.getByRole("alert").waitFor({ timeout: STEP });
    await expect(page.getByRole("heading", { name: "Linking this device" }).count()).resolves.toBe(0);
    await context.close();
  });
});
