// The service worker's precache list: every built file but the worker itself and source maps,
// with a version that changes whenever any file does.
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { afterEach, describe, expect, it } from "vitest";
import { precacheManifest } from "../buildtools/precache.ts";

const dirs: string[] = [];
afterEach(() => {
  for (const d of dirs.splice(0)) fs.rmSync(d, { recursive: true, force: true });
});

function built(files: Record<string, string>): string {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), "rally-precache-"));
  dirs.push(dir);
  for (const [name, body] of Object.entries(files)) {
    fs.mkdirSync(path.dirname(path.join(dir, name)), { recursive: true });
    fs.writeFileSync(path.join(dir, name), body);
  }
  return dir;
}

describe("precacheManifest", () => {
  it("lists every file as a site path, without sw.js and source maps, sorted", () => {
    const dir = built({
      "index.html": "<html>",
      "sw.js": "worker",
      "build.json": "{}",
      "assets/app-1.js": "a",
      "assets/app-1.js.map": "{}",
      "icons/icon.svg": "<svg/>",
    });
    expect(precacheManifest(dir).files).toEqual(["/assets/app-1.js", "/icons/icon.svg", "/index.html"]);
  });

  it("changes version when any file's content changes, and only then", () => {
    const dir = built({ "index.html": "<html>", "assets/a.js": "1" });
    const v1 = precacheManifest(dir).version;
    expect(precacheManifest(dir).version).toBe(v1);
    fs.writeFileSync(path.join(dir, "assets/a.js"), "2");
    expect(precacheManifest(dir).version).not.toBe(v1);
    fs.writeFileSync(path.join(dir, "sw.js"), "not part of the version");
    const v2 = precacheManifest(dir).version;
    fs.writeFileSync(path.join(dir, "sw.js"), "still not");
    expect(precacheManifest(dir).version).toBe(v2);
  });
});
