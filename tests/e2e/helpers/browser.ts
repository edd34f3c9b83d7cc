/**
 * Browser helpers for Rally's end-to-end tests, screenshots and benchmarks: Debian's Chromium
 * driven by playwright-core (never a downloaded browser), and the steps a person takes through
 * onboarding, written with the labels and roles people see.
 */
import fs from "node:fs";
import { type Browser, type BrowserContext, chromium, type Page } from "playwright-core";

export const CHROMIUM = "/usr/bin/chromium";
export const CHROMIUM_FLAGS = [
  "--headless",
  "--no-sandbox",
  "--disable-gpu",
  "--disable-quic",
  "--no-first-run",
  "--disable-background-networking",
  "--disable-component-update",
  "--disable-sync",
];

/** Starts Chromium with a fresh temporary profile (playwright makes one per launch). */
export async function launchChromium(): Promise<Browser> {
  if (!fs.existsSync(CHROMIUM)) {
    throw new Error(
      `Chromium is not installed at ${CHROMIUM}. Install Debian's package: sudo apt-get install -y chromium (npm test does this).`,
    );
  }
  return chromium.launch({ executablePath: CHROMIUM, args: CHROMIUM_FLAGS });
}

export const PHONE = { width: 390, height: 844 };
export const DESKTOP = { width: 1280, height: 800 };

/** A person: their own browser context (own storage, own IndexedDB), with page errors collected. */
export async function person(
  browser: Browser,
  viewport = DESKTOP,
): Promise<{ context: BrowserContext; page: Page; errors: string[] }> {
  const context = await browser.newContext({ viewport, locale: "en-GB", timezoneId: "Europe/London" });
  const page = await context.newPage();
  const errors: string[] = [];
  page.on("pageerror", (e) => errors.push(e.message));
  page.on("dialog", (d) => {
    errors.push(`unexpected dialog: ${d.message()}`);
    void d.dismiss();
  });
  return { context, page, errors };
}

/** The twelve recovery words as the words step shows them. */
export async function readRecoveryWords(page: Page): Promise<string[]> {
  const list = page.getByRole("list", { name: "Your recovery words" });
  await list.locator(".word").nth(11).waitFor({ timeout: 60_000 });
  const words = (await list.locator(".word").allTextContents()).map((w) => w.trim());
  if (words.length !== 12) throw new Error(`expected 12 recovery words, saw ${words.length}`);
  return words;
}

/** Answers the two "Which is your Nth word?" questions from the words read earlier. */
export async function answerWordCheck(page: Page, words: readonly string[]): Promise<void> {
  for (let round = 0; round < 2; round++) {
    const question = page.getByRole("group", { name: /Which is your \d+\w\w word\?/ });
    await question.waitFor();
    const text = (await question.locator("legend").textContent()) ?? "";
    const position = Number(/your (\d+)/.exec(text)?.[1]);
    const word = words[position - 1];
    if (!word) throw new Error(`cannot answer "${text}"`);
    await question.getByRole("button", { name: word, exact: true }).click();
    // The next question (or the next step) replaces this one.
    if (round === 0) await page.getByText("Step 2 of 2").waitFor();
  }
}

/**
 * Onboarding as a person does it: a name, the twelve recovery words read off the screen, two of
 * them picked back, no passphrase. Returns the words.
 */
export async function onboard(page: Page, name: string): Promise<string[]> {
  await page.getByLabel("What should people call you?").fill(name);
  await page.getByRole("button", { name: "Continue" }).click();
  const words = await readRecoveryWords(page);
  await page.getByRole("button", { name: "I've written them down" }).click();
  await answerWordCheck(page, words);
  await page.getByRole("button", { name: "Start using Rally" }).click();
  return words;
}

/**
 * Chooses the event form's time zone as a person does with the keyboard: types part of its name
 * into the "Time zone" field, moves down the matches to the one with this IANA name, and presses
 * Enter.
 */
export async function chooseTimeZone(page: Page, zone: string, typed = zone): Promise<void> {
  const field = page.getByLabel("Time zone");
  await field.fill(typed);
  const list = page.getByRole("listbox", { name: "Matching zones" });
  const options = await list.getByRole("option").allTextContents();
  const index = options.findIndex((o) => o.includes(` — ${zone.replaceAll("_", " ")} (`));
  if (index < 0)
    throw new Error(`no time zone ${zone} among the matches for "${typed}": ${options.join("; ")}`);
  for (let i = 0; i < index; i++) await field.press("ArrowDown");
  await field.press("Enter");
}
