/**
 * The `rally` command refuses to run on an MLS library whose single removals carry no UpdatePath
 * (review finding F16): the install hook that corrects ts-mls can be skipped (`npm ci
 * --ignore-scripts`), or a bundler can resolve another copy. Here the CLI process is made to load
 * such a copy — ts-mls copied out of node_modules with the correction undone, and a Node module
 * hook resolving `ts-mls` to it — and refuses to create an account, in plain words, with a non-zero
 * exit. The same hook pointing at an unchanged copy lets the same command through, so it is the
 * library's behaviour that is refused, not the hook.
 */
import fs from "node:fs";
import path from "node:path";
import { fileURLToPath, pathToFileURL } from "node:url";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { rally, tempRoot } from "./support.ts";

const repoRoot = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "../..");
/** The copy packages/protocol resolves (nested first, as Node resolves it). */
const installed = [
  path.join(repoRoot, "packages/protocol/node_modules/ts-mls"),
  path.join(repoRoot, "node_modules/ts-mls"),
].find((d) => fs.existsSync(path.join(d, "package.json")));

/** The install-time correction (scripts/patch-ts-mls.mjs, first patch) and the original code. */
const CORRECTED = `            Object.values(grouped[defaultProposalTypes.update]).length > 0 ||
            Object.values(grouped[defaultProposalTypes.remove]).length > 0;`;
const ORIGINAL = `            Object.values(grouped[defaultProposalTypes.update]).length > 1 ||
            Object.values(grouped[defaultProposalTypes.remove]).length > 1;`;

let root: string;

/**
 * Copies ts-mls to `<root>/<name>/ts-mls` (optionally with the removal correction undone) and
 * writes a module hook that makes every `import "ts-mls"` load that copy; returns NODE_OPTIONS.
 */
function libraryCopy(name: string, undoCorrection: boolean): string {
  if (!installed) throw new Error("ts-mls is not installed");
  const dir = path.join(root, name);
  const copy = path.join(dir, "ts-mls");
  fs.cpSync(installed, copy, { recursive: true });
  if (undoCorrection) {
    const file = path.join(copy, "dist/src/clientState.js");
    const source = fs.readFileSync(file, "utf8");
    if (!source.includes(CORRECTED))
      throw new Error("the installed ts-mls does not carry the removal correction");
    fs.writeFileSync(file, source.replace(CORRECTED, ORIGINAL));
  }
  const copyRoot = `${pathToFileURL(copy).href}/`;
  const copyIndex = pathToFileURL(path.join(copy, "dist/src/index.js")).href;
  const realIndex = pathToFileURL(path.join(installed, "dist/src/index.js")).href;
  // Bare imports made inside the copy (its own dependencies) resolve as from the installed one.
  fs.writeFileSync(
    path.join(dir, "hooks.mjs"),
    `export async function resolve(specifier, context, next) {
  if (specifier === "ts-mls") return { url: ${JSON.stringify(copyIndex)}, shortCircuit: true };
  if (context.parentURL?.startsWith(${JSON.stringify(copyRoot)}) && !/^(\\.|\\/|node:|file:|data:)/.test(specifier))
    return next(specifier, { ...context, parentURL: ${JSON.stringify(realIndex)} });
  return next(specifier, context);
}
`,
  );
  fs.writeFileSync(
    path.join(dir, "register.mjs"),
    `import { register } from "node:module";\nregister("./hooks.mjs", import.meta.url);\n`,
  );
  return `--import ${pathToFileURL(path.join(dir, "register.mjs")).href}`;
}

beforeAll(() => {
  root = tempRoot("rally-cli-engine-");
});

afterAll(() => {
  fs.rmSync(root, { recursive: true, force: true });
});

describe("the MLS engine is checked before any command uses it", { timeout: 120_000 }, () => {
  it("refuses to run on a ts-mls whose single removal commits carry no UpdatePath", async () => {
    const env = { NODE_OPTIONS: libraryCopy("uncorrected", true), RALLY_FROM_SOURCES: "1" };
    const home = path.join(root, "home-refused");
    const r = await rally(["account", "create", "--name", "Ada", "--home", home, "--json"], { env });
    expect(r.code).not.toBe(0);
    const { error } = JSON.parse(r.stdout) as { error: string };
    expect(error).toMatch(/remov/i);
    expect(r.stderr).toContain(error);
    // Nothing was created: the same home, with the installed library, still has no account.
    const shown = await rally(["account", "show", "--home", home, "--json"]);
    expect(shown.stdout).not.toContain("Ada");
  });

  it("runs the same command through the same hook on an unchanged copy", async () => {
    const env = { NODE_OPTIONS: libraryCopy("unchanged", false), RALLY_FROM_SOURCES: "1" };
    const home = path.join(root, "home-ok");
    const r = await rally(
      ["account", "create", "--name", "Ada", "--relay", "ws://127.0.0.1:9", "--home", home, "--json"],
      { env },
    );
    expect(r.code, r.stderr).toBe(0);
    expect((JSON.parse(r.stdout) as { name: string }).name).toBe("Ada");
  });
});
