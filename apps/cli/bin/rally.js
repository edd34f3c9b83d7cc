#!/usr/bin/env node
// Entry point of the `rally` command. Rally's sources are TypeScript run through tsx, so a fresh
// clone runs after `npm install` with no build step.
import { register } from "tsx/esm/api";

register();
const { main } = await import("../src/main.ts");
process.exitCode = await main(process.argv);
