/**
 * The `rally relay` command as people and scripts use it: its output, `--json`, clean stops on
 * SIGINT, and plain-words errors with a non-zero exit for bad flags, unusable data directories,
 * corrupt databases and busy ports.
 */
import { spawn } from "node:child_process";
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { loadNativeVerifier } from "@rally/relay";
import Database from "better-sqlite3";
import { afterAll, describe, expect, it } from "vitest";
import { startRelay } from "../helpers/relay.ts";
import { NostrSocket, newSigner } from "./support/nostrSocket.ts";

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "../..");
const bin = path.join(root, "apps/cli/bin/rally.js");
const tmp = fs.mkdtempSync(path.join(os.tmpdir(), "rally-cli-relay-"));
afterAll(() => fs.rmSync(tmp, { recursive: true, force: true }));

function rally(
  args: string[],
  timeoutMs = 30_000,
): Promise<{ code: number | null; stdout: string; stderr: string }> {
  return new Promise((resolve, reject) => {
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
    const t = setTimeout(() => {
      child.kill("SIGKILL");
      reject(new Error(`rally ${args.join(" ")} did not exit; stderr: ${stderr}`));
    }, timeoutMs);
    child.on("exit", (code) => {
      clearTimeout(t);
      resolve({ code, stdout, stderr });
    });
  });
}

describe("rally relay errors", () => {
  it("refuses a bad port in plain words, and as JSON with --json", async () => {
    const r = await rally(["relay", "--port", "99999"]);
    expect(r.code).not.toBe(0);
    expect(r.stderr).toContain("port must be a number from 0 to 65535");
    const j = await rally(["--json", "relay", "--port", "abc"]);
    expect(j.code).not.toBe(0);
    expect(JSON.parse(j.stdout)).toEqual({ error: expect.stringContaining("port must be") });
  });

  it("refuses a data directory that is a file", async () => {
    const file = path.join(tmp, "a-file");
    fs.writeFileSync(file, "x");
    const r = await rally(["--json", "relay", "--port", "0", "--data", file]);
    expect(r.code).not.toBe(0);
    expect(JSON.parse(r.stdout).error).toMatch(/cannot use .* for the relay's data/);
    expect(r.stderr).toMatch(/choose another with --data/);
  });

  it("refuses a corrupt database without touching it", async () => {
    const dir = path.join(tmp, "corrupt");
    fs.mkdirSync(dir);
    fs.writeFileSync(path.join(dir, "events.sqlite"), "this is not a database, but someone's file");
    const r = await rally(["relay", "--port", "0", "--data", dir]);
    expect(r.code).not.toBe(0);
    expect(r.stderr).toMatch(/relay database .* cannot be opened/);
    expect(fs.readFileSync(path.join(dir, "events.sqlite"), "utf8")).toBe(
      "this is not a database, but someone's file",
    );
  });

  it("refuses a database from a newer Rally", async () => {
    const dir = path.join(tmp, "newer");
    fs.mkdirSync(dir);
    const db = new Database(path.join(dir, "events.sqlite"));
    db.pragma("user_version = 999");
    db.close();
    const r = await rally(["relay", "--port", "0", "--data", dir]);
    expect(r.code).not.toBe(0);
    expect(r.stderr).toMatch(/newer than this Rally/);
  });

  it("says so when the port is taken", async () => {
    const running = await startRelay();
    try {
      const port = running.url.split(":").pop()!;
      const r = await rally(["relay", "--port", port, "--data", path.join(tmp, "busy")]);
      expect(r.code).not.toBe(0);
      expect(r.stderr).toMatch(/already in use; choose another port with --port/);
    } finally {
      await running.stop();
    }
  });

  it("lists the relay command in --help and refuses unknown commands", async () => {
    const help = await rally(["--help"]);
    expect(help.code).toBe(0);
    expect(help.stdout).toMatch(/relay/);
    const r = await rally(["no-such-command"]);
    expect(r.code).not.toBe(0);
  });
});

describe("rally relay run", () => {
  it("prints JSON with --json, serves, and stops cleanly on SIGINT", async () => {
    const dir = path.join(tmp, "run");
    const child = spawn(process.execPath, [bin, "--json", "relay", "--port", "0", "--data", dir], {
      cwd: root,
    });
    let stdout = "";
    child.stdout.on("data", (d) => {
      stdout += d;
    });
    const exited = new Promise<number | null>((r) => child.on("exit", (code) => r(code)));
    while (!stdout.includes("\n")) await new Promise((r) => setTimeout(r, 20));
    const line = JSON.parse(stdout.trim()) as {
      url: string;
      port: number;
      dataDir: string;
      signatures: string;
    };
    expect(line.url).toBe(`ws://127.0.0.1:${line.port}`);
    expect(line.dataDir).toBe(dir);
    // It says how it checks signatures: natively where bcrypto's binding was built, else in WASM.
    expect(line.signatures).toBe(loadNativeVerifier() ? "native" : "wasm");
    const s = await NostrSocket.open(line.url);
    const e = newSigner().sign({ kind: 1 });
    expect((await s.publish(e))[2]).toBe(true);
    child.kill("SIGINT");
    expect(await exited).toBe(0);
    await s.waitClosed();
    expect(fs.existsSync(path.join(dir, "events.sqlite"))).toBe(true);
  });
});
