/**
 * Web app benchmark: what a person waits for.
 *   npx tsx bench/web/run.ts            (add --quick for 1,000 messages instead of 10,000)
 *
 * 1. First load: the bytes a browser downloads to show the app, gzipped as `rally serve` sends them
 *    (index.html, its scripts, styles and preloads, and the engine worker).
 * 2. Time to interactive in Chromium, served by a real `rally serve`: a first visit (until the
 *    name field of onboarding can be typed in; the engine keeps loading behind it, and when it first
 *    answers is printed too) and a returning person (until their groups show).
 * 3. A group with 10,000 messages: sent by a second member (a Node client) through the relay; how
 *    long the browser takes to receive them all, then to open the group (click → newest message
 *    on screen) after a reload, and how smoothly the history scrolls (frame times).
 *
 * Prints each figure as it is measured, and the time to open the 10,000-message group last.
 */
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import zlib from "node:zlib";
import type { RallyClient } from "@rally/client";
import { createNodeClient } from "@rally/client/node";
import { ensureWebBuild, WEB_DIST } from "../../apps/cli/src/serve/webBuild.ts";
import { launchChromium, onboard, person } from "../../tests/e2e/helpers/browser.ts";
import { startServe } from "../../tests/e2e/helpers/serve.ts";

const quick = process.argv.includes("--quick");
const MESSAGES = quick ? 1_000 : 10_000;
const RUNS = 5;
const GROUP = "Bench group";

const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;
const kib = (n: number) => `${(n / 1024).toFixed(1)} KiB`;
const ms = (n: number) => `${Math.round(n)} ms`;

// 1. First load -----------------------------------------------------------------------------
await ensureWebBuild({ log: (l) => console.log(l) });
const html = fs.readFileSync(path.join(WEB_DIST, "index.html"), "utf8");
const referenced = new Set<string>(["index.html"]);
for (const m of html.matchAll(/(?:src|href)="\/([^"]+\.(?:js|css))"/g)) referenced.add(m[1]!);
// The engine worker starts with the page; find it through the entry script that names it.
for (const file of [...referenced]) {
  if (!file.endsWith(".js")) continue;
  const code = fs.readFileSync(path.join(WEB_DIST, file), "utf8");
  for (const m of code.matchAll(/assets\/(client\.worker-[\w-]+\.js)/g)) referenced.add(`assets/${m[1]}`);
}
let firstLoad = 0;
console.log("\nFirst load (gzip -9, as rally serve sends it):");
for (const file of referenced) {
  const raw = fs.readFileSync(path.join(WEB_DIST, file));
  const gz = zlib.gzipSync(raw, { level: 9 }).length;
  firstLoad += gz;
  console.log(`  ${file.padEnd(40)} ${kib(raw.length).padStart(10)} → ${kib(gz).padStart(10)}`);
}
console.log(`  first load total: ${kib(firstLoad)} gzipped`);

