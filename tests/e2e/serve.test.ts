// `rally serve` as a process: the built app and the relay on one port, with correct types, cache
// headers, the page fallback, and no way out of the app's folder.

import { spawnSync } from "node:child_process";
import net from "node:net";
import zlib from "node:zlib";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import WebSocket from "ws";
import { rallyBin, repoRoot, type ServeHandle, startServe } from "./helpers/serve.ts";

let serve: ServeHandle;

beforeAll(async () => {
  serve = await startServe();
});

afterAll(async () => {
  expect(await serve?.stop()).toBe(0);
});

/** A raw HTTP/1.1 request, so paths reach the server exactly as written (fetch would normalise them). */
function rawGet(port: number, target: string): Promise<{ status: number; body: string }> {
  return new Promise((resolve, reject) => {
    const socket = net.connect(port, "127.0.0.1", () => {
      socket.write(`GET ${target} HTTP/1.1\r\nHost: 127.0.0.1:${port}\r\nConnection: close\r\n\r\n`);
    });
    let data = "";
    socket.setEncoding("latin1");
    socket.on("data", (d: string) => {
      data += d;
    });
    socket.on("end", () => {
      const status = Number(/^HTTP\/1\.1 (\d{3})/.exec(data)?.[1] ?? 0);
      resolve({ status, body: data.slice(data.indexOf("\r\n\r\n") + 4) });
    });
    socket.on("error", reject);
  });
}

