// Two people in two browsers, and a third in a terminal, using Rally served by one `rally serve`:
// onboarding, a group, an invite link, chat both ways, an event and an RSVP, a poll, a reload,
// a message written offline, hostile text shown as text, and the CLI joining the same group.
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import type { Browser, BrowserContext, Page } from "playwright-core";
import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest";
import { chooseTimeZone, launchChromium, onboard, person } from "./helpers/browser.ts";
import { rally } from "./helpers/cli.ts";
import { repoRoot, type ServeHandle, startServe } from "./helpers/serve.ts";

const GROUP = "Riverside Tenants";
const STEP = 90_000; // MLS and relay round trips in a busy browser: generous, never asserted on.

let serve: ServeHandle;
let browser: Browser;
let alice: { context: BrowserContext; page: Page; errors: string[] };
let bob: { context: BrowserContext; page: Page; errors: string[] };
let inviteLink = "";
let carolHome = "";

async function openTab(page: Page, tab: "Chat" | "Events" | "Polls" | "Members"): Promise<void> {
  await page.getByRole("navigation", { name: "Group sections" }).getByRole("link", { name: tab }).click();
}

async function openGroup(page: Page): Promise<void> {
  await page
    .getByRole("complementary", { name: "Your groups" })
    .getByRole("link", { name: new RegExp(GROUP) })
    .click();
  await page.getByRole("heading", { level: 1, name: GROUP }).waitFor();
}

async function send(page: Page, text: string): Promise<void> {
  await page.getByLabel("Message", { exact: true }).fill(text);
  await page.getByRole("button", { name: "Send" }).click();
}

function messages(page: Page) {
  return page.getByRole("log", { name: `Messages in ${GROUP}` });
}

beforeAll(async () => {
  serve = await startServe();
  browser = await launchChromium();
  alice = await person(browser);
  bob = await person(browser);
});

// On failure, keep what each person saw (test-results/ is ignored by git).
afterEach(async (context) => {
  if (context.task.result?.state !== "fail" || !alice) return;
  const dir = path.join(repoRoot, "test-results", "e2e");
  fs.mkdirSync(dir, { recursive: true });
  const slug = context.task.name.replace(/[^a-z0-9]+/gi, "-").slice(0, 60);
  for (const [who, p] of [
    ["alice", alice],
    ["bob", bob],
  ] as const) {
    await p?.page.screenshot({ path: path.join(dir, `${slug}-${who}.png`) }).catch(() => {});
  }
});

afterAll(async () => {
  await browser?.close();
  await serve?.stop();
  if (carolHome) fs.rmSync(carolHome, { recursive: true, force: true });
});

