/**
 * First join through an invite link, with the admin's page open (so the admin's device lets the
 * newcomer in on its own): the admin (page A, on the group's chat) makes a link anyone may use;
 * a newcomer opens it in a fresh browser (page B), goes through onboarding, and the clock runs from
 * the last onboarding click ("Start using Rally") until B shows the group's chat ready to write in.
 * Then the same for a newcomer on a Node client (`join(link)` until the group's chat reads).
 * Prints each run and the medians; nothing is checked against a target.
 *
 *   npx tsx bench/web/join.ts [RUNS=3]
 */
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import type { RallyClient } from "@rally/client";
import { createNodeClient } from "@rally/client/node";
import { ensureWebBuild } from "../../apps/cli/src/serve/webBuild.ts";
import { launchChromium, onboard, person } from "../../tests/e2e/helpers/browser.ts";
import { startServe } from "../../tests/e2e/helpers/serve.ts";
import {
  createGroupWithLink,
  ms,
  onboardUntilStart,
  openChat,
  pageClock,
  percentile,
  whenInGroupChat,
} from "./steps.ts";

const RUNS = Number(process.argv[2] ?? 3);
const GROUP = "Bench join";
const WAIT = 5 * 60_000;

await ensureWebBuild({ log: (l) => console.log(l) });
const serve = await startServe();
const browser = await launchChromium();
const root = fs.mkdtempSync(path.join(os.tmpdir(), "rally-bench-join-"));
const bots: RallyClient[] = [];
try {
  const admin = await person(browser);
  await admin.page.goto(serve.url);
  await onboard(admin.page, "Admin");
  await admin.page.getByRole("heading", { name: "Groups" }).first().waitFor();
  const { link } = await createGroupWithLink(admin.page, GROUP);
  await openChat(admin.page);

  const pageJoins: number[] = [];
  for (let i = 1; i <= RUNS; i++) {
    const b = await person(browser);
    const opened = await pageClock(b.page);
    await b.page.goto(link);
    await b.page.getByText("Someone invited you to a group").waitFor();
    const invitationShown = (await pageClock(b.page)) - opened;
    const start = await onboardUntilStart(b.page, `Newcomer ${i}`);
    const inGroup = (await whenInGroupChat(b.page, GROUP, WAIT)) - start;
    pageJoins.push(inGroup);
    console.log(
      `page newcomer ${i}: invitation shown ${ms(invitationShown)} after opening the link; in the group's chat ${ms(inGroup)} after finishing onboarding`,
    );
    if (b.errors.length > 0) console.log(`  page errors: ${b.errors.join("; ")}`);
    await b.context.close();
  }

  const nodeJoins: number[] = [];
  for (let i = 1; i <= RUNS; i++) {
    const bot = await createNodeClient({ home: path.join(root, `bot${i}`) });
    bots.push(bot);
    await bot.createAccount({ name: `Node newcomer ${i}`, relays: [serve.relay] });
    const start = Date.now();
    await bot.join(link);
    let groupId: string | undefined;
    while (!groupId) {
      if (Date.now() - start > WAIT) throw new Error(`node newcomer ${i} was never let in`);
      await bot.sync();
      groupId = (await bot.groups()).find((g) => g.name === GROUP)?.id;
      if (!groupId) await new Promise((r) => setTimeout(r, 250));
    }
    await bot.chatHistory(groupId, { limit: 50 });
    const took = Date.now() - start;
    nodeJoins.push(took);
    console.log(`node newcomer ${i}: join(link) to the group's chat read: ${ms(took)}`);
  }

  console.log(
    `\nFirst invite-link join, admin's page open (median of ${RUNS}): page newcomer ${ms(percentile(pageJoins, 0.5))} from the end of onboarding; node newcomer ${ms(percentile(nodeJoins, 0.5))}`,
  );
  if (admin.errors.length > 0) console.log(`admin page errors: ${admin.errors.join("; ")}`);
} finally {
  for (const bot of bots) await bot.close().catch(() => {});
  await browser.close();
  await serve.stop();
  fs.rmSync(root, { recursive: true, force: true });
}