describe("rally serve", () => {
  it("serves the app page with a strict content security policy, revalidated on each load", async () => {
    const res = await fetch(`${serve.url}/`);
    expect(res.status).toBe(200);
    expect(res.headers.get("content-type")).toBe("text/html; charset=utf-8");
    expect(res.headers.get("cache-control")).toBe("no-cache");
    const csp = res.headers.get("content-security-policy") ?? "";
    expect(csp).toContain("script-src 'self'");
    expect(csp).toContain("object-src 'none'");
    expect(res.headers.get("x-content-type-options")).toBe("nosniff");
    const html = await res.text();
    expect(html).toContain('<div id="root">');
    expect(html).not.toMatch(/<script>(?!<\/script>)/); // no inline script
  });

  it("serves hashed assets with their MIME type, gzipped, cached for a year", async () => {
    const html = await (await fetch(`${serve.url}/`)).text();
    const js = /src="(\/assets\/[^"]+\.js)"/.exec(html)?.[1];
    const css = /href="(\/assets\/[^"]+\.css)"/.exec(html)?.[1];
    expect(js).toBeTruthy();
    expect(css).toBeTruthy();
    const raw = await fetch(`${serve.url}${js}`, { headers: { "accept-encoding": "identity" } });
    expect(raw.headers.get("content-type")).toBe("text/javascript; charset=utf-8");
    expect(raw.headers.get("cache-control")).toBe("public, max-age=31536000, immutable");
    const rawBody = Buffer.from(await raw.arrayBuffer());
    // Node's fetch decompresses transparently; ask over a raw socket to see the encoding.
    const gz = await new Promise<{ encoding: string | undefined; body: Buffer }>((resolve, reject) => {
      const socket = net.connect(serve.port, "127.0.0.1", () =>
        socket.write(`GET ${js} HTTP/1.1\r\nHost: x\r\nAccept-Encoding: gzip\r\nConnection: close\r\n\r\n`),
      );
      const chunks: Buffer[] = [];
      socket.on("data", (c: Buffer) => chunks.push(c));
      socket.on("end", () => {
        const all = Buffer.concat(chunks);
        const split = all.indexOf("\r\n\r\n");
        const head = all.subarray(0, split).toString("latin1");
        resolve({ encoding: /content-encoding: (\S+)/i.exec(head)?.[1], body: all.subarray(split + 4) });
      });
      socket.on("error", reject);
    });
    expect(gz.encoding).toBe("gzip");
    expect(zlib.gunzipSync(gz.body).equals(rawBody)).toBe(true);
    const style = await fetch(`${serve.url}${css}`);
    expect(style.headers.get("content-type")).toBe("text/css; charset=utf-8");
  });

  it("answers a repeated request with 304 when the ETag matches", async () => {
    const first = await fetch(`${serve.url}/manifest.webmanifest`);
    expect(first.headers.get("content-type")).toBe("application/manifest+json; charset=utf-8");
    const etag = first.headers.get("etag");
    expect(etag).toBeTruthy();
    const second = await fetch(`${serve.url}/manifest.webmanifest`, { headers: { "if-none-match": etag! } });
    expect(second.status).toBe(304);
  });

  it("serves the service worker with its precache list filled in, and the icons", async () => {
    const sw = await fetch(`${serve.url}/sw.js`);
    expect(sw.headers.get("content-type")).toBe("text/javascript; charset=utf-8");
    expect(sw.headers.get("cache-control")).toBe("no-cache");
    const text = await sw.text();
    expect(text).not.toContain("__RALLY_PRECACHE__");
    expect(text).toContain('"/index.html"');
    // A production build (minified React, service worker registered), even under a test runner.
    expect(
      ((await (await fetch(`${serve.url}/build.json`)).json()) as { production: boolean }).production,
    ).toBe(true);
    const svg = await fetch(`${serve.url}/icons/icon.svg`);
    expect(svg.headers.get("content-type")).toBe("image/svg+xml");
    const png = await fetch(`${serve.url}/icons/icon-192.png`);
    expect(png.headers.get("content-type")).toBe("image/png");
    expect(
      Buffer.from(await png.arrayBuffer())
        .subarray(1, 4)
        .toString(),
    ).toBe("PNG");
  });

  it("answers page addresses with the app and missing files with 404", async () => {
    const page = await fetch(`${serve.url}/some/old/bookmark`);
    expect(page.status).toBe(200);
    expect(await page.text()).toContain('<div id="root">');
    expect((await fetch(`${serve.url}/assets/missing-file.js`)).status).toBe(404);
    expect((await fetch(`${serve.url}/index.html`, { method: "POST" })).status).toBe(404);
  });

  it("never serves a file from outside the app's folder", async () => {
    const targets = [
      "/../package.json",
      "/../../package.json",
      "/%2e%2e/%2e%2e/%2e%2e/package.json",
      "/..%2f..%2f..%2fpackage.json",
      "/assets/..%2f..%2f..%2f..%2fpackage.json",
      "/..%5c..%5c..%5cpackage.json",
      "/%2e%2e%5c%2e%2e%5c%2e%2e%5cpackage.json",
      "/../../../../../../etc/passwd",
      "/%2e%2e/%2e%2e/%2e%2e/%2e%2e/%2e%2e/etc/passwd",
      "/index.html%00.js",
      "/..",
      "/.build.lock",
    ];
    for (const target of targets) {
      const res = await rawGet(serve.port, target);
      expect(res.body, target).not.toContain('"workspaces"');
      expect(res.body, target).not.toContain("root:x:0:0");
      expect([200, 400, 404], target).toContain(res.status);
      if (res.status === 200) expect(res.body, target).toContain('<div id="root">');
    }
  });

  it("is a relay on the same port: NIP-11 and WebSocket REQ/EOSE", async () => {
    const info = await fetch(serve.url, { headers: { accept: "application/nostr+json" } });
    expect(info.headers.get("content-type")).toBe("application/nostr+json");
    expect((await info.json()) as object).toHaveProperty("supported_nips");
    expect(serve.relay).toBe(serve.url.replace("http:", "ws:"));
    const ws = new WebSocket(serve.relay);
    const eose = await new Promise<unknown>((resolve, reject) => {
      ws.on("open", () => ws.send(JSON.stringify(["REQ", "s1", { kinds: [445], limit: 1 }])));
      ws.on("message", (m) => {
        const frame = JSON.parse(String(m)) as unknown[];
        if (frame[0] !== "AUTH") resolve(frame); // the relay may greet with a NIP-42 challenge
      });
      ws.on("error", reject);
    });
    ws.close();
    expect(eose).toEqual(["EOSE", "s1"]);
  });

  it("explains a port that is already taken and exits non-zero", () => {
    const r = spawnSync(process.execPath, [rallyBin, "serve", "--no-build", "--port", String(serve.port)], {
      cwd: repoRoot,
      encoding: "utf8",
      timeout: 60_000,
    });
    expect(r.status).not.toBe(0);
    expect(r.stderr).toContain("already in use");
  });
});
