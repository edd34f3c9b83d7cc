/**
 * Screenshots of Rally's main screens at phone and desktop sizes, made by driving the real app
 * (served by `rally serve`, real engine, real relay) the way two people use it:
 *   npx tsx tests/e2e/screenshots.ts
 * Writes docs/screenshots/<screen>-<phone|desktop>.png.
 */
import fs from "node:fs";
import path from "node:path";
import type { Page } from "playwright-core";
import {
  answerWordCheck,
  DESKTOP,
  launchChromium,
  onboard,
  PHONE,
  person,
  readRecoveryWords,
} from "./helpers/browser.ts";
import { repoRoot, startServe } from "./helpers/serve.ts";

const out = path.join(repoRoot, "docs/screenshots");
fs.mkdirSync(out, { recursive: true });
const GROUP = "Riverside Tenants";
const WAIT = 120_000;

async function shot(page: Page, name: string, sizes: ("phone" | "desktop")[] = ["phone", "desktop"]) {
  for (const size of sizes) {
    await page.setViewportSize(size === "phone" ? PHONE : DESKTOP);
    await page.waitForTimeout(400);
    const file = path.join(out, `${name}-${size}.png`);
    await page.screenshot({ path: file });
    console.log(path.relative(repoRoot, file));
  }
}

async function tab(page: Page, name: string) {
  await page.getByRole("navigation", { name: "Group sections" }).getByRole("link", { name }).click();
}

async function say(page: Page, text: string) {
  await page.getByLabel("Message", { exact: true }).fill(text);
  await page.getByRole("button", { name: "Send" }).click();
  await page.getByRole("log").getByText(text).last().waitFor({ timeout: WAIT });
  // Chat is ordered by (second, id): a pause keeps a scripted conversation in the order written.
  await page.waitForTimeout(1100);
}

