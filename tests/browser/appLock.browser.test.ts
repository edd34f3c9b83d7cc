// The web app locks, unlocks, locks itself when left alone, erases, and keeps an invite link out of
// the page's own storage, in real Chromium against a real `rally serve`: a passphrase set in
// Settings, the lock button (every tab of the profile locks), wrong then right passphrases, auto-lock
// after the shortest idle choice (the page's clock is moved on, never measured), erasing from
// Settings, the duress passphrase at the lock screen, and an invite link opened before an account
// exists and while the device is locked.
import fs from "node:fs";
import path from "node:path";
import type { Browser, BrowserContext, Page } from "playwright-core";
import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest";
import { launchChromium, onboard, person } from "../e2e/helpers/browser.ts";
import { repoRoot, type ServeHandle, startServe } from "../e2e/helpers/serve.ts";

const STEP = 90_000; // scrypt, MLS and relay round trips in a busy browser: generous, never asserted on.
const PASSPHRASE = "seven lanterns by the river";
const DURESS = "sunny afternoon tea";
const NOT_PROTECTED =
  "This device is not protected: anyone who opens this browser profile or copies its files can read your messages.";

let serve: ServeHandle;
let browser: Browser;
const people: { context: BrowserContext; page: Page; errors: string[] }[] = [];

async function newPerson(): Promise<{ context: BrowserContext; page: Page; errors: string[] }> {
  const p = await person(browser);
  people.push(p);
  return p;
}

async function openSettings(page: Page): Promise<void> {
  await page.getByRole("navigation", { name: "Places" }).getByRole("link", { name: "Settings" }).click();
  await page.getByRole("heading", { level: 1, name: "Settings" }).waitFor({ timeout: STEP });
}

async function setPassphrase(page: Page): Promise<void> {
  await openSettings(page);
  await page.getByText(NOT_PROTECTED).waitFor();
  await page.getByRole("button", { name: "Set a passphrase" }).click();
  await page.getByLabel("Passphrase", { exact: true }).fill(PASSPHRASE);
  await page.getByLabel("Type it again").fill(PASSPHRASE);
  await page.getByRole("button", { name: "Save passphrase" }).click();
  await page.getByText("Passphrase saved.").waitFor({ timeout: STEP });
  await page.getByText("This device is protected by your passphrase.").waitFor({ timeout: STEP });
}

async function lockedScreen(page: Page): Promise<void> {
  await page.getByRole("heading", { level: 1, name: "Rally is locked" }).waitFor({ timeout: STEP });
}

async function unlock(page: Page, passphrase: string): Promise<void> {
  await page.getByLabel("Passphrase", { exact: true }).fill(passphrase);
  await page.getByRole("button", { name: "Unlock", exact: true }).click();
}

/** Every key and value in localStorage and sessionStorage, and every URL in the Cache API. */
async function pageStorage(page: Page): Promise<string> {
  return page.evaluate(async () => {
    const out: string[] = [];
    for (const storage of [localStorage, sessionStorage]) {
      for (let i = 0; i < storage.length; i++) {
        const key = storage.key(i) ?? "";
        out.push(`${key}=${storage.getItem(key)}`);
      }
    }
    if ("caches" in self) {
      for (const name of await caches.keys()) {
        for (const request of await (await caches.open(name)).keys()) out.push(request.url);
      }
    }
    return out.join("\n");
  });
}

beforeAll(async () => {
  serve = await startServe();
  browser = await launchChromium();
}, 300_000);

afterEach(async (context) => {
  if (context.task.result?.state !== "fail") return;
  const dir = path.join(repoRoot, "test-results", "browser");
  fs.mkdirSync(dir, { recursive: true });
  const slug = context.task.name.replace(/[^a-z0-9]+/gi, "-").slice(0, 60);
  for (const [i, p] of people.entries()) {
    for (const [j, page] of p.context.pages().entries()) {
      await page.screenshot({ path: path.join(dir, `${slug}-${i}-${j}.png`) }).catch(() => {});
    }
  }
});

afterAll(async () => {
  await browser?.close();
  await serve?.stop();
});

