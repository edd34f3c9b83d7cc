// Whether apps/cli/dist (scripts/build-cli.mjs) was built from the sources as they are now. The
// build records the newest modification time among its sources (files and folders, so an added or
// removed file counts too); a different newest time now means something changed since. Plain
// JavaScript because it runs before anything is compiled.
import fs from "node:fs";
import path from "node:path";

/** What the bundle is made from, relative to the repository root. */
export const CLI_SOURCES = [
  "apps/cli/src",
  "apps/cli/buildtools",
  "apps/cli/package.json",
  "packages/protocol/src",
  "packages/protocol/package.json",
  "packages/client/src",
  "packages/client/package.json",
  "packages/relay/src",
  "packages/relay/package.json",
  "scripts/build-cli.mjs",
  "apps/cli/bin/freshness.js",
];

function newestMtime(p) {
  let stat;
  try {
    stat = fs.statSync(p);
  } catch {
    return 0;
  }
  let newest = stat.mtimeMs;
  if (!stat.isDirectory()) return newest;
  for (const entry of fs.readdirSync(p, { withFileTypes: true })) {
    if (entry.name === "node_modules" || entry.name.startsWith(".")) continue;
    newest = Math.max(newest, newestMtime(path.join(p, entry.name)));
  }
  return newest;
}

/** The newest modification time among the CLI's sources, in milliseconds. */
export function newestSourceMtime(root) {
  return Math.max(...CLI_SOURCES.map((p) => newestMtime(path.join(root, p))));
}

/** True when apps/cli/dist holds a build of the sources as they are now. */
export function distIsCurrent(root) {
  let recorded;
  try {
    recorded = JSON.parse(fs.readFileSync(path.join(root, "apps/cli/dist/build.json"), "utf8")).sourcesMtime;
  } catch {
    return false;
  }
  return typeof recorded === "number" && recorded === newestSourceMtime(root);
}