const serve = await startServe();
const browser = await launchChromium();
try {
  const alice = await person(browser, DESKTOP);
  const bob = await person(browser, PHONE);
  const a = alice.page;
  const b = bob.page;

  // Onboarding, as Bob sees it on his phone.
  await b.goto(serve.url);
  await b.getByLabel("What should people call you?").waitFor();
  await shot(b, "onboarding-name", ["phone"]);
  await b.getByLabel("What should people call you?").fill("Bob");
  await b.getByRole("button", { name: "Continue" }).click();
  const words = await readRecoveryWords(b);
  await shot(b, "onboarding-words", ["phone"]);
  await b.getByRole("button", { name: "I've written them down" }).click();
  await b.getByRole("group", { name: /Which is your/ }).waitFor();
  await shot(b, "onboarding-check", ["phone"]);
  await answerWordCheck(b, words);
  await b.getByRole("button", { name: "Start using Rally" }).click();

  // Alice starts the group and an invite link that needs her approval.
  await a.goto(serve.url);
  await onboard(a, "Alice");
  await a.getByRole("link", { name: "New group" }).first().click();
  await a.getByLabel("Group name").fill(GROUP);
  await a.getByLabel("What is it for? (optional)").fill("Buildings 4 and 5 — rent, repairs, each other");
  await shot(a, "new-group");
  await a.getByRole("button", { name: "Create group" }).click();
  await a.getByRole("heading", { level: 1, name: GROUP }).waitFor({ timeout: WAIT });
  await a.getByLabel("Who can use it").selectOption({ label: "Up to 10 people" });
  await a.getByLabel("I approve each person before they join").check();
  await a.getByRole("button", { name: "Create invite link" }).click();
  const link = await a.getByLabel("Invite link", { exact: true }).inputValue();
  await a.getByRole("img", { name: /QR code/ }).waitFor();
  await shot(a, "invite-link");

  // Bob follows the link and waits; Alice lets him in.
  await b.goto(link);
  await b.getByText("Waiting for the group to let you in").waitFor({ timeout: WAIT });
  await shot(b, "join-waiting", ["phone"]);
  await a.getByRole("button", { name: /Let Bob in/ }).waitFor({ timeout: WAIT });
  await a.evaluate(() => window.scrollTo(0, 0));
  await shot(a, "members-waiting", ["desktop"]);
  await a.getByRole("button", { name: /Let Bob in/ }).click();
  await b.getByRole("heading", { level: 1, name: GROUP }).waitFor({ timeout: WAIT });

  // A conversation.
  await tab(a, "Chat");
  await say(a, "Hi all! The landlord's letter came today: 9% rent increase from June.");
  await say(b, "Same here. Building 5 got it too.");
  await say(a, "Let's reply together, not one by one. Assembly on Thursday?");
  await say(b, "Works for me. I'll print flyers for the lobby 🙂");
  const last = a.getByRole("log").getByRole("article").last();
  await last.getByRole("button", { name: /Actions for message/ }).click();
  await last.getByRole("button", { name: "React with 👍" }).click();
  await b.getByRole("log").getByText("👍").waitFor({ timeout: WAIT });
  await shot(a, "chat", ["desktop"]);
  await shot(b, "chat", ["phone"]);

  // An event and an answer.
  await tab(a, "Events");
  await a.getByRole("link", { name: "New event" }).click();
  const inThreeDays = new Date(Date.now() + 3 * 86_400_000).toISOString().slice(0, 10);
  await a.getByLabel("Title").fill("Tenants' assembly");
  await a.getByLabel("Starts").fill(`${inThreeDays}T18:30`);
  await a.getByLabel("Ends").fill(`${inThreeDays}T20:30`);
  await a.getByLabel("Where").fill("Community room, Riverside 5");
  await a.getByLabel("Details").fill("Agenda: the rent increase, repairs, our reply.\nBring a neighbour!");
  await a.getByLabel("Places (optional)").fill("40");
  await shot(a, "event-form", ["desktop"]);
  await a.getByRole("button", { name: "Create event" }).click();
  await a.getByRole("heading", { name: "Tenants' assembly" }).waitFor({ timeout: WAIT });
  await tab(b, "Events");
  await b.getByRole("link", { name: /Tenants' assembly/ }).click({ timeout: WAIT });
  await b.getByRole("button", { name: "Going", exact: true }).click();
  await a.getByRole("region", { name: "Answers" }).getByText("Bob").waitFor({ timeout: WAIT });
  await a.getByRole("button", { name: "Going", exact: true }).click();
  await shot(b, "event", ["phone"]);
  await shot(a, "event", ["desktop"]);
  await tab(a, "Events");
  await shot(a, "events");

  // A poll to find a date.
  await tab(a, "Polls");
  await a.getByRole("button", { name: "New poll" }).click();
  await a.getByLabel("Question").fill("When can we meet the landlord?");
  await a.getByLabel("Pick a date").check();
  const day = (n: number) => new Date(Date.now() + n * 86_400_000).toISOString().slice(0, 10);
  await a.getByLabel("Date 1", { exact: true }).fill(day(7));
  await a.getByLabel("Date 2", { exact: true }).fill(day(8));
  await a.getByRole("button", { name: "Add a date" }).click();
  await a.getByLabel("Date 3", { exact: true }).fill(day(10));
  await a.getByRole("button", { name: "Create poll" }).click();
  await tab(b, "Polls");
  const poll = b.getByRole("article", { name: /When can we meet the landlord/ });
  await poll.waitFor({ timeout: WAIT });
  await poll.getByRole("checkbox").first().check();
  await poll.getByRole("checkbox").nth(2).check();
  await poll.getByRole("button", { name: "Vote" }).click();
  await poll.getByRole("button", { name: "Change vote" }).waitFor({ timeout: WAIT });
  await shot(b, "polls", ["phone"]);
  await a
    .getByRole("article", { name: /When can we meet the landlord/ })
    .getByText("Bob")
    .first()
    .waitFor({ timeout: WAIT });
  await shot(a, "polls", ["desktop"]);

  // The calendar across groups, the group list, and settings.
  await a.getByRole("link", { name: "Calendar" }).click();
  await shot(a, "calendar");
  await b.getByRole("link", { name: "Groups", exact: true }).click();
  await shot(b, "groups", ["phone"]);
  await a.getByRole("link", { name: "Settings" }).click();
  await shot(a, "settings");
} finally {
  await browser.close();
  await serve.stop();
}
