// The event screens for someone new, in Chromium against a real `rally serve`: Ana lives in New
// York (the browser's zone) and plans a meeting in Berlin. She picks Berlin with the keyboard in
// the time-zone field, reads the meeting on her own clock with Berlin's beside it, sees "1 place
// left" and "No one has answered yet" (never "0 going of 1"), and finds importing a calendar file
// under "More", not next to "New event".
import fs from "node:fs";
import { createRequire } from "node:module";
import path from "node:path";
import type { Browser, BrowserContext, Page } from "playwright-core";
import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest";
import { DESKTOP, launchChromium, onboard } from "./helpers/browser.ts";
import { repoRoot, type ServeHandle, startServe } from "./helpers/serve.ts";

const GROUP = "Kreuzberg Choir";
const TITLE = "Rehearsal in Berlin";
const STEP = 90_000; // MLS and relay round trips in a busy browser: generous, never asserted on.

const AXE = fs.readFileSync(createRequire(import.meta.url).resolve("axe-core/axe.min.js"), "utf8");

type AxeFinding = { id: string; impact: string | null; nodes: { target: string[] }[] };

/** Serious and critical axe-core findings inside the element `selector` picks, as it is now. */
async function seriousViolations(p: Page, selector: string): Promise<string[]> {
  if (!(await p.evaluate(() => "axe" in window))) await p.addScriptTag({ content: AXE });
  const { violations, passes } = (await p.evaluate(async (sel) => {
    type Result = { violations: unknown[]; passes: unknown[] };
    const axe = (window as unknown as { axe: { run: (ctx: Element) => Promise<Result> } }).axe;
    const root = document.querySelector(sel);
    if (!root) throw new Error(`nothing matches ${sel}`);
    const result = await axe.run(root);
    return { violations: result.violations, passes: result.passes.length };
  }, selector)) as { violations: AxeFinding[]; passes: number };
  // axe really looked (labels, names, roles, contrast… passed).
  expect(passes).toBeGreaterThan(5);
  return violations
    .filter((v) => v.impact === "serious" || v.impact === "critical")
    .map((v) => `${v.impact} ${v.id} at ${v.nodes.map((n) => n.target.join(" ")).join(", ")}`);
}

let serve: ServeHandle;
let browser: Browser;
let context: BrowserContext;
let page: Page;
const errors: string[] = [];

beforeAll(async () => {
  serve = await startServe();
  browser = await launchChromium();
  // bypassCSP: axe-core is put into the page for the accessibility checks.
  context = await browser.newContext({
    viewport: DESKTOP,
    locale: "en-GB",
    timezoneId: "America/New_York",
    bypassCSP: true,
  });
  page = await context.newPage();
  page.on("pageerror", (e) => errors.push(e.message));
});

afterEach(async (test) => {
  if (test.task.result?.state !== "fail" || !page) return;
  const dir = path.join(repoRoot, "test-results", "e2e");
  fs.mkdirSync(dir, { recursive: true });
  const slug = test.task.name.replace(/[^a-z0-9]+/gi, "-").slice(0, 60);
  await page
    .screenshot({ path: path.join(dir, `event-screens-${slug}.png`), fullPage: true })
    .catch(() => {});
});

afterAll(async () => {
  await browser?.close();
  await serve?.stop();
});

async function openEvents(p: Page): Promise<void> {
  await p.getByRole("navigation", { name: "Group sections" }).getByRole("link", { name: "Events" }).click();
}

