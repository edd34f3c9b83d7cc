// A copied browser profile gives nothing away: Chromium runs with a profile directory of its own
// against a real `rally serve`; a person makes an account with a passphrase, a group and a chat
// message, locks Rally and closes the browser. Then every file under the profile directory
// (IndexedDB's LevelDB tables and logs, caches, session files, everything) is read and searched for
// the message, the group's name and the person's name, as UTF-8 and as UTF-16LE: none may appear.
// A second person sets the passphrase only after writing, so what was stored before it is scanned too.
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { type BrowserContext, chromium, type Page } from "playwright-core";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { answerWordCheck, CHROMIUM, CHROMIUM_FLAGS, readRecoveryWords } from "../e2e/helpers/browser.ts";
import { type ServeHandle, startServe } from "../e2e/helpers/serve.ts";

const STEP = 90_000; // scrypt, MLS and relay round trips in a busy browser: generous, never asserted on.
const PASSPHRASE = "copper kettle on the windowsill";

let serve: ServeHandle;
const profiles: string[] = [];

beforeAll(async () => {
  serve = await startServe();
}, 300_000);

afterAll(async () => {
  await serve?.stop();
  for (const dir of profiles) fs.rmSync(dir, { recursive: true, force: true });
});

/** Chromium on a profile directory that stays on disk after the browser closes. */
async function openProfile(): Promise<{
  dir: string;
  context: BrowserContext;
  page: Page;
  errors: string[];
}> {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), "rally-profile-scan-"));
  profiles.push(dir);
  const context = await chromium.launchPersistentContext(dir, {
    executablePath: CHROMIUM,
    headless: true,
    args: CHROMIUM_FLAGS,
  });
  const page = context.pages()[0] ?? (await context.newPage());
  const errors: string[] = [];
  page.on("pageerror", (e) => errors.push(e.message));
  return { dir, context, page, errors };
}

/** Onboarding with the words checked; the passphrase set there, or skipped. */
async function onboard(page: Page, name: string, passphrase: string | null): Promise<void> {
  await page.getByLabel("What should people call you?").fill(name);
  await page.getByRole("button", { name: "Continue" }).click();
  const words = await readRecoveryWords(page);
  await page.getByRole("button", { name: "I've written them down" }).click();
  await answerWordCheck(page, words);
  if (passphrase === null) {
    await page.getByRole("button", { name: "Start using Rally" }).click();
  } else {
    await page.getByRole("button", { name: "Add a passphrase" }).click();
    await page.getByLabel("Passphrase", { exact: true }).fill(passphrase);
    await page.getByLabel("Type it again").fill(passphrase);
    await page.getByRole("button", { name: "Set passphrase" }).click();
  }
  await page.getByRole("heading", { name: "Groups" }).waitFor({ timeout: STEP });
}

async function groupWithMessage(page: Page, group: string, message: string): Promise<void> {
  await page.getByRole("link", { name: "New group" }).first().click();
  await page.getByLabel("Group name").fill(group);
  await page.getByRole("button", { name: "Create group" }).click();
  await page.getByRole("heading", { level: 1, name: group }).waitFor({ timeout: STEP });
  await page.getByRole("navigation", { name: "Group sections" }).getByRole("link", { name: "Chat" }).click();
  await page.getByLabel("Message", { exact: true }).fill(message);
  await page.getByRole("button", { name: "Send" }).click();
  await page
    .getByRole("log", { name: `Messages in ${group}` })
    .getByText(message, { exact: true })
    .waitFor({ timeout: STEP });
}

function filesUnder(dir: string): string[] {
  const out: string[] = [];
  for (const entry of fs.readdirSync(dir, { withFileTypes: true })) {
    const full = path.join(dir, entry.name);
    if (entry.isDirectory()) out.push(...filesUnder(full));
    else if (entry.isFile()) out.push(full);
  }
  return out;
}

/** Where each secret appears in the profile's files, as UTF-8 or UTF-16LE ("file: secret (encoding)"). */
function scan(dir: string, secrets: readonly string[]): { files: number; bytes: number; found: string[] } {
  const needles = secrets.flatMap((s) => [
    { label: `${s} (UTF-8)`, bytes: Buffer.from(s, "utf8") },
    { label: `${s} (UTF-16LE)`, bytes: Buffer.from(s, "utf16le") },
  ]);
  const found: string[] = [];
  let bytes = 0;
  const files = filesUnder(dir);
  for (const file of files) {
    const content = fs.readFileSync(file);
    bytes += content.length;
    for (const needle of needles) {
      if (content.includes(needle.bytes)) found.push(`${path.relative(dir, file)}: ${needle.label}`);
    }
  }
  return { files: files.length, bytes, found };
}

describe("a copy of the browser profile of a locked device", () => {
  it("holds neither the message, the group's name nor the person's name", { timeout: STEP * 4 }, async () => {
    const name = "Quintessa Marlowbrook";
    const group = "Zephyrine Orchard Council";
    const message = "The heron flies at quarter past nine, bring the blue lanterns";
    const { dir, context, page, errors } = await openProfile();
    try {
      await page.goto(serve.url);
      await onboard(page, name, PASSPHRASE);
      await groupWithMessage(page, group, message);
      await page.getByRole("banner").getByRole("button", { name: "Lock Rally now" }).click();
      await page.getByRole("heading", { level: 1, name: "Rally is locked" }).waitFor({ timeout: STEP });
      expect(errors).toEqual([]);
    } finally {
      await context.close();
    }
    const result = scan(dir, [message, group, name]);
    expect(result.files).toBeGreaterThan(0);
    expect(filesUnder(dir).some((f) => f.includes("IndexedDB"))).toBe(true);
    expect(result.found).toEqual([]);
  });

  it("holds none of them either when the passphrase was set only after they were written", {
    timeout: STEP * 4,
  }, async () => {
    const name = "Ottoline Vasquarre";
    const group = "Brambleford Night Kitchen";
    const message = "Meet behind the bakery where the yellow bicycle leans";
    const { dir, context, page, errors } = await openProfile();
    try {
      await page.goto(serve.url);
      await onboard(page, name, null);
      await groupWithMessage(page, group, message);
      await page.getByRole("navigation", { name: "Places" }).getByRole("link", { name: "Settings" }).click();
      await page.getByRole("button", { name: "Set a passphrase" }).click();
      await page.getByLabel("Passphrase", { exact: true }).fill(PASSPHRASE);
      await page.getByLabel("Type it again").fill(PASSPHRASE);
      await page.getByRole("button", { name: "Save passphrase" }).click();
      await page.getByText("Passphrase saved.").waitFor({ timeout: STEP });
      await page.getByRole("banner").getByRole("button", { name: "Lock Rally now" }).click();
      await page.getByRole("heading", { level: 1, name: "Rally is locked" }).waitFor({ timeout: STEP });
      expect(errors).toEqual([]);
    } finally {
      await context.close();
    }
    expect(scan(dir, [message, group, name]).found).toEqual([]);
  });
});