describe("locking the web app", () => {
  it("locks with the button in every tab, says how many wrong passphrases, and unlocks with the right one", {
    timeout: STEP * 4,
  }, async () => {
    const { context, page, errors } = await newPerson();
    await page.goto(serve.url);
    await onboard(page, "Mirabel");
    await page.getByRole("heading", { name: "Groups" }).waitFor({ timeout: STEP });
    await setPassphrase(page);
    // A passphrase set: the device locks itself after 15 minutes unless told otherwise.
    await expect(page.getByLabel("Lock when no one has used Rally").inputValue()).resolves.toBe("15");

    const other = await context.newPage();
    await other.goto(serve.url);
    // A tab opened on a device with a passphrase starts locked: its engine has no key yet.
    await lockedScreen(other);
    await unlock(other, PASSPHRASE);
    await other.getByRole("heading", { name: "Groups" }).waitFor({ timeout: STEP });

    await page.getByRole("banner").getByRole("button", { name: "Lock Rally now" }).click();
    await lockedScreen(page);
    await lockedScreen(other);
    // Nothing of the account is on the lock screen, not even the name.
    // biome-ignore lint/performance/useDomNodeTextContent: innerText is what is rendered on screen.
    expect(await page.locator("body").innerText()).not.toContain("Mirabel");

    await unlock(page, "not my passphrase");
    await page
      .getByRole("alert")
      .getByText(/That is not the passphrase \(1 wrong try since the last unlock\)/)
      .waitFor({ timeout: STEP });
    await unlock(page, "still not it");
    await page
      .getByRole("alert")
      .getByText(/That is not the passphrase \(2 wrong tries since the last unlock\)/)
      .waitFor({ timeout: STEP });
    await unlock(page, PASSPHRASE);
    await page.getByRole("heading", { name: "Groups" }).waitFor({ timeout: STEP });
    await unlock(other, PASSPHRASE);
    await other.getByRole("heading", { name: "Groups" }).waitFor({ timeout: STEP });

    // Settings' "Lock now" locks too.
    await openSettings(page);
    await page.getByRole("button", { name: "Lock now" }).click();
    await lockedScreen(page);
    await lockedScreen(other);
    await unlock(page, PASSPHRASE);
    await page.getByRole("heading", { name: "Groups" }).waitFor({ timeout: STEP });
    expect(errors).toEqual([]);
  });

  it("locks itself after the chosen idle time", { timeout: STEP * 3 }, async () => {
    const { context, page, errors } = await newPerson();
    await page.goto(serve.url);
    await onboard(page, "Ilse");
    await page.getByRole("heading", { name: "Groups" }).waitFor({ timeout: STEP });
    await setPassphrase(page);
    await page.getByLabel("Lock when no one has used Rally").selectOption({ label: "After 1 minute" });
    await expect
      .poll(() => page.getByLabel("Lock when no one has used Rally").inputValue(), { timeout: STEP })
      .toBe("1");

    // The page's clock is Playwright's from here, so a minute passes when the test says so.
    await context.clock.install();
    await page.reload();
    await lockedScreen(page); // a reload of a device with a passphrase opens locked
    await unlock(page, PASSPHRASE);
    await page.getByRole("heading", { name: "Groups" }).waitFor({ timeout: STEP });
    // Two minutes pass with nobody at the page (again, should the idle timer start only after the
    // first jump): the lock screen comes.
    const lockHeading = page.getByRole("heading", { level: 1, name: "Rally is locked" });
    await expect
      .poll(
        async () => {
          await page.clock.fastForward("02:00");
          return lockHeading.count();
        },
        { timeout: STEP, interval: 1_000 },
      )
      .toBe(1);
    expect(errors).toEqual([]);
  });

  it("erases the device from Settings and starts again with a fresh welcome", {
    timeout: STEP * 3,
  }, async () => {
    const { page, errors } = await newPerson();
    await page.goto(serve.url);
    await onboard(page, "Edda");
    await page.getByRole("heading", { name: "Groups" }).waitFor({ timeout: STEP });
    await openSettings(page);
    const erase = page.getByRole("region", { name: "Erase this device" });
    await erase
      .getByText(/Everything Rally keeps here is destroyed: messages, groups, names and keys/)
      .waitFor();
    await erase.getByText(/twelve recovery words/).waitFor();
    await erase.getByText(/Your groups come back when someone in each one invites you again/).waitFor();
    await erase.getByRole("button", { name: "Erase this device" }).click();
    await erase.getByRole("button", { name: "Yes, erase everything" }).click();
    await page.getByRole("heading", { level: 1, name: "Welcome to Rally" }).waitFor({ timeout: STEP });
    expect(await pageStorage(page)).not.toMatch(/rally\.(hasAccount|wordsChecked|setup)/);
    // A reload still finds a new device.
    await page.reload();
    await page.getByRole("heading", { level: 1, name: "Welcome to Rally" }).waitFor({ timeout: STEP });
    expect(errors).toEqual([]);
  });

  it("a forgotten passphrase: the lock screen explains erase-and-restore and erases after asking", {
    timeout: STEP * 3,
  }, async () => {
    const { context, page, errors } = await newPerson();
    await page.goto(serve.url);
    await onboard(page, "Fenna");
    await page.getByRole("heading", { name: "Groups" }).waitFor({ timeout: STEP });
    await setPassphrase(page);
    // A second tab of the same profile is open too; erasing goes through all the same.
    const other = await context.newPage();
    await other.goto(serve.url);
    await lockedScreen(other);
    await page.reload();
    await lockedScreen(page);
    await page
      .getByRole("button", { name: "Forgot it? Restore from your recovery words on a fresh device" })
      .click();
    const forgot = page.getByRole("region", { name: "Forgot your passphrase" });
    await forgot.getByText(/Everything Rally keeps here is destroyed/).waitFor();
    await forgot.getByText(/I already have an account/).waitFor();
    await forgot.getByRole("button", { name: "Erase this device" }).click();
    await forgot.getByRole("button", { name: "Yes, erase everything" }).click();
    await page.getByRole("heading", { level: 1, name: "Welcome to Rally" }).waitFor({ timeout: STEP });
    await other.reload();
    await other.getByRole("heading", { level: 1, name: "Welcome to Rally" }).waitFor({ timeout: STEP });
    expect(errors).toEqual([]);
  });

  it("the duress passphrase at the lock screen erases silently and shows a fresh Rally", {
    timeout: STEP * 3,
  }, async () => {
    const { page, errors } = await newPerson();
    await page.goto(serve.url);
    await onboard(page, "Dunya");
    await page.getByRole("heading", { name: "Groups" }).waitFor({ timeout: STEP });
    await setPassphrase(page);
    const duress = page.getByRole("region", { name: "Duress passphrase" });
    await duress.getByText(/silently erases this device and shows a fresh, empty Rally/).waitFor();
    await duress.getByRole("button", { name: "Set a duress passphrase" }).click();
    await duress.getByLabel("Duress passphrase", { exact: true }).fill(DURESS);
    await duress.getByLabel("Type the duress passphrase again").fill(DURESS);
    await duress.getByRole("button", { name: "Save duress passphrase" }).click();
    await duress.getByText("A duress passphrase is set on this device.").waitFor({ timeout: STEP });

    await page.getByRole("banner").getByRole("button", { name: "Lock Rally now" }).click();
    await lockedScreen(page);
    await unlock(page, DURESS);
    await page.getByRole("heading", { level: 1, name: "Welcome to Rally" }).waitFor({ timeout: STEP });
    // The real passphrase finds nothing to open afterwards: the device is new.
    await page.reload();
    await page.getByRole("heading", { level: 1, name: "Welcome to Rally" }).waitFor({ timeout: STEP });
    expect(errors).toEqual([]);
  });
});

