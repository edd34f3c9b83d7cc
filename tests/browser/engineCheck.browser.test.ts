// The web app's engine refuses to open on an MLS library whose single removals carry no
// UpdatePath (review finding F16), in real Chromium. The browser client is bundled twice: with the
// installed ts-mls (it opens) and with a copy whose install-time removal correction is undone, as a
// bundler resolving another copy would do (it refuses, with the reason the app's error screen shows).
// Fails, rather than skips, when Chromium is missing: `npm test` installs it.
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { build, type Plugin } from "esbuild";
import { afterAll, describe, expect, it } from "vitest";
import { type BrowserPage, openScriptPage } from "./chromium.ts";

const repoRoot = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "../..");
const entry = fileURLToPath(new URL("./engineCheckPage.ts", import.meta.url));
const installed = [
  path.join(repoRoot, "packages/protocol/node_modules/ts-mls"),
  path.join(repoRoot, "node_modules/ts-mls"),
].find((d) => fs.existsSync(path.join(d, "package.json")));

/** scripts/patch-ts-mls.mjs, first patch: the corrected code and the code as published. */
const CORRECTED = `            Object.values(grouped[defaultProposalTypes.update]).length > 0 ||
            Object.values(grouped[defaultProposalTypes.remove]).length > 0;`;
const ORIGINAL = `            Object.values(grouped[defaultProposalTypes.update]).length > 1 ||
            Object.values(grouped[defaultProposalTypes.remove]).length > 1;`;

const tmp = fs.mkdtempSync(path.join(os.tmpdir(), "rally-engine-check-"));
const pages: BrowserPage[] = [];

afterAll(async () => {
  for (const p of pages) await p.close();
  fs.rmSync(tmp, { recursive: true, force: true });
});

/** Resolves `ts-mls` to `copy`; the copy's own dependencies resolve as from the installed one. */
function useCopy(copy: string, from: string): Plugin {
  return {
    name: "ts-mls-copy",
    setup(b) {
      b.onResolve({ filter: /^ts-mls$/ }, () => ({ path: path.join(copy, "dist/src/index.js") }));
      b.onResolve({ filter: /^[^./]/ }, (args) => {
        if (!args.importer.startsWith(copy) || args.pluginData === "copy") return undefined;
        return b.resolve(args.path, { kind: args.kind, resolveDir: from, pluginData: "copy" });
      });
    },
  };
}

async function openWith(
  undoCorrection: boolean,
): Promise<{ opened: boolean; name?: string; message?: string }> {
  if (!installed) throw new Error("ts-mls is not installed");
  const copy = path.join(tmp, undoCorrection ? "uncorrected" : "unchanged", "ts-mls");
  fs.cpSync(installed, copy, { recursive: true });
  if (undoCorrection) {
    const file = path.join(copy, "dist/src/clientState.js");
    const source = fs.readFileSync(file, "utf8");
    if (!source.includes(CORRECTED))
      throw new Error("the installed ts-mls does not carry the removal correction");
    fs.writeFileSync(file, source.replace(CORRECTED, ORIGINAL));
  }
  const result = await build({
    entryPoints: [entry],
    bundle: true,
    format: "esm",
    platform: "browser",
    target: "chrome120",
    write: false,
    logLevel: "silent",
    // Optional post-quantum and X448 back ends ts-mls loads on demand; Rally's ciphersuite never does.
    external: ["@hpke/dhkem-x448", "@hpke/ml-kem", "@hpke/hybridkem-x-wing", "@noble/post-quantum/*"],
    plugins: [useCopy(copy, path.join(installed, "dist/src"))],
  });
  const script = result.outputFiles[0]?.text;
  if (!script) throw new Error("esbuild produced nothing");
  const page = await openScriptPage(script);
  pages.push(page);
  await page.page.waitForFunction(() => "rallyOpen" in window);
  return page.page.evaluate(() => window.rallyOpen);
}

describe("the browser engine checks its MLS library before opening", { timeout: 180_000 }, () => {
  it("refuses to open on a ts-mls whose single removal commits carry no UpdatePath", async () => {
    const r = await openWith(true);
    expect(r.opened).toBe(false);
    expect(r.name).toBe("MlsEngineError");
    expect(r.message).toMatch(/remov/i);
  });

  it("opens with the same bundling on an unchanged copy", async () => {
    const r = await openWith(false);
    expect(r, pages.at(-1)?.logs.join("\n")).toEqual({ opened: true });
  });
});
