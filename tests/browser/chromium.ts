/**
 * Test harness for running code in real Chromium: bundles a TypeScript entry with esbuild, serves
 * it on 127.0.0.1 (ephemeral port) as a page, and opens it in Debian's Chromium driven by
 * playwright-core with a fresh profile directory. Cleans everything up in `close()`.
 *
 * Runs in: Node (tests).
 */
import { existsSync, mkdtempSync, rmSync } from "node:fs";
import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { build } from "esbuild";
import { type BrowserContext, chromium, type Page } from "playwright-core";

export const CHROMIUM = "/usr/bin/chromium";

export const CHROMIUM_ARGS = [
  "--headless",
  "--no-sandbox",
  "--disable-gpu",
  "--disable-quic",
  "--no-first-run",
  "--disable-background-networking",
  "--disable-component-update",
  "--disable-sync",
];

export interface BrowserPage {
  page: Page;
  url: string;
  /** What the page printed to its console and any uncaught errors, for failure messages. */
  logs: string[];
  close(): Promise<void>;
}

/** Bundles `entry` for the browser and returns the JavaScript. */
export async function bundle(entry: string): Promise<string> {
  const result = await build({
    entryPoints: [entry],
    bundle: true,
    format: "esm",
    platform: "browser",
    target: "chrome120",
    write: false,
    sourcemap: "inline",
    logLevel: "silent",
  });
  const out = result.outputFiles[0];
  if (!out) throw new Error(`esbuild produced nothing for ${entry}`);
  return out.text;
}

/** Serves a page running `script` and opens it in Chromium. Throws if Chromium is not installed. */
export async function openScriptPage(script: string): Promise<BrowserPage> {
  if (!existsSync(CHROMIUM)) {
    throw new Error(`${CHROMIUM} is missing: install Debian's chromium package (npm test does it)`);
  }
  const html = `<!doctype html><meta charset="utf-8"><title>Rally test page</title><script type="module" src="/main.js"></script>`;
  const server: Server = createServer((req, res) => {
    if (req.url === "/main.js") {
      res.writeHead(200, { "content-type": "text/javascript; charset=utf-8" });
      res.end(script);
    } else if (req.url === "/" || req.url === "/index.html") {
      res.writeHead(200, { "content-type": "text/html; charset=utf-8" });
      res.end(html);
    } else {
      res.writeHead(404).end();
    }
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/`;
  const profile = mkdtempSync(join(tmpdir(), "rally-chromium-profile-"));
  let context: BrowserContext | undefined;
  const cleanup = async () => {
    await context?.close().catch(() => {});
    await new Promise<void>((resolve) => server.close(() => resolve()));
    rmSync(profile, { recursive: true, force: true });
  };
  try {
    context = await chromium.launchPersistentContext(profile, {
      executablePath: CHROMIUM,
      headless: true,
      args: CHROMIUM_ARGS,
    });
    const page = context.pages()[0] ?? (await context.newPage());
    const logs: string[] = [];
    page.on("console", (m) => logs.push(`${m.type()}: ${m.text()}`));
    page.on("pageerror", (e) => logs.push(`pageerror: ${e.message}`));
    await page.goto(url);
    return { page, url, logs, close: cleanup };
  } catch (e) {
    await cleanup();
    throw e;
  }
}
