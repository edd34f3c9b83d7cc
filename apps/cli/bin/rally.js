#!/usr/bin/env node
// Entry point of the `rally` command. `npm install` compiles Rally's TypeScript to apps/cli/dist
// (scripts/build-cli.mjs); that build runs whenever it was made from the sources as they are now.
// After an edit, before the next `npm run build:cli`, the sources run through tsx instead, so a
// stale build never runs. RALLY_FROM_SOURCES=1 runs the sources even when the build is current.
import path from "node:path";
import { fileURLToPath, pathToFileURL } from "node:url";
import { distIsCurrent } from "./freshness.js";

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "../../..");
let main;
if (process.env.RALLY_FROM_SOURCES !== "1" && distIsCurrent(root)) {
  process.setSourceMapsEnabled(true);
  ({ main } = await import(pathToFileURL(path.join(root, "apps/cli/dist/rally.js")).href));
} else {
  const { register } = await import("tsx/esm/api");
  register();
  ({ main } = await import("../src/main.ts"));
}
process.exitCode = await main(process.argv);
