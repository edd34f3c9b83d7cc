// The account side of Rally in the browser, against a real `rally serve`: the app opening offline
// once loaded (service worker), a passphrase that locks the account on the device, restoring an
// account from its twelve words, an invite link that needs approval, and removal from a group.
import type { Browser, Page } from "playwright-core";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { launchChromium, onboard, person } from "./helpers/browser.ts";
import { type ServeHandle, startServe } from "./helpers/serve.ts";

const STEP = 90_000;
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

async function accountId(page: Page): Promise<string> {
  await page.getByRole("link", { name: "Settings" }).click();
  await page.getByText("Advanced").click();
  return (
    (await page
      .locator("code")
      .filter({ hasText: /^npub1/ })
      .first()
      .textContent()) ?? ""
  ).trim();
}

describe("accounts and membership in the browser", () => {
  it("opens offline once it has been loaded", { timeout: STEP }, async () => {
    const { context, page, errors } = await person(browser);
    await page.goto(serve.url);
    await onboard(page, "Olga");
    await page.getByRole("heading", { name: "Groups" }).waitFor();
    // The service worker has installed and precached the app.
    expect(await page.evaluate(async () => (await navigator.serviceWorker.ready).active?.state)).toBe(
      "activated",
    );
    await context.setOffline(true);
    await page.reload();
    await page.getByRole("heading", { name: "Groups" }).waitFor({ timeout: STEP });
    await page.getByRole("banner").getByRole("status").filter({ hasText: "Offline" }).waitFor();
    await context.setOffline(false);
    expect(errors).toEqual([]);
    await context.close();
  });

  it("locks the account with a passphrase and restores it from the twelve words", {
    timeout: STEP * 2,
  }, async () => {
    const first = await person(browser);
    const page = first.page;
    await page.goto(serve.url);
    const words = await onboard(page, "Dora");
    const id = await accountId(page);
    expect(id).toMatch(/^npub1/);

    await page.getByRole("button", { name: "Set a passphrase" }).click();
    await page.getByLabel("Passphrase", { exact: true }).fill("correct horse battery");
    await page.getByLabel("Type it again").fill("correct horse battery");
    await page.getByRole("button", { name: "Save passphrase" }).click();
    await page.getByText("Passphrase saved.").waitFor({ timeout: STEP });

    await page.reload();
    await page.getByRole("heading", { name: "Rally is locked" }).waitFor({ timeout: STEP });
    await page.getByLabel("Passphrase").fill("wrong horse");
    await page.getByRole("button", { name: "Unlock" }).click();
    await page.getByRole("alert").waitFor({ timeout: STEP });
    await page.getByLabel("Passphrase").fill("correct horse battery");
    await page.getByRole("button", { name: "Unlock" }).click();
    await page.getByRole("heading", { name: "Groups" }).waitFor({ timeout: STEP });
    await first.context.close();

    // A new device: the same account from the words alone.
    const second = await person(browser);
    await second.page.goto(serve.url);
    await second.page.getByRole("button", { name: "I already have an account" }).click();
    await second.page.getByLabel("Your twelve recovery words").fill(words.join(" "));
    await second.page.getByRole("button", { name: "Restore my account" }).click();
    await second.page.getByRole("heading", { name: "Groups" }).waitFor({ timeout: STEP });
    expect(await accountId(second.page)).toBe(id);
    expect(second.errors).toEqual([]);
    await second.context.close();
  });

  it("refuses recovery words that are not twelve, in plain words", { timeout: STEP }, async () => {
    const { context, page } = await person(browser);
    await page.goto(serve.url);
    await page.getByRole("button", { name: "I already have an account" }).click();
    await page.getByLabel("Your twelve recovery words").fill("just three words");
    await page.getByRole("button", { name: "Restore my account" }).click();
    await page.getByRole("alert").getByText("That is 3 words; your recovery words are twelve.").waitFor();
    await page.getByLabel("Your twelve recovery words").fill(Array(12).fill("zzzz").join(" "));
    await page.getByRole("button", { name: "Restore my account" }).click();
    await page.getByRole("alert").waitFor({ timeout: STEP });
    await expect(page.getByRole("heading", { name: "Groups" }).count()).resolves.toBe(0);
    await context.close();
  });

  it("lets an admin approve someone who used a link, then remove them", { timeout: STEP * 3 }, async () => {
    const admin = await person(browser);
    const a = admin.page;
    await a.goto(serve.url);
    await onboard(a, "Ana");
    await a.getByRole("link", { name: "New group" }).first().click();
    await a.getByLabel("Group name").fill("Night Shift");
    await a.getByRole("button", { name: "Create group" }).click();
    await a.getByRole("heading", { level: 1, name: "Night Shift" }).waitFor({ timeout: STEP });
    await a.getByLabel("I approve each person before they join").check();
    await a.getByRole("button", { name: "Create invite link" }).click();
    const link = await a.getByLabel("Invite link", { exact: true }).inputValue();

    const joiner = await person(browser);
    const j = joiner.page;
    await j.goto(link);
    await onboard(j, "Jo");
    await j.getByText("Waiting for the group to let you in").waitFor({ timeout: STEP });

    await a.getByRole("button", { name: "Let Jo in" }).click({ timeout: STEP });
    await j.getByRole("heading", { level: 1, name: "Night Shift" }).waitFor({ timeout: STEP * 2 });
    await a.getByRole("list").getByText("Jo", { exact: true }).waitFor({ timeout: STEP });

    const row = a.getByRole("listitem").filter({ hasText: "Jo" });
    await row.getByRole("button", { name: "Remove" }).click();
    await row.getByRole("button", { name: "Remove" }).click(); // the confirmation
    await j.getByText("You were removed from this group.").waitFor({ timeout: STEP * 2 });
    await expect(j.getByLabel("Message", { exact: true }).count()).resolves.toBe(0);
    expect(admin.errors).toEqual([]);
    expect(joiner.errors).toEqual([]);
  });
});