describe("an invite link waiting for an answer", () => {
  let link = "";

  it("an admin makes a link", { timeout: STEP * 2 }, async () => {
    const { page } = await newPerson();
    await page.goto(serve.url);
    await onboard(page, "Ana");
    await page.getByRole("link", { name: "New group" }).first().click();
    await page.getByLabel("Group name").fill("Harbour Watch");
    await page.getByRole("button", { name: "Create group" }).click();
    await page.getByRole("heading", { level: 1, name: "Harbour Watch" }).waitFor({ timeout: STEP });
    await page.getByRole("button", { name: "Create invite link" }).click();
    link = await page.getByLabel("Invite link", { exact: true }).inputValue();
    expect(link).toContain("#join=");
  });

  it("opened before there is an account, it is followed after onboarding and never stored by the page", {
    timeout: STEP * 2,
  }, async () => {
    const { page, errors } = await newPerson();
    const secret = link.slice(link.indexOf("#join=") + "#join=".length);
    await page.goto(link);
    await page.getByRole("heading", { level: 1, name: "Welcome to Rally" }).waitFor({ timeout: STEP });
    await page.getByText("Someone invited you to a group.").waitFor({ timeout: STEP });
    expect(page.url()).not.toContain(secret);
    expect(await pageStorage(page)).not.toContain(secret);
    await onboard(page, "Jonah");
    await page.getByRole("heading", { level: 1, name: /Joining/ }).waitFor({ timeout: STEP });
    expect(await pageStorage(page)).not.toContain(secret);
    expect(errors).toEqual([]);
  });

  it("opened while the device is locked, it waits in memory and is followed after the unlock", {
    timeout: STEP * 3,
  }, async () => {
    const { page, errors } = await newPerson();
    const secret = link.slice(link.indexOf("#join=") + "#join=".length);
    await page.goto(serve.url);
    await onboard(page, "Lior");
    await page.getByRole("heading", { name: "Groups" }).waitFor({ timeout: STEP });
    await setPassphrase(page);
    await page.reload();
    await lockedScreen(page);
    await page.goto(link);
    await lockedScreen(page);
    expect(page.url()).not.toContain(secret);
    expect(await pageStorage(page)).not.toContain(secret);
    await unlock(page, PASSPHRASE);
    await page.getByRole("heading", { level: 1, name: /Joining/ }).waitFor({ timeout: STEP });
    expect(await pageStorage(page)).not.toContain(secret);
    expect(errors).toEqual([]);
  });
});
