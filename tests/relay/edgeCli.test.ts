/**
 * `rally relay` as a node on the internet, the real process over real sockets: a non-loopback
 * `--host` is refused without TLS or an https/wss public URL (the error points to TLS or a reverse
 * proxy); bad TLS and public-URL flags are refused in plain words; `--tls-cert`/`--tls-key` serve
 * wss:// and HTTPS with HSTS; every HTTP answer carries the security headers; and an AUTH made for
 * another relay is refused whatever Host header the connection sent.
 */
import { type ChildProcess, spawn } from "node:child_process";
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { afterAll, describe, expect, it } from "vitest";
import { get, makeSelfSigned } from "../helpers/selfSigned.ts";
import { NostrSocket, newSigner } from "./support/nostrSocket.ts";

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "../..");
const bin = path.join(root, "apps/cli/bin/rally.js");
const tmp = fs.mkdtempSync(path.join(os.tmpdir(), "rally-relay-edge-"));
const tls = makeSelfSigned();
const running: ChildProcess[] = [];
afterAll(async () => {
  for (const child of running) {
    if (child.exitCode !== null) continue;
    const gone = new Promise((r) => child.once("exit", r));
    child.kill("SIGTERM");
    await gone;
  }
  tls.remove();
  fs.rmSync(tmp, { recursive: true, force: true });
});

