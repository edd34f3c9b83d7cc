// Linking a second device of the same person in the browser, against a real `rally serve`: Dana
// (an account, a group, a message) makes a device link in Settings; a second browser context pastes
// it in onboarding, names itself, and shows a code; Dana links it on the first device by that same
// code, and it ends with her group and the earlier message; both list both devices; the first device
// revokes the second. When a stranger who saw the link opens it too, the first device lists both
// requests with their codes, the person links the one their own new device shows, and the stranger
// never gets the account; "Not mine" closes a link answering nobody. A device link opened in the
// address bar leaves it at once and fills in the link step.
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

/** Settings → Your devices → Link a new device on the existing device; returns the link. */
async function makeLink(page: Page): Promise<string> {
  await openSettings(page);
  await page.getByRole("button", { name: "Link a new device" }).click();
  const field = page.getByLabel("Device link", { exact: true });
  await field.waitFor({ timeout: STEP });
  const link = await field.inputValue();
  expect(link).toMatch(/^http:\/\/127\.0\.0\.1:\d+\/#device=./);
  return link;
}

/** Onboarding on a device without an account: pastes the link and names the device. */
async function openLink(page: Page, link: string, name: string): Promise<void> {
  await page.goto(serve.url);
  await page.getByRole("button", { name: "I already use Rally on another device" }).click();
  await page.getByLabel("Link from your other device").fill(link);
  await page.getByLabel("Name for this device").fill(name);
  await page.getByRole("button", { name: "Link this device" }).click();
  await page.getByRole("heading", { name: "Linking this device" }).waitFor({ timeout: STEP });
}

/** The code a device being linked shows ("482 915"), read from its sentence. */
async function codeOn(page: Page): Promise<string> {
  const box = page.getByRole("region", { name: "Code for this device" });
  await box.waitFor({ timeout: STEP });
  const text = (await box.textContent()) ?? "";
  const code =
    /Your other device will show the code (\d{3} \d{3})\. Link this device there only if it shows that same code\./.exec(
      text,
    )?.[1];
  if (!code) throw new Error(`no code in "${text}"`);
  return code;
}

function asks(page: Page) {
  return page.getByRole("list", { name: "Devices asking to be linked" });
}

/** The request with this code, as the existing device lists it. */
function askWithCode(page: Page, code: string) {
  return asks(page).getByRole("listitem").filter({ hasText: code });
}

/**
 * Counts the relay subscriptions a page opens: a device waiting to be linked opens one each sync
 * round for what came to its key (two when the relay first asks it to authenticate).
 */
function countRequests(page: Page): () => number {
  let sent = 0;
  page.on("websocket", (ws) => {
    ws.on("framesent", (frame) => {
      if (typeof frame.payload === "string" && frame.payload.startsWith('["REQ"')) sent++;
    });
  });
  return () => sent;
}

/** Onboards a person with one group, on its own page. */
async function personWithGroup(page: Page, name: string, group: string): Promise<void> {
  await page.goto(serve.url);
  await onboard(page, name);
  await page.getByRole("link", { name: "New group" }).first().click();
  await page.getByLabel("Group name").fill(group);
  await page.getByRole("button", { name: "Create group" }).click();
  await page.getByRole("heading", { level: 1, name: group }).waitFor({ timeout: STEP });
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
    const link = await makeLink(a);
    await a.getByRole("img", { name: "QR code of the link for your new device" }).waitFor({ timeout: STEP });
    await a.getByText("Waiting for the new device…").waitFor();

    const second = await person(browser);
    const b = second.page;
    await openLink(b, link, "Laptop");
    const code = await codeOn(b);
    await b.getByText("Waiting for your other device… (it must be open and online)").waitFor();

    // The first device lists the request with the same code, and links nobody until Dana says so.
    await a.getByText("Your new device asked to be linked: check its code.").waitFor({ timeout: STEP });
    const ask = askWithCode(a, code);
    await ask.getByText("Laptop", { exact: true }).waitFor();
    expect(await asks(a).getByRole("listitem").count()).toBe(1);
    await a
      .getByText(
        "Link it only if your new device shows this same code. If it shows another, someone else has seen your link: press Not mine.",
      )
      .waitFor();
    // Once asked, the link and its QR code are gone: nobody else should open it now.
    expect(await a.getByLabel("Device link", { exact: true }).count()).toBe(0);
    await ask.getByRole("button", { name: "Link Laptop" }).click();

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

  it("links only the device whose code the person confirms when a stranger opened the link too", {
    timeout: STEP * 5,
  }, async () => {
    const group = "Orchard Rota";
    const first = await person(browser);
    const a = first.page;
    await personWithGroup(a, "Femi", group);
    const link = await makeLink(a);

    // Someone who saw the QR code opens the link first (the first to open a link used to get the
    // account), and even gives the same device name as the person's own new device.
    const third = await person(browser);
    const c = third.page;
    const strangerRequests = countRequests(c);
    await openLink(c, link, "Phone");
    const theirs = await codeOn(c);
    await askWithCode(a, theirs).waitFor({ timeout: STEP });

    const second = await person(browser);
    const b = second.page;
    await openLink(b, link, "Phone");
    const own = await codeOn(b);
    expect(own).not.toBe(theirs);

    await askWithCode(a, own).waitFor({ timeout: STEP });
    expect(await asks(a).getByRole("listitem").count()).toBe(2);
    await a
      .getByText(/^2 devices asked to be linked, so someone else may have your link\./)
      .waitFor({ timeout: STEP });
    // Only the code tells the two apart.
    await askWithCode(a, theirs).getByText("Phone", { exact: true }).waitFor();
    await askWithCode(a, own).getByRole("button", { name: "Link Phone" }).click();

    await a
      .getByText(/^Linked: added to 1 group, history sent in \d+ parts?\.$/)
      .waitFor({ timeout: STEP * 2 });
    await b.getByRole("heading", { name: "Groups" }).waitFor({ timeout: STEP * 2 });
    await b
      .getByRole("complementary", { name: "Your groups" })
      .getByRole("link", { name: new RegExp(group) })
      .waitFor({ timeout: STEP });

    // The stranger kept syncing all along; a few more rounds, and it is still never answered.
    const seen = strangerRequests();
    await expect.poll(strangerRequests, { timeout: STEP }).toBeGreaterThanOrEqual(seen + 5);
    await c.getByRole("heading", { name: "Linking this device" }).waitFor();
    expect(await codeOn(c)).toBe(theirs);
    await c.getByText("Waiting for your other device… (it must be open and online)").waitFor();
    expect(await c.getByRole("heading", { name: "Groups" }).count()).toBe(0);
    await openSettings(a);
    await deviceList(a).getByRole("listitem").nth(1).waitFor({ timeout: STEP });
    expect(await deviceList(a).getByRole("listitem").count()).toBe(2);

    expect(first.errors).toEqual([]);
    expect(second.errors).toEqual([]);
    expect(third.errors).toEqual([]);
    await third.context.close();
    await second.context.close();
    await first.context.close();
  });

  it("closes a link answering nobody when the person presses Not mine", { timeout: STEP * 3 }, async () => {
    const first = await person(browser);
    const a = first.page;
    await a.goto(serve.url);
    await onboard(a, "Gil");
    const link = await makeLink(a);

    const other = await person(browser);
    const c = other.page;
    const strangerRequests = countRequests(c);
    await openLink(c, link, "Tablet");
    const code = await codeOn(c);
    await askWithCode(a, code).waitFor({ timeout: STEP });
    await a.getByRole("button", { name: "Not mine" }).click();
    await a.getByText("This link is closed: nobody was linked. Make a new one.").waitFor({ timeout: STEP });
    expect(await asks(a).count()).toBe(0);
    await a.getByRole("button", { name: "Link another device" }).waitFor();

    const seen = strangerRequests();
    await expect.poll(strangerRequests, { timeout: STEP }).toBeGreaterThanOrEqual(seen + 5);
    await c.getByRole("heading", { name: "Linking this device" }).waitFor();
    await c.getByText("Waiting for your other device… (it must be open and online)").waitFor();

    expect(first.errors).toEqual([]);
    expect(other.errors).toEqual([]);
    await other.context.close();
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
