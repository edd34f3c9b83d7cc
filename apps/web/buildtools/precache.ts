/**
 * Build step for the offline app: after Vite has written `dist/`, list every file it produced and
 * write that list, with a content hash as the version, into the service worker (`sw.js`), replacing
 * the `__RALLY_PRECACHE__` placeholder. A new build therefore always yields a byte-different `sw.js`,
 * which is what makes browsers install the new worker and drop the old cache.
 */
import { createHash } from "node:crypto";
import { readdirSync, readFileSync, statSync, writeFileSync } from "node:fs";
import { join, relative, resolve, sep } from "node:path";
import type { Plugin, ResolvedConfig } from "vite";

export const SERVICE_WORKER_FILE = "sw.js";
/** Written beside the build: how it was made (`rally serve` rebuilds anything but production). */
export const BUILD_INFO_FILE = "build.json";
const PLACEHOLDER = "__RALLY_PRECACHE__";

export interface PrecacheManifest {
  version: string;
  files: string[];
}

function listFiles(dir: string): string[] {
  const out: string[] = [];
  for (const name of readdirSync(dir)) {
    const path = join(dir, name);
    if (statSync(path).isDirectory()) out.push(...listFiles(path));
    else out.push(path);
  }
  return out;
}

/** The manifest for a built directory: every file except the worker itself and source maps. */
export function precacheManifest(outDir: string): PrecacheManifest {
  const hash = createHash("sha256");
  const files: string[] = [];
  for (const path of listFiles(outDir).sort()) {
    const rel = relative(outDir, path).split(sep).join("/");
    if (rel === SERVICE_WORKER_FILE || rel === BUILD_INFO_FILE || rel.endsWith(".map")) continue;
    hash.update(rel);
    hash.update(readFileSync(path));
    files.push(`/${rel}`);
  }
  return { version: hash.digest("hex").slice(0, 16), files };
}

export function precachePlugin(): Plugin {
  let config: ResolvedConfig;
  return {
    name: "rally-precache",
    apply: "build",
    configResolved(resolved) {
      config = resolved;
    },
    closeBundle() {
      const outDir = resolve(config.root, config.build.outDir);
      const swPath = join(outDir, SERVICE_WORKER_FILE);
      const source = readFileSync(swPath, "utf8");
      if (!source.includes(PLACEHOLDER)) {
        throw new Error(`${SERVICE_WORKER_FILE} has no ${PLACEHOLDER} placeholder to fill`);
      }
      const manifest = precacheManifest(outDir);
      writeFileSync(swPath, source.replaceAll(PLACEHOLDER, JSON.stringify(manifest)));
      writeFileSync(
        join(outDir, BUILD_INFO_FILE),
        `${JSON.stringify({ production: config.isProduction, version: manifest.version })}\n`,
      );
    },
  };
}