function rally(args: string[]): Promise<{ code: number | null; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    const child = spawn(process.execPath, [bin, ...args], {
      cwd: root,
      env: { ...process.env, RALLY_HOME: tmp },
    });
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

/** Starts `rally --json relay …` and resolves with what it printed once listening. */
function startRelay(args: string[]): Promise<{ url: string; port: number; publicUrls?: string[] }> {
  const dataDir = fs.mkdtempSync(path.join(tmp, "data-"));
  const child = spawn(process.execPath, [bin, "--json", "relay", "--port", "0", "--data", dataDir, ...args], {
    cwd: root,
    env: { ...process.env, RALLY_HOME: tmp },
  });
  running.push(child);
  let out = "";
  return new Promise((resolve, reject) => {
    child.stdout.on("data", (d) => {
      out += d;
      const line = out.split("\n").find((l) => l.startsWith("{") && l.endsWith("}"));
      if (line) resolve(JSON.parse(line));
    });
    child.stderr.on("data", (d) => {
      out += d;
    });
    child.once("exit", (code) => reject(new Error(`rally relay exited (${code}): ${out}`)));
  });
}

describe("rally relay flags for the internet", { timeout: 120_000 }, () => {
  it("refuses a non-loopback --host without TLS or an https public URL, pointing to TLS or a reverse proxy", async () => {
    for (const args of [
      ["--host", "0.0.0.0"],
      ["--host", "::"],
      ["--host", "0.0.0.0", "--public-url", "ws://relay.example.org"],
    ]) {
      const r = await rally(["relay", "--port", "0", ...args]);
      expect(r.code, args.join(" ")).not.toBe(0);
      expect(r.stderr).toMatch(/refusing to listen on .* over plain HTTP/);
      expect(r.stderr).toMatch(/TLS with --tls-cert FILE --tls-key FILE/);
      expect(r.stderr).toMatch(/reverse proxy that speaks HTTPS/);
    }
  });

  it("refuses bad TLS files and public URLs in plain words", async () => {
    const only = await rally(["relay", "--port", "0", "--tls-cert", tls.certFile]);
    expect(only.code).not.toBe(0);
    expect(only.stderr).toMatch(/needs both --tls-cert FILE .* and --tls-key FILE/);
    const missing = await rally([
      "relay",
      "--port",
      "0",
      "--tls-cert",
      path.join(tmp, "nope.pem"),
      "--tls-key",
      tls.keyFile,
    ]);
    expect(missing.stderr).toMatch(/cannot read the TLS certificate .*nope\.pem.*check --tls-cert/);
    const other = makeSelfSigned();
    try {
      const mismatch = await rally([
        "relay",
        "--port",
        "0",
        "--tls-cert",
        tls.certFile,
        "--tls-key",
        other.keyFile,
      ]);
      expect(mismatch.code).not.toBe(0);
      expect(mismatch.stderr).toMatch(/TLS certificate and key cannot be used/);
    } finally {
      other.remove();
    }
    const notPem = path.join(tmp, "not.pem");
    fs.writeFileSync(notPem, "not a certificate");
    const garbage = await rally(["relay", "--port", "0", "--tls-cert", notPem, "--tls-key", notPem]);
    expect(garbage.stderr).toMatch(/TLS certificate and key cannot be used/);
    const badUrl = await rally(["relay", "--port", "0", "--public-url", "relay.example.org"]);
    expect(badUrl.code).not.toBe(0);
    expect(badUrl.stderr).toMatch(/--public-url must be the address people use/);
  });

  it("listens on every network behind an https public URL", async () => {
    const r = await startRelay(["--host", "0.0.0.0", "--public-url", "wss://relay.example.org"]);
    expect(r.url).toMatch(/^ws:\/\/0\.0\.0\.0:\d+$/);
    expect(r.publicUrls).toEqual(["wss://relay.example.org"]);
    const info = await get(`http://127.0.0.1:${r.port}/`, { headers: { Accept: "application/nostr+json" } });
    expect(info.status).toBe(200);
    // Browsers take HSTS only over HTTPS, i.e. through the proxy.
    expect(info.headers["strict-transport-security"]).toBe("max-age=31536000");
  });

  it("serves wss:// and HTTPS with --tls-cert/--tls-key, with security headers and HSTS on every answer", async () => {
    const r = await startRelay(["--tls-cert", tls.certFile, "--tls-key", tls.keyFile]);
    expect(r.url).toBe(`wss://127.0.0.1:${r.port}`);
    const base = `https://127.0.0.1:${r.port}`;
    const answers = {
      root: await get(`${base}/`, { ca: tls.cert }),
      missing: await get(`${base}/missing`, { ca: tls.cert }),
      nip11: await get(`${base}/`, { ca: tls.cert, headers: { Accept: "application/nostr+json" } }),
      options: await get(`${base}/`, { ca: tls.cert, method: "OPTIONS" }),
    };
    expect(Object.values(answers).map((a) => a.status)).toEqual([200, 404, 200, 204]);
    for (const [name, a] of Object.entries(answers)) {
      expect(a.headers["content-security-policy"], name).toBe(
        "default-src 'none'; frame-ancestors 'none'; base-uri 'none'; form-action 'none'",
      );
      expect(a.headers["x-content-type-options"], name).toBe("nosniff");
      expect(a.headers["referrer-policy"], name).toBe("no-referrer");
      expect(a.headers["strict-transport-security"], name).toBe("max-age=31536000");
    }
  });

  it("refuses an AUTH made for another relay, accepts one made for its public URL", async () => {
    const r = await startRelay(["--public-url", "wss://relay.example.org"]);
    const s = await NostrSocket.open(r.url, { headers: { Host: "evil.example" } });
    const challenge = await s.challenge();
    const signer = newSigner();
    const authFor = async (relay: string) => {
      const ev = signer.sign({
        kind: 22242,
        tags: [
          ["relay", relay],
          ["challenge", challenge],
        ],
      });
      s.send(["AUTH", ev]);
      return (await s.ok(ev.id)).slice(2);
    };
    const refused = [false, "invalid: auth event relay tag does not name this relay"];
    expect(await authFor("wss://evil.example")).toEqual(refused);
    expect(await authFor("ws://evil.example")).toEqual(refused);
    expect(await authFor("wss://relay.example.org")).toEqual([true, ""]);
    expect(await authFor(r.url)).toEqual([true, ""]);
    await s.close();
  });
});
