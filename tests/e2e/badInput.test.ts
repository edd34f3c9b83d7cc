// Two kinds of bad input in the web app, against a real `rally serve`:
//
// - An invite link damaged on its way (a character of its secret changed, cut short, a character
//   outside base64url, a wrong check) is refused on the join screen in the same words as the
//   `rally` command, once, and nothing reaches the relay; the undamaged link then goes out.
// - An event time the clocks skip (Berlin, 28 March 2027, 2:00 → 3:00) is refused next to its field
//   and not saved until it is changed; a time they show twice (New York, 7 November 2027, 1:30) is
//   taken as the first, and the field says so.
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import Database from "better-sqlite3";
import type { Browser, BrowserContext, Page } from "playwright-core";
import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest";
import { chooseTimeZone, launchChromium, onboard, person } from "./helpers/browser.ts";
import { rally } from "./helpers/cli.ts";
import { repoRoot, type ServeHandle, startServe } from "./helpers/serve.ts";

const STEP = 90_000; // MLS and relay round trips in a busy browser: generous, never asserted on.
const HOST_GROUP = "Tool Library";
const GROUP = "Night Bus Campaign";
const DAMAGED = "This invite link is damaged (a character was changed or lost). Ask for the link again.";
const GAP =
  "2:30 on 28 March 2027 does not exist in Europe/Berlin (clocks go forward from 2:00 to 3:00). Use 3:30 (or 1:30).";
const OVERLAP =
  "1:30 on 7 November 2027 happens twice in America/New_York (clocks go back from 2:00 to 1:00). Taken as the first 1:30, before the clocks go back.";

let serve: ServeHandle;
let browser: Browser;
let ana: { context: BrowserContext; page: Page; errors: string[] };
let hostHome = "";

/** Gift wraps (kind 1059) the relay holds for `pubkey`, read from its database file. */
function wrapsFor(pubkey: string): number {
  const db = new Database(path.join(serve.dataDir, "events.sqlite"), { readonly: true, fileMustExist: true });
  try {
    const row = db
      .prepare("SELECT count(*) AS n FROM tags WHERE name = 'p' AND value = ? AND kind = 1059")
      .get(pubkey) as { n: number };
    return row.n;
  } finally {
    db.close();
  }
}

/** The text an input is described by (its hint and error, through aria-describedby). */
async function descriptionOf(page: Page, label: string): Promise<string> {
  return page.getByLabel(label, { exact: true }).evaluate((input) =>
    (input.getAttribute("aria-describedby") ?? "")
      .split(" ")
      .filter(Boolean)
      .map((id) => document.getElementById(id)?.textContent ?? "")
      .join(" "),
  );
}

async function openEvents(page: Page): Promise<void> {
  await page
    .getByRole("navigation", { name: "Group sections" })
    .getByRole("link", { name: "Events" })
    .click();
}

beforeAll(async () => {
  serve = await startServe({ keepData: true });
  browser = await launchChromium();
  ana = await person(browser);
  hostHome = fs.mkdtempSync(path.join(os.tmpdir(), "rally-e2e-host-"));
  await rally(hostHome, ["account", "create", "--name", "Hal Host", "--relay", serve.relay]);
  await rally(hostHome, ["group", "create", HOST_GROUP]);
}, 600_000);

afterEach(async (context) => {
  if (context.task.result?.state !== "fail" || !ana) return;
  const dir = path.join(repoRoot, "test-results", "e2e");
  fs.mkdirSync(dir, { recursive: true });
  const slug = context.task.name.replace(/[^a-z0-9]+/gi, "-").slice(0, 60);
  await ana.page.screenshot({ path: path.join(dir, `bad-input-${slug}.png`) }).catch(() => {});
});

afterAll(async () => {
  await browser?.close();
  await serve?.stop();
  fs.rmSync(serve?.dataDir ?? "", { recursive: true, force: true });
  if (hostHome) fs.rmSync(hostHome, { recursive: true, force: true });
});

