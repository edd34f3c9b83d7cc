/**
 * Bundles the public pages' one script (apps/cli/src/serve/public/browser/main.ts → `/answer.js`)
 * with esbuild, in memory: `rally serve` builds it from the sources in this tree when the first
 * public page is asked for (about 1.5 s), so a fresh clone needs no build step and the script always
 * matches the protocol it seals answers with.
 *
 * Rally's own package sources are marked free of side effects: they are pure by design
 * (docs/ARCHITECTURE.md), and saying so lets esbuild drop what the script never calls (the MLS
 * engine, ical.js, word lists), about half the bundle.
 *
 * Runs in: Node (`rally serve`, tests).
 */
import { fileURLToPath } from "node:url";
import { build, type Plugin } from "esbuild";

export const ANSWER_SCRIPT_ENTRY = fileURLToPath(
  new URL("../src/serve/public/browser/main.ts", import.meta.url),
);

const RALLY_SOURCES = /[\\/]packages[\\/](protocol|client)[\\/]src[\\/]/;

const pureRallySources: Plugin = {
  name: "pure-rally-sources",
  setup(b) {
    b.onResolve({ filter: /.*/ }, async (args) => {
      if (args.pluginData === "resolving") return undefined;
      const resolved = await b.resolve(args.path, {
        kind: args.kind,
        resolveDir: args.resolveDir,
        importer: args.importer,
        pluginData: "resolving",
      });
      // Anything esbuild cannot resolve here goes back to its own handling (and messages).
      if (resolved.errors.length > 0 || !RALLY_SOURCES.test(resolved.path)) return undefined;
      return { ...resolved, sideEffects: false };
    });
  },
};

/** The minified script as text. */
export async function buildAnswerScript(): Promise<string> {
  const result = await build({
    entryPoints: [ANSWER_SCRIPT_ENTRY],
    bundle: true,
    format: "iife",
    platform: "browser",
    target: "es2020",
    minify: true,
    legalComments: "none",
    write: false,
    logLevel: "silent",
    plugins: [pureRallySources],
  });
  const out = result.outputFiles[0];
  if (!out) throw new Error("esbuild produced no script");
  return out.text;
}
