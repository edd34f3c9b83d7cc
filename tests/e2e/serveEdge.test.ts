// `rally serve` as a node on the internet: it refuses a network address over plain HTTP (saying
// to use TLS or a reverse proxy), speaks HTTPS and wss:// itself with --tls-cert/--tls-key, and
// every HTTP response — the app page, its scripts, the worker, `sw.js`, the manifest, icons, the
// public pages (with their own policy), feeds, NIP-11, 404s — carries the security headers, with
// HSTS under TLS. In Chromium, the engine worker and the service worker run under the app's policy
// (WebAssembly may compile, text may not become code).

import { spawn } from "node:child_process";
import fs from "node:fs";
import path from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import WebSocket from "ws";
import { type GetResult, get, makeSelfSigned } from "../helpers/selfSigned.ts";
import { launchChromium } from "./helpers/browser.ts";
import { rallyBin, repoRoot, type ServeHandle, startServe } from "./helpers/serve.ts";

const tls = makeSelfSigned();
const handles: ServeHandle[] = [];
afterAll(async () => {
  for (const h of handles) expect(await h.stop()).toBe(0);
  tls.remove();
});

function rally(args: string[]): Promise<{ code: number | null; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    const child = spawn(process.execPath, [rallyBin, ...args], { cwd: repoRoot });
    let stdout = "";
    let stderr = "";
    child.stdout.on("data", (d) => {
      stdout += d;
    });
    child.stderr.on("data", (d) => {
      stderr += d;
    });
    child.on("exit", (code) => resolve({ code, stdout, stderr }));
  });
}

const dist = path.join(repoRoot, "apps/web/dist");

/** Every kind of address the node answers, each with what it is. */
async function addresses(
  base: string,
  ca?: string,
): Promise<{ path: string; what: "app" | "page" | "other" }[]> {
  const html = (await get(`${base}/`, ca ? { ca } : {})).body;
  const scripts = [...html.matchAll(/(?:src|href)="(\/assets\/[^"]+\.(?:js|css))"/g)].map((m) => m[1]!);
  const worker = fs.readdirSync(path.join(dist, "assets")).find((f) => /worker.*\.js$/.test(f));
  const icon = fs.readdirSync(path.join(dist, "icons"))[0];
  expect(scripts.length).toBeGreaterThan(0);
  expect(worker).toBeTruthy();
  return [
    { path: "/", what: "app" },
    { path: "/index.html", what: "app" },
    { path: "/some/page", what: "app" },
    ...scripts.map((p) => ({ path: p, what: "app" as const })),
    { path: `/assets/${worker}`, what: "app" },
    { path: "/sw.js", what: "app" },
    { path: "/manifest.webmanifest", what: "app" },
    { path: `/icons/${icon}`, what: "app" },
    { path: "/assets/missing.js", what: "app" },
    { path: "/%E0%A4%A", what: "app" },
    { path: "/events", what: "page" },
    { path: "/e/naddr1qqqqqq", what: "page" },
    { path: "/reply", what: "page" },
    { path: "/events.ics", what: "other" },
    { path: "/pages.css", what: "other" },
    { path: "/answer.js", what: "other" },
  ];
}

/** The headers every response must carry; `hsts` when the node speaks TLS. */
function checkHeaders(where: string, r: GetResult, what: "app" | "page" | "other", hsts: boolean) {
  const csp = String(r.headers["content-security-policy"] ?? "");
  expect(csp, where).toMatch(/frame-ancestors 'none'/);
  expect(csp, where).toMatch(/default-src '(none|self)'/);
  expect(r.headers["x-content-type-options"], where).toBe("nosniff");
  expect(r.headers["referrer-policy"], where).toBe("no-referrer");
  expect(r.headers["x-frame-options"], where).toBe("DENY");
  if (what === "app") {
    // The app's own policy, also on scripts: a worker runs under its script's policy.
    expect(csp, where).toContain("script-src 'self'");
    expect(csp, where).toContain("connect-src 'self' ws: wss:");
  }
  // The public pages keep theirs (forms post to this origin).
  if (what === "page") expect(csp, where).toContain("form-action 'self'");
  if (hsts) expect(r.headers["strict-transport-security"], where).toBe("max-age=31536000");
  else expect(r.headers["strict-transport-security"], where).toBeUndefined();
}

