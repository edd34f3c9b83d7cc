/**
 * Test helper: runs the real `rally serve` (web app + relay on one port) as a child process on an
 * ephemeral port with its own data directory. The first start may build the web app (several
 * starts at once wait for one build).
 */
import { type ChildProcess, spawn } from "node:child_process";
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { fileURLToPath } from "node:url";

export interface ServeHandle {
  /** `http://127.0.0.1:<port>` — open this in a browser. */
  url: string;
  /** `ws://127.0.0.1:<port>` — the relay on the same port. */
  relay: string;
  port: number;
  dataDir: string;
  pid: number;
  stop(): Promise<number | null>;
  kill(): Promise<void>;
  output(): string;
}

export const repoRoot = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "../../..");
export const rallyBin = path.join(repoRoot, "apps/cli/bin/rally.js");
const STARTUP_TIMEOUT_MS = 240_000;

export async function startServe(
  opts: {
    dataDir?: string;
    args?: string[];
    keepData?: boolean;
    /** Extra environment variables for the process (e.g. a clock set wrong). */
    env?: Record<string, string>;
  } = {},
): Promise<ServeHandle> {
  const created = opts.dataDir === undefined;
  const dataDir = opts.dataDir ?? fs.mkdtempSync(path.join(os.tmpdir(), "rally-serve-test-"));
  const child: ChildProcess = spawn(
    process.execPath,
    [
      rallyBin,
      "--json",
      "serve",
      "--port",
      "0",
      "--host",
      "127.0.0.1",
      "--data",
      dataDir,
      ...(opts.args ?? []),
    ],
    { cwd: repoRoot, stdio: ["ignore", "pipe", "pipe"], env: { ...process.env, ...opts.env } },
  );
  let out = "";
  child.stdout?.setEncoding("utf8");
  child.stderr?.setEncoding("utf8");
  child.stdout?.on("data", (d: string) => {
    out += d;
  });
  child.stderr?.on("data", (d: string) => {
    out += d;
  });
  const exited = new Promise<number | null>((resolve) => {
    if (child.exitCode !== null) resolve(child.exitCode);
    else child.once("exit", (code) => resolve(code));
  });
  const started = await new Promise<{ url: string; relay: string; port: number }>((resolve, reject) => {
    const timer = setTimeout(() => {
      child.kill("SIGKILL");
      reject(new Error(`rally serve did not start within ${STARTUP_TIMEOUT_MS} ms; output:\n${out}`));
    }, STARTUP_TIMEOUT_MS);
    const check = () => {
      for (const line of out.split("\n")) {
        if (!line.startsWith("{")) continue;
        try {
          const parsed = JSON.parse(line) as { url?: string; relay?: string; port?: number; error?: string };
          clearTimeout(timer);
          if (parsed.error || !parsed.url || !parsed.relay || !parsed.port) {
            reject(new Error(`rally serve failed: ${line}`));
          } else {
            resolve({ url: parsed.url, relay: parsed.relay, port: parsed.port });
          }
          return;
        } catch {
          // Not the whole line yet.
        }
      }
    };
    child.stdout?.on("data", check);
    void exited.then((code) => {
      clearTimeout(timer);
      reject(new Error(`rally serve exited (${code}) before starting; output:\n${out}`));
    });
  });
  const cleanup = () => {
    if (created && !opts.keepData) fs.rmSync(dataDir, { recursive: true, force: true });
  };
  return {
    ...started,
    dataDir,
    pid: child.pid ?? -1,
    async stop() {
      if (child.exitCode === null) child.kill("SIGTERM");
      const code = await exited;
      cleanup();
      return code;
    },
    async kill() {
      if (child.exitCode === null) child.kill("SIGKILL");
      await exited;
    },
    output: () => out,
  };
}
