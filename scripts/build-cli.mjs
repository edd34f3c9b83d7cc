// Builds the `rally` command (which includes the relay) to JavaScript: apps/cli/dist/rally.js, one ESM
// bundle of Rally's own TypeScript (apps/cli, packages/*), with a source map for stack traces. Run by
// the root `postinstall` after scripts/patch-ts-mls.mjs; `npm run build:cli` runs it by hand.
//
// Installed packages stay outside the bundle and load from node_modules as they do from the sources:
// native ones (better-sqlite3), ts-mls (so the copy corrected by scripts/patch-ts-mls.mjs is the one
// that runs), and the rest. A package npm nested under one workspace (e.g.
// packages/protocol/node_modules/ts-mls) is imported by its path relative to the bundle, so the
// bundle loads the very copy the sources would.
//
// apps/cli/dist/build.json records the newest modification time among the sources; apps/cli/bin/rally.js
// runs the bundle only while that still matches (apps/cli/bin/freshness.js), so an edited source is
// never run from a stale build.
import { mkdirSync, renameSync, rmSync, writeFileSync } from "node:fs";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { CLI_SOURCES, newestSourceMtime } from "../apps/cli/bin/freshness.js";

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "..");
const cliDir = path.join(root, "apps/cli");
const dist = path.join(cliDir, "dist");

let esbuild;
try {
  esbuild = await import("esbuild");
} catch {
  // Without esbuild (it comes with tsx, which the CLI depends on) the command runs from its sources.
  console.log("esbuild is not installed: the rally command will run from its TypeScript sources");
  process.exit(0);
}

const rootModules = `${path.join(root, "node_modules")}${path.sep}`;

/** Installed packages stay external; one nested under a workspace is imported by its relative path. */
const externalPackages = {
  name: "external-packages",
  setup(b) {
    b.onResolve({ filter: /^[^./]/ }, async (args) => {
      if (args.path.startsWith("@rally/") || args.pluginData === "resolving") return undefined;
      if (args.path.startsWith("node:")) return { path: args.path, external: true };
      const resolved = await b.resolve(args.path, {
        kind: args.kind,
        resolveDir: args.resolveDir,
        importer: args.importer,
        pluginData: "resolving",
      });
      if (resolved.errors.length > 0 || resolved.external) return { path: args.path, external: true };
      if (
        resolved.path.startsWith(rootModules) ||
        !resolved.path.includes(`${path.sep}node_modules${path.sep}`)
      ) {
        // Node finds the same copy from apps/cli/dist (or it is a built-in module).
        return { path: args.path, external: true };
      }
      let rel = path.relative(dist, resolved.path).split(path.sep).join("/");
      if (!rel.startsWith(".")) rel = `./${rel}`;
      return { path: rel, external: true };
    });
  },
};

const started = Date.now();
const sourcesMtime = newestSourceMtime(root);
const staging = path.join(cliDir, `.dist-${process.pid}`);
rmSync(staging, { recursive: true, force: true });
mkdirSync(staging, { recursive: true });
try {
  await esbuild.build({
    entryPoints: { rally: path.join(cliDir, "src/main.ts") },
    outdir: staging,
    bundle: true,
    // What the sources import only when needed (the public pages' script builder and esbuild with
    // it, and each command group: apps/cli/src/main.ts) stays in its own file, loaded only then. Every
    // file sits in dist/ itself, where the relative paths to nested packages above hold.
    splitting: true,
    chunkNames: "[name]-[hash]",
    format: "esm",
    platform: "node",
    target: "node20",
    sourcemap: true,
    sourcesContent: false,
    legalComments: "none",
    logLevel: "warning",
    plugins: [externalPackages],
  });
  writeFileSync(
    path.join(staging, "build.json"),
    `${JSON.stringify({ sourcesMtime, sources: CLI_SOURCES, builtAt: new Date().toISOString() }, null, 2)}\n`,
  );
  // Replace the old build in one step, so a process starting meanwhile sees one whole build or none.
  const retired = path.join(cliDir, `.dist-old-${process.pid}`);
  rmSync(retired, { recursive: true, force: true });
  try {
    renameSync(dist, retired);
  } catch {}
  renameSync(staging, dist);
  rmSync(retired, { recursive: true, force: true });
} finally {
  rmSync(staging, { recursive: true, force: true });
}
console.log(`rally command built to apps/cli/dist in ${Date.now() - started} ms`);