async function walk(base: string, ca: string | undefined, hsts: boolean) {
  const seen: Record<string, number> = {};
  for (const a of await addresses(base, ca)) {
    const r = await get(`${base}${a.path}`, ca ? { ca } : {});
    seen[a.path] = r.status;
    checkHeaders(a.path, r, a.what, hsts);
  }
  const nip11 = await get(`${base}/`, {
    ...(ca ? { ca } : {}),
    headers: { Accept: "application/nostr+json" },
  });
  expect(JSON.parse(nip11.body).supported_nips).toContain(42);
  checkHeaders("NIP-11", nip11, "other", hsts);
  checkHeaders("OPTIONS", await get(`${base}/`, { ...(ca ? { ca } : {}), method: "OPTIONS" }), "other", hsts);
  // The walk met what it meant to: pages, files, and the 404s and 400s.
  expect(seen["/"]).toBe(200);
  expect(seen["/sw.js"]).toBe(200);
  expect(seen["/events"]).toBe(200);
  expect(seen["/assets/missing.js"]).toBe(404);
  expect(seen["/e/naddr1qqqqqq"]).toBe(404);
  expect(seen["/%E0%A4%A"]).toBe(400);
}

describe("rally serve on a network", { timeout: 300_000 }, () => {
  it("refuses a non-loopback --host without TLS or an https public URL, saying what to do", async () => {
    for (const host of ["0.0.0.0", "::", "192.0.2.1"]) {
      const r = await rally(["serve", "--no-build", "--port", "0", "--host", host]);
      expect(r.code, host).not.toBe(0);
      expect(r.stderr, host).toMatch(/refusing to listen on .* over plain HTTP/);
      expect(r.stderr, host).toMatch(/--tls-cert FILE --tls-key FILE/);
      expect(r.stderr, host).toMatch(/reverse proxy/);
      expect(r.stderr, host).toMatch(/--public-url https:/);
    }
    // A plain-HTTP public URL is no way round it.
    const plain = await rally([
      "serve",
      "--no-build",
      "--host",
      "0.0.0.0",
      "--public-url",
      "http://rally.example",
    ]);
    expect(plain.code).not.toBe(0);
    expect(plain.stderr).toMatch(/over plain HTTP/);
    const json = await rally(["--json", "serve", "--no-build", "--host", "0.0.0.0"]);
    expect(JSON.parse(json.stdout).error).toMatch(/TLS/);
  });

  it("puts the security headers on every response over plain HTTP on loopback", async () => {
    const serve = await startServe({ args: ["--no-build"] });
    handles.push(serve);
    await walk(serve.url, undefined, false);
  });

  it("speaks HTTPS and wss:// with --tls-cert/--tls-key, with HSTS on every response", async () => {
    const serve = await startServe({
      args: ["--no-build", "--tls-cert", tls.certFile, "--tls-key", tls.keyFile],
    });
    handles.push(serve);
    expect(serve.url).toBe(`https://127.0.0.1:${serve.port}`);
    expect(serve.relay).toBe(`wss://127.0.0.1:${serve.port}`);
    await walk(serve.url, tls.cert, true);
    const ws = new WebSocket(serve.relay, { ca: tls.cert });
    const first = await new Promise<unknown[]>((resolve, reject) => {
      ws.once("message", (d) => resolve(JSON.parse(d.toString()) as unknown[]));
      ws.once("error", reject);
    });
    expect(first[0]).toBe("AUTH");
    ws.close();
  });

  it("runs the engine worker and the service worker under the app's policy: WebAssembly yes, eval no", async () => {
    const serve = await startServe({ args: ["--no-build"] });
    handles.push(serve);
    const browser = await launchChromium();
    try {
      const page = await browser.newPage();
      const worker = page.waitForEvent("worker");
      const sw = page.context().waitForEvent("serviceworker");
      await page.goto(`${serve.url}/`);
      // What code running in each may do: compile WebAssembly (the signature check), never
      // turn text into JavaScript.
      const probe = async () => {
        const out: Record<string, string> = {};
        try {
          await WebAssembly.instantiate(new Uint8Array([0, 97, 115, 109, 1, 0, 0, 0]));
          out.wasm = "allowed";
        } catch (error) {
          out.wasm = String(error);
        }
        try {
          new Function("return 1 + 1")();
          out.eval = "allowed";
        } catch (error) {
          out.eval = error instanceof Error ? error.name : String(error);
        }
        return out;
      };
      expect(await (await worker).evaluate(probe)).toEqual({ wasm: "allowed", eval: "EvalError" });
      expect(await (await sw).evaluate(probe)).toEqual({ wasm: "allowed", eval: "EvalError" });
      // The page itself: a script element written into it does not run.
      const injected = await page.evaluate(async () => {
        const el = document.createElement("script");
        el.textContent = "window.__injected = true";
        document.head.append(el);
        await new Promise((r) => setTimeout(r, 100));
        return (window as { __injected?: boolean }).__injected === true;
      });
      expect(injected).toBe(false);
    } finally {
      await browser.close();
    }
  });
});
