/**
 * The public pages of a real `rally serve` node in Debian's Chromium:
 * - axe-core, injected into each page (event, group, directory, the answer form sent, the private
 *   reply page, a refused answer — with the pages' script at work, and the node's own pages for
 *   what the script leaves to it), finds no serious or critical accessibility violation;
 * - with JavaScript disabled every page shows the same content, and the answer form still works.
 */
import fs from "node:fs";
import { createRequire } from "node:module";
import { type Browser, chromium, type Page } from "playwright-core";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { CHROMIUM, CHROMIUM_ARGS } from "../browser/chromium.ts";
import { REPAIR, type Seeded, seedPublicEvents } from "./helpers/publicEvents.ts";
import { type ServeHandle, startServe } from "./helpers/serve.ts";

const AXE = fs.readFileSync(createRequire(import.meta.url).resolve("axe-core/axe.min.js"), "utf8");

interface AxeViolation {
  id: string;
  impact: string | null;
  help: string;
  nodes: { target: string[] }[];
}

let node: ServeHandle;
let seeded: Seeded;
let browser: Browser;

beforeAll(async () => {
  node = await startServe();
  seeded = await seedPublicEvents(node.relay);
  browser = await chromium.launch({ executablePath: CHROMIUM, args: CHROMIUM_ARGS, headless: true });
}, 300_000);

afterAll(async () => {
  await browser?.close();
  await node?.stop();
});

/** Serious and critical findings of axe on the page as it is now (axe is put in past the pages' CSP). */
async function seriousViolations(page: Page): Promise<string[]> {
  await page.addScriptTag({ content: AXE });
  const { violations, passes } = (await page.evaluate(async () => {
    const axe = (
      window as unknown as {
        axe: { run: (ctx: Document) => Promise<{ violations: unknown[]; passes: unknown[] }> };
      }
    ).axe;
    const result = await axe.run(document);
    return { violations: result.violations, passes: result.passes.length };
  })) as { violations: AxeViolation[]; passes: number };
  // axe really looked at the page (labels, contrast, landmarks… passed).
  expect(passes).toBeGreaterThan(10);
  return violations
    .filter((v) => v.impact === "serious" || v.impact === "critical")
    .map((v) => `${v.impact} ${v.id}: ${v.help} at ${v.nodes.map((n) => n.target.join(" ")).join(", ")}`);
}

/** Fills and sends the answer form on an event page as a person would. */
async function sendAnswer(page: Page, name: string, status: "going" | "maybe" | "declined"): Promise<void> {
  await page.getByLabel("Your name").fill(name);
  await page.locator(`input[name=status][value=${status}]`).check();
  await Promise.all([
    page.waitForURL(/\/answer$/),
    page.getByRole("button", { name: "Send my answer" }).click(),
  ]);
}

describe("public pages in Chromium", { timeout: 180_000 }, () => {
  it("pass axe-core with no serious or critical violations", async () => {
    const context = await browser.newContext({ bypassCSP: true });
    const page = await context.newPage();
    const found: Record<string, string[]> = {};
    const check = async (label: string, url?: string) => {
      if (url) await page.goto(url);
      found[label] = await seriousViolations(page);
    };
    await check("event", `${node.url}/e/${seeded.repair.naddr}?tz=Asia%2FTokyo`);
    await check("event needing approval", `${node.url}/e/${seeded.assembly.naddr}`);
    await check("cancelled all-day event", `${node.url}/e/${seeded.picnic.naddr}`);
    await check("group", `${node.url}/g/${seeded.mill.npub}`);
    await check("directory", `${node.url}/events?tag=repair&from=2030-01-01`);
    await check("not found", `${node.url}/e/${seeded.repair.naddr.slice(0, -4)}qqqq`);

    await page.goto(`${node.url}/e/${seeded.repair.naddr}`);
    await sendAnswer(page, "Axel Checkwell", "going");
    expect(await page.locator("h1").textContent()).toContain("your answer is with the hosts");
    await check("answer sent");
    // The answer was sealed by the page's script: its private link holds the key after "#", and
    // the reply page opens the reply in the browser.
    const link = await page.locator(".private-link a").getAttribute("href");
    expect(link).toMatch(/\/reply\?e=naddr1[0-9a-z]+#[0-9a-f]{64}$/);
    await page.goto(link!);
    await page.locator("#reply-state[data-opened]").waitFor({ state: "attached" });
    expect(await page.locator("h1").textContent()).toBe("Waiting for the hosts");
    await check("private reply page");

    const refusedAnswer = async () => {
      await page.goto(`${node.url}/e/${seeded.repair.naddr}`);
      await page.locator("form[data-seals-in-browser]").waitFor({ state: "attached" });
      await page.getByLabel("Your name").fill("Refused Guestcount");
      await page.locator("input[name=status][value=maybe]").check();
      await page.getByLabel(/Guests coming/).fill("4");
    };
    // Refused in the browser, before anything is sent…
    await refusedAnswer();
    await page.getByRole("button", { name: "Send my answer" }).click();
    await expect
      .poll(() => page.locator("[role=alert]").textContent())
      .toContain("Guests can come only with someone who is going.");
    await check("answer refused by the script");
    // …and by the node, for the form sent as it is (as without JavaScript).
    await refusedAnswer();
    await Promise.all([
      page.waitForURL(/\/answer$/),
      page.evaluate(() => document.querySelector<HTMLFormElement>("form[data-answer]")!.submit()),
    ]);
    expect(await page.locator("[role=alert]").textContent()).toContain(
      "Guests can come only with someone who is going.",
    );
    await check("answer refused");
    await context.close();

    expect(found).toEqual(Object.fromEntries(Object.keys(found).map((k) => [k, []])));
  });

  it("show the same content with JavaScript disabled, and the form works without it", async () => {
    const on = await browser.newContext();
    const off = await browser.newContext({ javaScriptEnabled: false });
    const pages = [
      `/e/${seeded.repair.naddr}`,
      `/e/${seeded.repair.naddr}?tz=America%2FNew_York`,
      `/e/${seeded.assembly.naddr}`,
      `/g/${seeded.mill.npub}`,
      "/events",
      "/events?place=library",
    ];
    const withJs = await on.newPage();
    const withoutJs = await off.newPage();
    for (const path of pages) {
      await withJs.goto(`${node.url}${path}`);
      await withoutJs.goto(`${node.url}${path}`);
      // The text as rendered (what a reader sees), not the DOM's.
      // biome-ignore lint/performance/useDomNodeTextContent: rendered text is the point here
      const a = await withJs.locator("body").innerText();
      // biome-ignore lint/performance/useDomNodeTextContent: rendered text is the point here
      const b = await withoutJs.locator("body").innerText();
      expect(b.length).toBeGreaterThan(100);
      expect(b, path).toBe(a);
    }
    expect(await withoutJs.locator("h1").textContent()).toBe("Upcoming public events");
    expect(await withoutJs.locator("main").textContent()).toContain(REPAIR.title);

    await withoutJs.goto(`${node.url}/e/${seeded.repair.naddr}`);
    await sendAnswer(withoutJs, "Nadia Noscript", "declined");
    expect(await withoutJs.locator("h1").textContent()).toContain("your answer is with the hosts");
    const link = await withoutJs.locator(".private-link a").getAttribute("href");
    await withoutJs.goto(link!);
    expect(await withoutJs.locator("h1").textContent()).toBe("Waiting for the hosts");
    await on.close();
    await off.close();
  });
});