describe("event screens", () => {
  it("keeps importing a calendar file under More, not beside New event", { timeout: STEP * 4 }, async () => {
    await page.goto(serve.url);
    await onboard(page, "Ana Ash");
    await page.getByRole("link", { name: "New group" }).first().click();
    await page.getByLabel("Group name").fill(GROUP);
    await page.getByRole("button", { name: "Create group" }).click();
    await page.getByRole("heading", { level: 1, name: GROUP }).waitFor({ timeout: STEP });
    await openEvents(page);
    await page.getByRole("link", { name: "New event" }).waitFor({ timeout: STEP });

    const head = page.locator(".screen.events .list-head");
    expect(await head.locator(".primary").allTextContents()).toEqual(["New event"]);
    expect(await head.getByText(/Import/).count()).toBe(0);
    const importField = page.getByLabel("Import from a calendar file (.ics)");
    expect(await page.getByText("Import from a calendar file (.ics)").isVisible()).toBe(false);
    await page.getByText("More", { exact: true }).click();
    await page.getByText("Import from a calendar file (.ics)").waitFor();
    expect(await importField.count()).toBe(1);
  });

  it("picks the event's time zone by keyboard in a labelled combobox", { timeout: STEP }, async () => {
    await page.getByRole("link", { name: "New event" }).click();
    await page.getByLabel("Title").fill(TITLE);
    await page.getByLabel("Starts").fill("2031-06-10T19:00");
    await page.getByLabel("Ends").fill("2031-06-10T21:00");

    const field = page.getByRole("combobox", { name: "Time zone" });
    expect(await page.getByLabel("Time zone").count()).toBe(1);
    // The browser's zone is the starting choice.
    expect(await field.inputValue()).toBe("New York — America/New York (UTC-4)");
    expect(await field.getAttribute("aria-expanded")).toBe("false");
    const list = page.getByRole("listbox", { name: "Matching zones" });

    await field.focus();
    await page.keyboard.type("new");
    expect(await field.getAttribute("aria-expanded")).toBe("true");
    const options = list.getByRole("option");
    expect(await options.count()).toBeGreaterThan(1);
    const selected = () => list.locator('[aria-selected="true"]').textContent();
    const first = await options.nth(0).textContent();
    const second = await options.nth(1).textContent();
    expect(await selected()).toBe(first);
    await page.keyboard.press("ArrowDown");
    expect(await selected()).toBe(second);
    expect(await field.getAttribute("aria-activedescendant")).toBe(await options.nth(1).getAttribute("id"));
    await page.keyboard.press("ArrowUp");
    expect(await selected()).toBe(first);
    expect(await seriousViolations(page, "form.event-form")).toEqual([]);
    // Escape puts back the zone chosen before.
    await page.keyboard.press("Escape");
    expect(await field.inputValue()).toBe("New York — America/New York (UTC-4)");

    await field.fill("");
    await page.keyboard.type("berl");
    expect(await options.first().textContent()).toBe("Berlin — Europe/Berlin (UTC+2)");
    await page.keyboard.press("Enter");
    expect(await field.inputValue()).toBe("Berlin — Europe/Berlin (UTC+2)");
    expect(await field.getAttribute("aria-expanded")).toBe("false");
    expect(await list.isVisible()).toBe(false);
    // Enter chose a zone; it did not send the form.
    await page.getByRole("heading", { name: "New event" }).waitFor();
  });

  it("shows the time on the reader's clock with Berlin's beside it, and 1 place in the singular", {
    timeout: STEP * 3,
  }, async () => {
    await page.getByLabel("Places (optional)").fill("1");
    await page.getByRole("button", { name: "Create event" }).click();
    await page.getByRole("heading", { name: TITLE }).waitFor({ timeout: STEP });

    // 19:00 in Berlin (CEST) is 13:00 in New York (EDT).
    const when = page.locator(".event-facts dd").first();
    expect((await when.textContent())?.trim()).toBe(
      "Tue, 10 Jun 2031, 13:00 – 15:0019:00 – 21:00 in Europe/Berlin",
    );
    await page.getByText("19:00 – 21:00 in Europe/Berlin", { exact: true }).waitFor();
    await page.getByText("1 place left", { exact: true }).waitFor();
    await page.getByText("No one has answered yet.", { exact: true }).waitFor();

    await openEvents(page);
    const row = page.getByRole("link", { name: new RegExp(TITLE) });
    await row.waitFor({ timeout: STEP });
    const text = (await row.textContent()) ?? "";
    expect(text).toContain("Tue, 10 Jun 2031, 13:00 – 15:00 (19:00 – 21:00 in Europe/Berlin)");
    expect(text).toContain("No one has answered yet · 1 place left");
    expect(text).not.toMatch(/\b0 going|going of/);

    // Ana, the host, answers Going: her place is confirmed by her own device.
    await row.click();
    await page.getByRole("button", { name: "Going", exact: true }).click();
    await page.getByRole("definition").getByText("Full", { exact: true }).waitFor({ timeout: STEP });
    await page.getByText("You're going", { exact: true }).waitFor({ timeout: STEP });
    await openEvents(page);
    await expect
      .poll(async () => (await page.getByRole("link", { name: new RegExp(TITLE) }).textContent()) ?? "", {
        timeout: STEP,
      })
      .toContain("You're going · Full");
  });

  it("makes a repeating event, lists its next dates, and lets the host cancel one", {
    timeout: STEP * 3,
  }, async () => {
    // A Tuesday a week or more ahead, in the reader's own zone (the form's default): its next dates
    // are within the year the event's page lists.
    const first = new Date(Date.now() + 8 * 86_400_000);
    while (first.getUTCDay() !== 2) first.setUTCDate(first.getUTCDate() + 1);
    const day = first.toISOString().slice(0, 10);
    const dayMonth = new Intl.DateTimeFormat("en-GB", { day: "numeric", month: "short", timeZone: "UTC" });
    const expected = [0, 14, 28, 42].map((n) => dayMonth.format(new Date(first.getTime() + n * 86_400_000)));

    await page.getByRole("link", { name: "New event" }).click();
    await page.getByLabel("Title").fill("Choir practice");
    await page.getByLabel("Starts").fill(`${day}T19:00`);
    await page.getByLabel("Ends").fill(`${day}T21:00`);
    const repeats = page.getByLabel("Repeats");
    expect((await repeats.locator("option").allTextContents()).slice(0, 4)).toEqual([
      "Never",
      "Every day",
      "Every week on Tuesday",
      "Every 2 weeks on Tuesday",
    ]);
    await repeats.selectOption({ label: "Every 2 weeks on Tuesday" });
    await page.getByLabel("After a number of times").check();
    await page.getByLabel("How many times in all").fill("4");
    await page.getByRole("button", { name: "Create event" }).click();
    await page.getByRole("heading", { name: "Choir practice" }).waitFor({ timeout: STEP });
    await page.getByText("Every 2 weeks on Tuesday, 4 times", { exact: true }).waitFor();

    const dates = page.getByRole("region", { name: "Next dates" }).getByRole("listitem");
    await expect.poll(() => dates.count(), { timeout: STEP }).toBe(4);
    const texts = await dates.allTextContents();
    expected.forEach((d, i) => {
      expect(texts[i]).toContain(`${d}`);
      expect(texts[i]).toContain("19:00 – 21:00");
    });
    const second = dates.nth(1);
    await second.getByRole("button", { name: "Cancel this one" }).click();
    await second.getByRole("button", { name: "Cancel this date" }).click();
    await second.getByText("Cancelled", { exact: true }).waitFor({ timeout: STEP });
    // Answering one date leaves the others unanswered.
    const third = dates.nth(2);
    await third.getByRole("button", { name: "Going", exact: true }).click();
    await expect
      .poll(() => third.getByRole("button", { name: "Going", exact: true }).getAttribute("aria-pressed"), {
        timeout: STEP,
      })
      .toBe("true");
    expect(
      await dates.nth(3).getByRole("button", { name: "Going", exact: true }).getAttribute("aria-pressed"),
    ).toBe("false");
    // The list shows the series once, at its next date, said to repeat.
    await openEvents(page);
    const row = page.getByRole("link", { name: /Choir practice/ });
    expect(await row.count()).toBe(1);
    expect(await row.textContent()).toContain("Repeats");
    expect(await row.textContent()).toContain(expected[0]);
  });

  it("lets an admin give the group a public page, publish the event, and approve an answer from the public", {
    timeout: STEP * 3,
  }, async () => {
    await openEvents(page);
    await page.getByRole("link", { name: new RegExp(TITLE) }).click();
    await page.getByText("Public page", { exact: true }).click();
    await page.getByLabel("Public name").fill("Kreuzberg Community Choir");
    await page.getByLabel("About (optional)").fill("We sing on Tuesdays.");
    await page.getByRole("button", { name: "Turn on the public page" }).click();
    const groupLink = page
      .getByRole("status")
      .filter({ hasText: "The group's public page:" })
      .getByRole("link");
    await groupLink.waitFor({ timeout: STEP });
    expect(await groupLink.getAttribute("href")).toMatch(/\/g\/npub1/);

    await page.getByLabel("Needs approval").check();
    await expect.poll(() => page.getByLabel("Needs approval").isChecked(), { timeout: STEP }).toBe(true);
    await page.getByRole("button", { name: "Publish this event" }).click();
    const eventLink = page.getByRole("status").filter({ hasText: "Published:" }).getByRole("link");
    await eventLink.waitFor({ timeout: STEP });
    const url = (await eventLink.getAttribute("href")) ?? "";
    expect(url).toMatch(/\/e\/naddr1/);
    // What is public is read back from the device, also after a reload.
    await page.reload();
    await page
      .getByRole("complementary", { name: "Your groups" })
      .getByRole("link", { name: new RegExp(GROUP) })
      .click({ timeout: STEP });
    await openEvents(page);
    await page.getByRole("link", { name: new RegExp(TITLE) }).click({ timeout: STEP });
    await page.getByText("Public page", { exact: true }).click();
    await eventLink.waitFor({ timeout: STEP });
    expect(await eventLink.getAttribute("href")).toBe(url);
    expect(await page.getByLabel("Public name").inputValue()).toBe("Kreuzberg Community Choir");
    expect(await page.getByLabel("Needs approval").isChecked()).toBe(true);
    expect(await seriousViolations(page, "article.event-detail")).toEqual([]);

    // Someone without Rally answers on the public page. The page seals the answer first (its proof
    // of work takes about a second), so the tab stays open until the answer page comes.
    const stranger = await context.newPage();
    await stranger.goto(url);
    await stranger.getByRole("heading", { name: TITLE }).waitFor({ timeout: STEP });
    await stranger.getByLabel("Your name").fill("Dana Quill");
    await Promise.all([
      stranger.waitForURL(/\/answer$/, { timeout: STEP }),
      stranger
        .getByRole("button", { name: /send|answer/i })
        .first()
        .click(),
    ]);
    await stranger.close();

    const answers = page.getByRole("region", { name: "Answers from the public" });
    await expect
      .poll(
        async () => {
          await page
            .getByRole("navigation", { name: "Group sections" })
            .getByRole("link", { name: "Chat" })
            .click();
          await openEvents(page);
          await page.getByRole("link", { name: new RegExp(TITLE) }).click();
          await page.getByText("Public page", { exact: true }).click();
          return answers.getByText("Dana Quill").count();
        },
        { timeout: STEP * 2, interval: 3000 },
      )
      .toBeGreaterThan(0);
    await answers.getByText("Waiting for approval").waitFor();
    await answers.getByRole("button", { name: "Approve Dana Quill" }).click();
    await answers.getByText("Approved", { exact: true }).waitFor({ timeout: STEP });

    await page.getByRole("button", { name: "Unpublish" }).click();
    await page.getByText("Taken down: it is no longer on the public page.").waitFor({ timeout: STEP });
  });

  it("exports the whole calendar as a file from More, with a note to export again after changes", {
    timeout: STEP,
  }, async () => {
    await openEvents(page);
    await page.getByText("More", { exact: true }).click();
    await page.getByText("Export again after changes", { exact: false }).waitFor();
    const download = page.waitForEvent("download");
    await page.getByRole("button", { name: "Export the calendar (.ics)" }).click();
    const ics = fs.readFileSync(await (await download).path(), "utf8");
    expect(ics).toContain("BEGIN:VCALENDAR");
    expect(ics).toContain(`SUMMARY:${TITLE}`);
  });

  it("threw no errors in the page", () => {
    expect(errors).toEqual([]);
  });
});