describe("bad input in the web app", () => {
  it("a damaged invite link is refused on the join screen, and nothing is sent", {
    timeout: STEP * 8,
  }, async () => {
    const link = await rally<{ id: string; url: string }>(hostHome, [
      "group",
      "link",
      HOST_GROUP,
      "--approve",
    ]);
    const a = ana.page;
    await a.goto(serve.url);
    await onboard(a, "Ana Ash");
    await a.getByRole("link", { name: "New group" }).first().waitFor({ timeout: STEP });

    const start = link.url.indexOf("#join=") + "#join=".length;
    const origin = link.url.slice(0, start);
    const payload = link.url.slice(start);
    // Payload characters 46–65 carry only the link's secret.
    const changed = `${payload.slice(0, 50)}${payload[50] === "Q" ? "R" : "Q"}${payload.slice(51)}`;
    const bytes = Buffer.from(payload, "base64url");
    bytes[bytes.length - 1] = bytes[bytes.length - 1]! ^ 0x01;
    const damagedLinks = [
      `${origin}${changed}`,
      `${origin}${payload.slice(0, -3)}`,
      `${origin}${payload.slice(0, 40)}!${payload.slice(41)}`,
      `${origin}${bytes.toString("base64url")}`,
    ];
    for (const damaged of damagedLinks) {
      await a.goto(damaged);
      await a.getByRole("alert").filter({ hasText: DAMAGED }).waitFor({ timeout: STEP });
      // Said once: no "keeps trying", no waiting for the group.
      expect(await a.getByText("Rally keeps trying").count()).toBe(0);
      expect(await a.getByText("Waiting for the group to let you in").count()).toBe(0);
      await a.getByRole("button", { name: "Forget this link" }).click();
      await a.getByRole("link", { name: "New group" }).first().waitFor({ timeout: STEP });
    }

    // The undamaged link goes out, and the host sees Ana asking: the browser's sending works.
    await a.goto(link.url);
    await a.getByText("Waiting for the group to let you in").waitFor({ timeout: STEP });
    await expect
      .poll(
        async () =>
          (await rally<{ name: string }[]>(hostHome, ["group", "requests", HOST_GROUP])).map((r) => r.name),
        { timeout: STEP * 2, interval: 2_000 },
      )
      .toEqual(["Ana Ash"]);
    // Exactly one join request reached the relay for this link: none from the damaged ones.
    expect(wrapsFor(link.id)).toBe(1);
    expect(ana.errors).toEqual([]);
  });

  it("a start time the clocks skip is refused next to the field and not saved; a repeated time is taken as the first", {
    timeout: STEP * 8,
  }, async () => {
    const a = ana.page;
    await a.goto(serve.url);
    await a.getByRole("link", { name: "New group" }).first().click();
    await a.getByLabel("Group name").fill(GROUP);
    await a.getByRole("button", { name: "Create group" }).click();
    await a.getByRole("heading", { level: 1, name: GROUP }).waitFor({ timeout: STEP });
    await openEvents(a);

    await a.getByRole("link", { name: "New event" }).click();
    await a.getByLabel("Title").fill("First night bus");
    await chooseTimeZone(a, "Europe/Berlin");
    await a.getByLabel("Starts").fill("2027-03-28T02:30");
    await a.getByLabel("Ends").fill("2027-03-28T04:30");
    await a.getByText(GAP).waitFor({ timeout: STEP });
    expect(await descriptionOf(a, "Starts")).toBe(GAP);
    expect(await descriptionOf(a, "Ends")).toBe("");
    await a.getByRole("button", { name: "Create event" }).click();
    await a
      .getByRole("alert")
      .filter({ hasText: "Change the start: that time does not exist in Europe/Berlin." })
      .waitFor({ timeout: STEP });
    await a.getByRole("heading", { name: "New event" }).waitFor();

    // The time meant: the message goes, and the event is saved once.
    await a.getByLabel("Starts").fill("2027-03-28T03:30");
    await a.getByLabel("Ends").fill("2027-03-28T05:30");
    expect(await a.getByText(GAP).count()).toBe(0);
    await a.getByRole("button", { name: "Create event" }).click();
    await a.getByRole("heading", { name: "First night bus" }).waitFor({ timeout: STEP });
    await a.getByText(/03:30 – 05:30 in Europe\/Berlin/).waitFor({ timeout: STEP });
    await openEvents(a);
    await a
      .getByRole("link", { name: /First night bus/ })
      .first()
      .waitFor({ timeout: STEP });
    expect(await a.getByRole("link", { name: /First night bus/ }).count()).toBe(1);

    // 1:30 happens twice in New York on 7 November 2027: the first (EDT, 05:30 UTC) is taken.
    await a.getByRole("link", { name: "New event" }).click();
    await a.getByLabel("Title").fill("Last late bus");
    await chooseTimeZone(a, "America/New_York");
    await a.getByLabel("Starts").fill("2027-11-07T01:30");
    await a.getByLabel("Ends").fill("2027-11-07T03:00");
    await a.getByText(OVERLAP).waitFor({ timeout: STEP });
    expect(await descriptionOf(a, "Starts")).toBe(OVERLAP);
    await a.getByRole("button", { name: "Create event" }).click();
    await a.getByRole("heading", { name: "Last late bus" }).waitFor({ timeout: STEP });
    // Ana's own clock (London, GMT by then) shows the first 1:30 as 05:30; the second would be 06:30.
    await a.getByText(/Sun, 7 Nov 2027, 05:30 – 08:00/).waitFor({ timeout: STEP });
    await a.getByText(/01:30 – 03:00 in America\/New York/).waitFor({ timeout: STEP });
    expect(ana.errors).toEqual([]);
  });
});