describe("Rally in the browser, served by rally serve", () => {
  it("onboards Alice: a name, her recovery words checked, no technical words in sight", {
    timeout: STEP,
  }, async () => {
    await alice.page.goto(serve.url);
    const words = await onboard(alice.page, "Alice");
    expect(words).toHaveLength(12);
    await alice.page.getByRole("heading", { name: "Groups" }).waitFor();
    // biome-ignore lint/performance/useDomNodeTextContent: innerText is exactly "what is rendered on screen" (closed Advanced sections excluded).
    const visible = await alice.page.locator("body").innerText();
    for (const word of ["npub", "nsec", "relay", "epoch", "key package"]) {
      expect(visible.toLowerCase(), `"${word}" on screen`).not.toContain(word);
    }
  });

  it("lets Alice create a group and make an invite link with a QR code", { timeout: STEP }, async () => {
    const { page } = alice;
    await page.getByRole("link", { name: "New group" }).first().click();
    await page.getByLabel("Group name").fill(GROUP);
    await page.getByLabel("What is it for? (optional)").fill("Buildings 4 and 5");
    await page.getByRole("button", { name: "Create group" }).click();
    await page.getByRole("heading", { level: 1, name: GROUP }).waitFor({ timeout: STEP });
    await page.getByLabel("Who can use it").selectOption({ label: "Anyone with the link" });
    await page.getByRole("button", { name: "Create invite link" }).click();
    const field = page.getByLabel("Invite link", { exact: true });
    await field.waitFor({ timeout: STEP });
    inviteLink = await field.inputValue();
    expect(inviteLink).toMatch(/#join=./);
    expect(new URL(inviteLink).origin).toBe(serve.url);
    await page.getByRole("img", { name: /QR code of the invite link/ }).waitFor({ timeout: STEP });
  });

  it("brings Bob in through the link: onboarding, then into the group", { timeout: STEP * 2 }, async () => {
    const { page } = bob;
    await page.goto(inviteLink);
    await page.getByText("Someone invited you to a group").waitFor();
    // The secret part of the link leaves the address bar at once.
    expect(page.url()).not.toContain("#join=");
    await onboard(page, "Bob");
    // Alice's browser is online, so her device lets Bob in on its own.
    await page.getByRole("heading", { level: 1, name: GROUP }).waitFor({ timeout: STEP * 2 });
  });

  it("carries chat both ways", { timeout: STEP }, async () => {
    await send(bob.page, "Hello from Bob");
    await openTab(alice.page, "Chat");
    await messages(alice.page).getByText("Hello from Bob").waitFor({ timeout: STEP });
    await send(alice.page, "Welcome, Bob!");
    await messages(bob.page).getByText("Welcome, Bob!").waitFor({ timeout: STEP });
  });

  it("shows hostile text as text, never as markup", { timeout: STEP }, async () => {
    const payload = `<script>window.__rallyPwned = 1</script><img src=x onerror="window.__rallyPwned = 2"><b>bold?</b>`;
    await send(alice.page, payload);
    const log = messages(bob.page);
    await log.getByText(payload, { exact: true }).waitFor({ timeout: STEP });
    expect(await log.locator("img, script, b").count()).toBe(0);
    expect(
      await bob.page.evaluate(() => (window as unknown as { __rallyPwned?: number }).__rallyPwned),
    ).toBeUndefined();
    expect(
      await alice.page.evaluate(() => (window as unknown as { __rallyPwned?: number }).__rallyPwned),
    ).toBeUndefined();
  });

  it("lets Alice create an event, Bob answer Going, and Alice see it and download it", {
    timeout: STEP * 2,
  }, async () => {
    const a = alice.page;
    await openTab(a, "Events");
    await a.getByRole("link", { name: "New event" }).click();
    await a.getByLabel("Title").fill("General assembly");
    await a.getByLabel("Starts").fill("2030-05-01T18:00");
    await a.getByLabel("Ends").fill("2030-05-01T20:00");
    await chooseTimeZone(a, "Europe/Berlin", "berl");
    await a.getByLabel("Where").fill("Community room, building 5");
    await a.getByLabel("Places (optional)").fill("30");
    await a.getByRole("button", { name: "Create event" }).click();
    await a.getByRole("heading", { name: "General assembly" }).waitFor({ timeout: STEP });
    // Alice reads it on her own clock (London), with Berlin's beside it.
    await a.getByText("Wed, 1 May 2030, 17:00 – 19:00").waitFor();
    await a.getByText("18:00 – 20:00 in Europe/Berlin").waitFor();

    const b = bob.page;
    await openTab(b, "Events");
    await b.getByRole("link", { name: /General assembly/ }).click({ timeout: STEP });
    await b.getByLabel("Guests you're bringing").fill("1");
    await b.getByRole("button", { name: "Going", exact: true }).click();
    await expect
      .poll(() => b.getByRole("button", { name: "Going", exact: true }).getAttribute("aria-pressed"), {
        timeout: STEP,
      })
      .toBe("true");

    const answers = a.getByRole("region", { name: "Answers" });
    await answers.getByText("Bob").waitFor({ timeout: STEP });
    await a.getByText("28 of 30 places left").waitFor();

    const download = a.waitForEvent("download");
    await a.getByRole("button", { name: "Add to calendar" }).click();
    const file = await (await download).path();
    const ics = fs.readFileSync(file, "utf8");
    expect(ics).toContain("BEGIN:VEVENT");
    expect(ics).toContain("SUMMARY:General assembly");
  });

  it("runs a poll: Alice asks, Bob votes, Alice sees the vote", { timeout: STEP }, async () => {
    const a = alice.page;
    await openTab(a, "Polls");
    await a.getByRole("button", { name: "New poll" }).click();
    await a.getByLabel("Question").fill("Which banner colour?");
    await a.getByLabel("Option 1").fill("Red");
    await a.getByLabel("Option 2").fill("Green");
    await a.getByRole("button", { name: "Create poll" }).click();
    await a.getByRole("heading", { name: "Which banner colour?" }).waitFor({ timeout: STEP });

    const b = bob.page;
    await openTab(b, "Polls");
    const poll = b.getByRole("article", { name: "Which banner colour?" });
    await poll.waitFor({ timeout: STEP });
    await poll.getByRole("radio", { name: /Green/ }).check();
    await poll.getByRole("button", { name: "Vote" }).click();
    await poll.getByRole("button", { name: "Change vote" }).waitFor({ timeout: STEP });

    const seen = a.getByRole("article", { name: "Which banner colour?" });
    await seen.getByRole("radio", { name: /Green\s*1 vote/ }).waitFor({ timeout: STEP });
  });

  it("lets people reply, react, and delete their own message", { timeout: STEP * 2 }, async () => {
    const a = alice.page;
    const b = bob.page;
    await openTab(a, "Chat");
    await openTab(b, "Chat");
    const welcome = messages(b)
      .getByRole("article")
      .filter({ has: b.locator("p.text", { hasText: /^Welcome, Bob!$/ }) });
    await welcome.getByRole("button", { name: /Actions for message/ }).click();
    await welcome.getByRole("button", { name: "Reply" }).click();
    await b.getByText("Replying to").waitFor();
    await send(b, "Thanks, glad to be here");
    const reply = messages(a).getByRole("article").filter({ hasText: "Thanks, glad to be here" });
    await reply.locator(".quote").filter({ hasText: "Welcome, Bob!" }).waitFor({ timeout: STEP });

    await welcome.getByRole("button", { name: /Actions for message/ }).click();
    await welcome.getByRole("button", { name: "React with 👍" }).click();
    const mine = messages(a)
      .getByRole("article")
      .filter({ has: a.locator("p.text", { hasText: /^Welcome, Bob!$/ }) });
    await mine.getByRole("button", { name: /^👍 1: Bob$/ }).waitFor({ timeout: STEP });

    await send(a, "Oops, wrong group");
    await messages(b).getByText("Oops, wrong group").waitFor({ timeout: STEP });
    const oops = messages(a).getByRole("article").filter({ hasText: "Oops, wrong group" });
    await oops.getByRole("button", { name: /Actions for message/ }).click();
    await oops.getByRole("button", { name: "Delete" }).click();
    await oops.getByRole("button", { name: "Delete" }).click(); // "Delete for everyone?"
    await messages(b).getByText("This message was deleted.").waitFor({ timeout: STEP });
    expect(await messages(b).getByText("Oops, wrong group").count()).toBe(0);
  });

  it("keeps everything across a reload", { timeout: STEP }, async () => {
    const b = bob.page;
    await b.reload();
    await openGroup(b);
    await messages(b).getByText("Welcome, Bob!", { exact: true }).waitFor({ timeout: STEP });
    await messages(b).getByText("Hello from Bob", { exact: true }).waitFor();
    await openTab(b, "Events");
    await b.getByRole("link", { name: /General assembly/ }).click();
    expect(await b.getByRole("button", { name: "Going", exact: true }).getAttribute("aria-pressed")).toBe(
      "true",
    );
  });

  it("keeps a message written offline and delivers it on reconnect", { timeout: STEP * 2 }, async () => {
    const b = bob.page;
    await openTab(b, "Chat");
    await openTab(alice.page, "Chat");
    await bob.context.setOffline(true);
    try {
      await b
        .getByRole("banner")
        .getByRole("status")
        .filter({ hasText: "Offline" })
        .waitFor({ timeout: STEP });
      await send(b, "Written on the train");
      const pending = messages(b).getByRole("article").filter({ hasText: "Written on the train" });
      await pending.getByText("Waiting to send").waitFor({ timeout: STEP });
      // Nobody receives it while Bob is offline.
      await alice.page.waitForTimeout(3000);
      expect(await messages(alice.page).getByText("Written on the train").count()).toBe(0);
    } finally {
      await bob.context.setOffline(false);
    }
    await messages(alice.page)
      .getByText("Written on the train")
      .waitFor({ timeout: STEP * 2 });
    const mine = messages(b).getByRole("article").filter({ hasText: "Written on the train" });
    await mine.getByText("Waiting to send").waitFor({ state: "detached", timeout: STEP });
  });

  it("lets Alice edit and cancel the event, shows its fields as text, and Bob sees each change", {
    timeout: STEP * 2,
  }, async () => {
    const a = alice.page;
    await openTab(a, "Events");
    await a.getByRole("link", { name: /General assembly/ }).click();
    await a.getByRole("button", { name: "Edit" }).click();
    await a.getByLabel("Title").fill("General assembly (moved)");
    const place = `<img src=x onerror="window.__rallyPwned = 3">Hall B`;
    await a.getByLabel("Where").fill(place);
    await a.getByRole("button", { name: "Save changes" }).click();
    await a.getByRole("heading", { name: "General assembly (moved)" }).waitFor({ timeout: STEP });

    const b = bob.page;
    await openTab(b, "Events");
    await b.getByRole("link", { name: /General assembly \(moved\)/ }).click({ timeout: STEP });
    await b.getByText(place, { exact: true }).waitFor();
    expect(await b.locator("main img").count()).toBe(0);

    await a.getByRole("button", { name: "Cancel event" }).click();
    await a.getByRole("button", { name: "Cancel event" }).click(); // "Cancel this event for everyone?"
    await b.getByText("This event was cancelled.").waitFor({ timeout: STEP });
    expect(await b.getByRole("button", { name: "Going", exact: true }).count()).toBe(0);
    expect(
      await b.evaluate(() => (window as unknown as { __rallyPwned?: number }).__rallyPwned),
    ).toBeUndefined();
  });

  it("imports an event from a calendar file and shows it in the month", { timeout: STEP * 2 }, async () => {
    const a = alice.page;
    const day = new Date(Date.now() + 2 * 86_400_000);
    const ymd = day.toISOString().slice(0, 10).replaceAll("-", "");
    const ics = [
      "BEGIN:VCALENDAR",
      "VERSION:2.0",
      "PRODID:-//Example//Calendar//EN",
      "BEGIN:VEVENT",
      `UID:picnic-${ymd}@example.org`,
      "DTSTAMP:20260101T000000Z",
      `DTSTART:${ymd}T120000Z`,
      `DTEND:${ymd}T150000Z`,
      "SUMMARY:Picnic in the park",
      "LOCATION:Riverside park",
      "END:VEVENT",
      "END:VCALENDAR",
      "",
    ].join("\r\n");
    await openTab(a, "Events");
    await a.getByRole("button", { name: "List" }).click();
    await a.getByText("More", { exact: true }).click();
    await a.getByLabel("Import from a calendar file (.ics)").setInputFiles({
      name: "picnic.ics",
      mimeType: "text/calendar",
      buffer: Buffer.from(ics),
    });
    await a.getByText("Added 1 event: Picnic in the park").waitFor({ timeout: STEP });

    const b = bob.page;
    await openTab(b, "Events");
    await b.getByRole("button", { name: "Month" }).click();
    const now = new Date();
    if (day.getMonth() !== now.getMonth()) await b.getByRole("button", { name: "Next month" }).click();
    const cell = b.getByRole("button", { name: /, 1 event$/ });
    await cell.first().click({ timeout: STEP });
    await b.getByRole("link", { name: /Picnic in the park/ }).waitFor();
  });

  it("lets Carol join the same group from the terminal, and talk with the browsers", {
    timeout: STEP * 4,
  }, async () => {
    carolHome = fs.mkdtempSync(path.join(os.tmpdir(), "rally-carol-"));
    await rally(carolHome, ["account", "create", "--name", "Carol", "--relay", serve.relay]);
    await rally(carolHome, ["join", inviteLink]);
    let groups: { id: string; name: string }[] = [];
    const deadline = Date.now() + STEP * 2;
    while (Date.now() < deadline) {
      await rally(carolHome, ["sync"]);
      groups = await rally<{ id: string; name: string }[]>(carolHome, ["group", "list"]);
      if (groups.some((g) => g.name === GROUP)) break;
      await new Promise((r) => setTimeout(r, 2000));
    }
    const group = groups.find((g) => g.name === GROUP);
    expect(group, "Carol is in the group").toBeTruthy();
    await rally(carolHome, ["chat", "send", group!.id, "Hi from the terminal"]);
    await openTab(alice.page, "Chat");
    await openTab(bob.page, "Chat");
    await messages(alice.page).getByText("Hi from the terminal").waitFor({ timeout: STEP });
    await messages(bob.page).getByText("Hi from the terminal").waitFor({ timeout: STEP });
    // Carol joined after the earlier messages (MLS keeps those from newcomers); she reads what follows.
    await send(alice.page, "Welcome, Carol!");
    let texts: string[] = [];
    for (let i = 0; i < 30 && !texts.includes("Welcome, Carol!"); i++) {
      await rally(carolHome, ["sync"]);
      const list = await rally<{ text: string; author: string }[]>(carolHome, ["chat", "list", group!.id]);
      texts = list.map((m) => m.text);
      if (!texts.includes("Welcome, Carol!")) await new Promise((r) => setTimeout(r, 2000));
    }
    expect(texts).toEqual(expect.arrayContaining(["Hi from the terminal", "Welcome, Carol!"]));
    expect(texts).not.toContain("Hello from Bob");
  });

  it("threw no errors in either page", () => {
    expect(alice.errors).toEqual([]);
    expect(bob.errors).toEqual([]);
  });
});
