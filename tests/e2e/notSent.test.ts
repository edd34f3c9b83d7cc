// A message every relay refused, in the web app, against real relays: Cat (terminal) makes a group
// whose relay takes no event over 10 kB (`rally relay --max-event-bytes`) and an invite link; Ana
// (browser, on a `rally serve` node) joins through it. Her short message goes out; her long one is
// refused ("event too large") and her chat shows it "Not sent · Retry". With the relay down she
// presses Retry: the message waits to send. The relay comes back without the limit (same data, same
// port): the message goes out, no longer marked, and Cat reads it in her terminal.
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import type { Browser, BrowserContext, Page } from "playwright-core";
import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest";
import { type RelayHandle, startRelay } from "../helpers/relay.ts";
import { launchChromium, onboard, person } from "./helpers/browser.ts";
import { rally } from "./helpers/cli.ts";
import { repoRoot, type ServeHandle, startServe } from "./helpers/serve.ts";

const GROUP = "Book Circle";
const STEP = 90_000; // MLS and relay round trips in a busy browser: generous, never asserted on.
/** Above what setting up a group sends (under 5 kB), below a long message (over 20 kB sealed). */
const MAX_EVENT_BYTES = "10000";
const SHORT = "Next book: anything with a map in it";
const LONG = `Minutes of the last meeting: ${"we read a lot. ".repeat(400)}The end.`;

let serve: ServeHandle;
let relay: RelayHandle;
let relayPort = 0;
let relayData = "";
let browser: Browser;
let ana: { context: BrowserContext; page: Page; errors: string[] };
let catHome = "";
let groupId = "";

function messages(page: Page) {
  return page.getByRole("log", { name: `Messages in ${GROUP}` });
}

function longMessage(page: Page) {
  return messages(page).getByRole("article").filter({ hasText: "Minutes of the last meeting" });
}

/** Cat's messages (her device syncs between tries) until `done` holds. */
async function catTexts(done: (texts: string[]) => boolean): Promise<string[]> {
  let texts: string[] = [];
  const deadline = Date.now() + STEP * 2;
  while (Date.now() < deadline) {
    await rally(catHome, ["sync"]);
    const list = await rally<{ text: string }[]>(catHome, ["chat", "list", groupId, "--offline"]);
    texts = list.map((m) => m.text);
    if (done(texts)) break;
    await new Promise((r) => setTimeout(r, 2000));
  }
  return texts;
}

beforeAll(async () => {
  serve = await startServe();
  relay = await startRelay({ args: ["--max-event-bytes", MAX_EVENT_BYTES], keepData: true });
  relayPort = Number(new URL(relay.url).port);
  relayData = relay.dataDir;
  browser = await launchChromium();
  ana = await person(browser);
  catHome = fs.mkdtempSync(path.join(os.tmpdir(), "rally-cat-"));
});

afterEach(async (context) => {
  if (context.task.result?.state !== "fail" || !ana) return;
  const dir = path.join(repoRoot, "test-results", "e2e");
  fs.mkdirSync(dir, { recursive: true });
  const slug = context.task.name.replace(/[^a-z0-9]+/gi, "-").slice(0, 60);
  await ana.page.screenshot({ path: path.join(dir, `not-sent-${slug}-ana.png`) }).catch(() => {});
});

afterAll(async () => {
  await browser?.close();
  await serve?.stop();
  await relay?.stop();
  if (relayData) fs.rmSync(relayData, { recursive: true, force: true });
  if (catHome) fs.rmSync(catHome, { recursive: true, force: true });
});

describe("a message every relay refused, in the web app", () => {
  it("Ana joins Cat's group, whose relay takes no large event", { timeout: STEP * 4 }, async () => {
    await rally(catHome, ["account", "create", "--name", "Cat Cedar", "--relay", serve.relay]);
    const group = await rally<{ id: string }>(catHome, ["group", "create", GROUP, "--relay", relay.url]);
    groupId = group.id;
    const link = await rally<{ url: string }>(catHome, ["group", "link", groupId]);
    const a = ana.page;
    // The link's secret after "#", opened in the app on Ana's node.
    await a.goto(`${serve.url}/#${link.url.split("#")[1]}`);
    await onboard(a, "Ana Alder");
    // Cat's device lets her in when it syncs.
    const deadline = Date.now() + STEP * 2;
    const heading = a.getByRole("heading", { level: 1, name: GROUP, exact: true });
    while (Date.now() < deadline && !(await heading.isVisible())) {
      await rally(catHome, ["sync"]);
      await heading.waitFor({ timeout: 3000 }).catch(() => {});
    }
    await heading.waitFor({ timeout: STEP });
  });

  it("a long message is refused and shows Not sent · Retry; a short one goes out", {
    timeout: STEP * 3,
  }, async () => {
    const a = ana.page;
    await a.getByLabel("Message", { exact: true }).fill(SHORT);
    await a.getByRole("button", { name: "Send" }).click();
    expect(await catTexts((t) => t.includes(SHORT))).toContain(SHORT);

    await a.getByLabel("Message", { exact: true }).fill(LONG);
    await a.getByRole("button", { name: "Send" }).click();
    const row = longMessage(a);
    await row.locator(".send-state").getByText("Not sent").waitFor({ timeout: STEP });
    await row.getByRole("button", { name: "Retry" }).waitFor();
    const short = messages(a).getByRole("article").filter({ hasText: SHORT });
    expect(await short.locator(".send-state").count()).toBe(0);
  });

  it("Retry: waiting to send while the relay is down, then sent once it takes the message", {
    timeout: STEP * 4,
  }, async () => {
    const a = ana.page;
    const row = longMessage(a);
    await relay.stop();
    await row.getByRole("button", { name: "Retry" }).click();
    await row.locator(".send-state").getByText("Waiting to send").waitFor({ timeout: STEP });
    expect(await row.getByRole("button", { name: "Retry" }).count()).toBe(0);

    relay = await startRelay({ dataDir: relayData, port: relayPort, keepData: true });
    await row.locator(".send-state").waitFor({ state: "detached", timeout: STEP * 2 });
    await expect(catTexts((t) => t.includes(LONG))).resolves.toContain(LONG);
  });

  it("threw no errors in the page", () => {
    expect(ana.errors).toEqual([]);
  });
});
