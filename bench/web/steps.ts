/**
 * Steps the web benchmarks share: what a person does in the app (make a group and its invite
 * link, finish onboarding, send a message), the in-page clock the figures are read from, and how
 * the figures are summed up. Every timing is read in the page (`performance`), so Playwright's
 * own round trips count as little as possible.
 */
import type { Page } from "playwright-core";
import { answerWordCheck, readRecoveryWords } from "../../tests/e2e/helpers/browser.ts";

export const ms = (n: number) => `${Math.round(n)} ms`;

/** The value at fraction `p` (0…1) of the sorted figures (nearest rank). */
export function percentile(xs: readonly number[], p: number): number {
  const sorted = [...xs].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.max(0, Math.ceil(p * sorted.length) - 1))] ?? Number.NaN;
}

/** Milliseconds since the Unix epoch by the page's clock (comparable between pages of one machine). */
export function pageClock(page: Page): Promise<number> {
  return page.evaluate(() => performance.timeOrigin + performance.now());
}

/** Makes a group in the open app and an invite link anyone may use; returns the link and the address of the group's page it was made on. */
export async function createGroupWithLink(page: Page, name: string): Promise<{ link: string; url: string }> {
  await page.getByRole("link", { name: "New group" }).first().click();
  await page.getByLabel("Group name").fill(name);
  await page.getByRole("button", { name: "Create group" }).click();
  await page.getByRole("heading", { level: 1, name }).waitFor({ timeout: 120_000 });
  const url = page.url();
  await page.getByLabel("Who can use it").selectOption({ label: "Anyone with the link" });
  await page.getByRole("button", { name: "Create invite link" }).click();
  const field = page.getByLabel("Invite link", { exact: true });
  await field.waitFor({ timeout: 120_000 });
  return { link: await field.inputValue(), url };
}

/**
 * Onboarding (as `onboard` in tests/e2e/helpers/browser.ts) up to its last button, which it clicks
 * from inside the page; returns the page-clock time of that click (the person is done typing).
 */
export async function onboardUntilStart(page: Page, name: string): Promise<number> {
  await page.getByLabel("What should people call you?").fill(name);
  await page.getByRole("button", { name: "Continue" }).click();
  const words = await readRecoveryWords(page);
  await page.getByRole("button", { name: "I've written them down" }).click();
  await answerWordCheck(page, words);
  return clickAt(page, "Start using Rally");
}

/** Clicks a button from inside the page; returns the page-clock time just before the click. */
export async function clickAt(page: Page, button: string): Promise<number> {
  return page.getByRole("button", { name: button, exact: true }).evaluate((el) => {
    const at = performance.timeOrigin + performance.now();
    (el as HTMLElement).click();
    return at;
  });
}

export async function openChat(page: Page): Promise<void> {
  await page.getByRole("navigation", { name: "Group sections" }).getByRole("link", { name: "Chat" }).click();
  // The conversation is loaded: its messages, or the note of an empty one.
  await page.locator(".chat [role=log], .chat .chat-empty").first().waitFor({ timeout: 120_000 });
}

/** Types a chat message and sends it; returns the page-clock time of the click on Send. */
export async function sendMessage(page: Page, text: string): Promise<number> {
  await page.getByLabel("Message", { exact: true }).fill(text);
  return clickAt(page, "Send");
}

/** Page-clock time at which the chat log first shows `text` (checked every animation frame). */
export async function whenLogShows(page: Page, text: string, timeoutMs: number): Promise<number> {
  const handle = await page.waitForFunction(
    (t) =>
      document.querySelector("[role=log]")?.textContent?.includes(t)
        ? performance.timeOrigin + performance.now()
        : false,
    text,
    { timeout: timeoutMs, polling: "raf" },
  );
  return (await handle.jsonValue()) as number;
}

/**
 * Page-clock time at which the page first shows the group `name` open on its chat, ready to write
 * in: its heading, the conversation loaded (messages or the empty note) and the message field.
 */
export async function whenInGroupChat(page: Page, name: string, timeoutMs: number): Promise<number> {
  const handle = await page.waitForFunction(
    (n) =>
      document.querySelector("h1")?.textContent?.includes(n) &&
      document.querySelector(".chat [role=log], .chat .chat-empty") &&
      !document.querySelector(".chat-loading") &&
      document.querySelector("#composer-input")
        ? performance.timeOrigin + performance.now()
        : false,
    name,
    { timeout: timeoutMs, polling: "raf" },
  );
  return (await handle.jsonValue()) as number;
}

/**
 * Watches the chat log from inside the page with a MutationObserver, so the moment a message
 * shows is recorded when the page changes rather than at the next poll. `expectText` before the
 * message is sent; `seenAt` returns the page-clock time it first showed.
 */
export async function watchLog(page: Page): Promise<void> {
  await page.evaluate(() => {
    const w = window as unknown as { __want: Set<string>; __seen: Record<string, number> };
    w.__want = new Set();
    w.__seen = {};
    // No named functions in here: the page has no `__name`, which the bundler adds to them.
    new MutationObserver(() => {
      if (w.__want.size === 0) return;
      const text = document.querySelector("[role=log]")?.textContent ?? "";
      for (const t of w.__want) {
        if (!text.includes(t)) continue;
        w.__seen[t] = performance.timeOrigin + performance.now();
        w.__want.delete(t);
      }
    }).observe(document.body, { childList: true, subtree: true, characterData: true });
  });
}

export async function expectText(page: Page, text: string): Promise<void> {
  await page.evaluate((t) => {
    (window as unknown as { __want: Set<string> }).__want.add(t);
  }, text);
}

export async function seenAt(page: Page, text: string, timeoutMs: number): Promise<number> {
  const handle = await page.waitForFunction(
    (t) => (window as unknown as { __seen: Record<string, number> }).__seen[t] ?? false,
    text,
    { timeout: timeoutMs, polling: 50 },
  );
  return (await handle.jsonValue()) as number;
}
