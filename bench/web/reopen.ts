/**
 * Reopening a group with a long history after a page reload: the time from the reload of the
 * group's chat address until its newest message shows. The history (default 10,000 messages) is
 * sent by S other members on Node clients through the relay of `rally serve`; the page, left on
 * its list of groups meanwhile, catches up once (until the list counts every message as unread),
 * then the group is opened once and reloaded RUNS times. Prints each figure; the reopen median
 * last. Nothing is checked against a target.
 *
 *   npx tsx bench/web/reopen.ts [N=10000] [S=10 senders]
 *
 * A Node client cannot share the browser's account (its store lives in the page's IndexedDB), so
 * the messages really travel: Node sender → relay → the page's engine, as they would for a person.
 */
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import type { RallyClient } from "@rally/client";
import { createNodeClient } from "@rally/client/node";
import { ensureWebBuild } from "../../apps/cli/src/serve/webBuild.ts";
import { launchChromium, onboard, person } from "../../tests/e2e/helpers/browser.ts";
import { startServe } from "../../tests/e2e/helpers/serve.ts";
import { createGroupWithLink, ms, pageClock, percentile, whenLogShows } from "./steps.ts";

const N = Number(process.argv[2] ?? 10_000);
const S = Number(process.argv[3] ?? 10);
const RUNS = 3;
const GROUP = "Bench reopen";
const s = (n: number) => `${(n / 1000).toFixed(1)} s`;

await ensureWebBuild({ log: (l) => console.log(l) });
const serve = await startServe();
const browser = await launchChromium();
const home = fs.mkdtempSync(path.join(os.tmpdir(), "rally-bench-reopen-"));
const bots: RallyClient[] = [];
try {
  const alice = await person(browser);
  const page = alice.page;
  await page.goto(serve.url);
  await onboard(page, "Alice");
  await page.getByRole("heading", { name: "Groups" }).first().waitFor();
  const { link } = await createGroupWithLink(page, GROUP);

  // Several senders share the history: a sender's outbox keeps what it sent for ten minutes and
  // each send reads all of it, so one sender's 10,000 messages would take the better part of an
  // hour (bench/client/catchUp.ts says more). The page's catch-up is the same work either way.
  for (let k = 0; k < S; k++) {
    const bot = await createNodeClient({ home: path.join(home, `sender${k}`) });
    bots.push(bot);
    await bot.createAccount({ name: `Sender ${k + 1}`, relays: [serve.relay] });
    await bot.join(link);
  }
  let groupId: string | undefined;
  for (const bot of bots) {
    groupId = undefined;
    for (let i = 0; i < 120 && !groupId; i++) {
      await bot.sync();
      groupId = (await bot.groups()).find((g) => g.name === GROUP)?.id;
      if (!groupId) await new Promise((r) => setTimeout(r, 1000));
    }
    if (!groupId) throw new Error("a sending member was never let into the group");
  }
  if (!groupId) throw new Error("no sending member");
  // Each sender knows of every other before the history starts.
  for (const bot of bots) await bot.sync();
  await page.goto(`${serve.url}/#/`);
  await page.getByRole("heading", { name: "Groups" }).first().waitFor();

  const t0 = Date.now();
  let sentSoFar = 0;
  for (const [k, bot] of bots.entries()) {
    const share = Math.floor(N / S) + (k < N % S ? 1 : 0);
    for (let i = 0; i < share; i++) {
      sentSoFar++;
      await bot.sendChat(
        groupId,
        `Message ${sentSoFar}: ${"the quick brown fox jumps over the lazy dog ".repeat(1 + (sentSoFar % 4))}`,
      );
    }
    await bot.deliver(10 * 60_000);
    process.stderr.write(`  … ${sentSoFar} sent, ${s(Date.now() - t0)}\n`);
  }
  // Many messages share a second; one sent a second after the rest is certainly the newest.
  await new Promise((r) => setTimeout(r, 1100));
  const marker = `Last of ${N} messages`;
  const last = bots[0] as RallyClient;
  await last.sendChat(groupId, marker);
  for (const bot of bots)
    for (let round = 0; round < 600; round++) {
      if ((await bot.sync()).pendingOutbox === 0) break;
      await new Promise((r) => setTimeout(r, 1000));
    }
  const sent = Date.now() - t0;
  console.log(`${N + 1} messages sent by ${S} Node members and taken by the relay in ${s(sent)}`);

  const unread = page
    .getByRole("complementary", { name: "Your groups" })
    .getByRole("link", { name: new RegExp(GROUP) });
  let told = Date.now();
  for (;;) {
    const label = (await unread.first().textContent()) ?? "";
    if (label.includes(`${N + 1} unread`)) break;
    if (Date.now() - t0 > 2 * 60 * 60_000) throw new Error(`the page never caught up: "${label}"`);
    if (Date.now() - told > 30_000) {
      told = Date.now();
      process.stderr.write(`  … ${s(Date.now() - t0)}: the page lists "${label}"\n`);
    }
    await new Promise((r) => setTimeout(r, 1000));
  }
  console.log(
    `the page caught up (all ${N + 1} counted unread) ${s(Date.now() - t0 - sent)} after the relay had them all`,
  );

  let start = await pageClock(page);
  await unread.first().click();
  const firstOpen = (await whenLogShows(page, marker, 10 * 60_000)) - start;
  console.log(`first open of the group after the catch-up (click → newest message shown): ${ms(firstOpen)}`);

  // The group's chat, as the click from the list opened it (a reload keeps the address).
  const chatUrl = page.url();
  const reopen: number[] = [];
  for (let i = 0; i < RUNS; i++) {
    await page.goto(chatUrl);
    start = await pageClock(page);
    await page.reload();
    // The reloaded document's own clock starts at the reload; reading it there leaves out Playwright.
    const shown = await whenLogShows(page, marker, 10 * 60_000);
    const t = await page.evaluate(() => performance.timeOrigin);
    reopen.push(shown - t);
    console.log(
      `  reload → newest message shown: ${ms(shown - t)} (${ms(shown - start)} from the reload call)`,
    );
  }
  if (alice.errors.length > 0) console.log(`page errors: ${alice.errors.join("; ")}`);
  console.log(
    `\nReopen a group with ${N.toLocaleString("en")} messages after a reload (median of ${RUNS}): ${ms(percentile(reopen, 0.5))}`,
  );
} finally {
  for (const bot of bots) await bot.close().catch(() => {});
  await browser.close();
  await serve.stop();
  fs.rmSync(home, { recursive: true, force: true });
}