// 2. Time to interactive --------------------------------------------------------------------
const serve = await startServe();
const browser = await launchChromium();
const home = fs.mkdtempSync(path.join(os.tmpdir(), "rally-bench-web-"));
let bot: RallyClient | null = null;
try {
  const fresh: number[] = [];
  const engine: number[] = [];
  for (let i = 0; i < RUNS; i++) {
    const p = await person(browser);
    await p.page.goto(serve.url);
    await p.page.getByLabel("What should people call you?").waitFor({ state: "visible" });
    fresh.push(await p.page.evaluate(() => performance.now()));
    // The engine (worker, WebAssembly, IndexedDB) loads meanwhile; the app marks when it answered.
    await p.page.waitForFunction(() => performance.getEntriesByName("rally:engine-ready").length > 0);
    engine.push(
      await p.page.evaluate(() => performance.getEntriesByName("rally:engine-ready")[0]!.startTime),
    );
    await p.context.close();
  }
  console.log(
    `\nTime to interactive, first visit (median of ${RUNS}): ${ms(median(fresh))} (name field ready)`,
  );
  console.log(`  engine ready (worker loaded, storage open, first answer): ${ms(median(engine))}`);

  const alice = await person(browser);
  const page = alice.page;
  await page.goto(serve.url);
  await onboard(page, "Alice");
  const returning: number[] = [];
  for (let i = 0; i < RUNS; i++) {
    await page.goto(`${serve.url}/#/`);
    await page.reload();
    await page.getByRole("heading", { name: "Groups" }).first().waitFor();
    returning.push(await page.evaluate(() => performance.now()));
  }
  console.log(`Time to interactive, returning person (median of ${RUNS}): ${ms(median(returning))}`);

  // 3. A long history ----------------------------------------------------------------------
  await page.getByRole("link", { name: "New group" }).first().click();
  await page.getByLabel("Group name").fill(GROUP);
  await page.getByRole("button", { name: "Create group" }).click();
  await page.getByRole("heading", { level: 1, name: GROUP }).waitFor({ timeout: 120_000 });
  await page.getByLabel("Who can use it").selectOption({ label: "Anyone with the link" });
  await page.getByRole("button", { name: "Create invite link" }).click();
  const link = await page.getByLabel("Invite link", { exact: true }).inputValue();

  bot = await createNodeClient({ home });
  await bot.createAccount({ name: "Sender", relays: [serve.relay] });
  await bot.join(link);
  let groupId: string | undefined;
  for (let i = 0; i < 120 && !groupId; i++) {
    await bot.sync();
    groupId = (await bot.groups()).find((g) => g.name === GROUP)?.id;
    if (!groupId) await new Promise((r) => setTimeout(r, 1000));
  }
  if (!groupId) throw new Error("the sending member was never let into the group");

  await page.getByRole("navigation", { name: "Group sections" }).getByRole("link", { name: "Chat" }).click();
  console.log(`\nThe sender is in the group; sending ${MESSAGES} messages…`);
  const t0 = Date.now();
  for (let i = 1; i <= MESSAGES; i++) {
    await bot.sendChat(
      groupId,
      `Message ${i}: ${"the quick brown fox jumps over the lazy dog ".repeat(1 + (i % 4))}`,
    );
  }
  // Chat is ordered by (created_at, id) and many messages share a second; a marker sent a second
  // after the rest is the one that is certainly newest, so it is what "the group is open" means.
  await new Promise((r) => setTimeout(r, 1100));
  const marker = `Last of ${MESSAGES} messages`;
  await bot.sendChat(groupId, marker);
  const queued = Date.now() - t0;
  // The relay takes a limited number of events per second from one connection (rate limits); the
  // outbox keeps the rest and sends them on the following rounds.
  for (let round = 0; round < 600; round++) {
    const report = await bot.sync();
    if (report.pendingOutbox === 0) break;
    await new Promise((r) => setTimeout(r, 1000));
  }
  const sent = Date.now() - t0;
  console.log(
    `${MESSAGES} messages: queued by the sender in ${ms(queued)}, taken by the relay after ${ms(sent)}`,
  );
  const progress = setInterval(() => {
    void page
      .evaluate(() => document.querySelector("[role=log]")?.textContent?.length ?? 0)
      .then(() =>
        process.stderr.write(`  … ${Math.round((Date.now() - t0) / 1000)} s, waiting for the browser\n`),
      )
      .catch(() => {});
  }, 30_000);
  try {
    await page
      .getByRole("log")
      .getByText(marker)
      .waitFor({ timeout: 60 * 60_000 });
  } finally {
    clearInterval(progress);
  }
  console.log(
    `Received, decrypted and shown in the browser ${ms(Date.now() - t0)} after the first was queued`,
  );

  const open: number[] = [];
  for (let i = 0; i < 3; i++) {
    await page.goto(`${serve.url}/#/`);
    await page.reload();
    await page.getByRole("heading", { name: "Groups" }).first().waitFor();
    const start = await page.evaluate(() => performance.now());
    await page
      .getByRole("link", { name: new RegExp(GROUP) })
      .first()
      .click();
    await page.getByRole("log").getByText(marker).waitFor({ timeout: 300_000 });
    open.push((await page.evaluate(() => performance.now())) - start);
  }

  // Scroll up through the history one screen per frame and record frame times.
  const frames = await page.evaluate(async () => {
    const log = document.querySelector<HTMLElement>("[role=log]");
    if (!log) return [];
    const times: number[] = [];
    let last = performance.now();
    for (let i = 0; i < 240; i++) {
      log.scrollTop -= log.clientHeight / 2;
      await new Promise((r) => requestAnimationFrame(r));
      const now = performance.now();
      times.push(now - last);
      last = now;
    }
    return times;
  });
  const sortedFrames = [...frames].sort((a, b) => a - b);
  const p95 = sortedFrames[Math.floor(sortedFrames.length * 0.95)] ?? 0;
  console.log(
    `Scrolling up the history (${frames.length} frames, half a screen each): median ${sortedFrames[Math.floor(sortedFrames.length / 2)]?.toFixed(1)} ms, p95 ${p95.toFixed(1)} ms per frame`,
  );
  console.log(
    `\nOpen a group with ${MESSAGES.toLocaleString("en")} messages (after a reload, median of 3): ${ms(median(open))}`,
  );
} finally {
  await bot?.close().catch(() => {});
  await browser.close();
  await serve.stop();
  fs.rmSync(home, { recursive: true, force: true });
}
