/**
 * Test helper: runs the real `rally relay` command as a child process on an ephemeral port with its
 * own data directory, and hands back its WebSocket URL. Tests talk to it over real sockets.
 *
 *   const relay = await startRelay();
 *   ... new WebSocket(relay.url) ...
 *   await relay.stop(); // SIGTERM, waits for a clean exit, removes a temp data dir it created
 *
 * `kill()` sends SIGKILL (for durability tests) and keeps the data dir, so a second
 * `startRelay({ dataDir: first.dataDir, ownData: true })` can reopen it and remove it on `stop()`.
 * `stop()` removes a data dir the helper created (or was told it owns) unless `keepData` is set.
 *
 * To change a relay's limits under its clients (e.g. refuse large events, then accept them again),
 * stop it with `keepData` and start it again on the same `port` and `dataDir` with other `args`.
 *
 * `RALLY_TEST_STORE=postgres npx vitest run tests/relay` runs the same tests on PostgreSQL: each
 * data directory gets its own database in a private cluster (one per test file), kept in the
 * directory's `postgres-url` file so a relay started again on it finds the same events.
 */
import { type ChildProcess, spawn } from "node:child_process";
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { type PostgresHandle, startPostgres } from "./postgres.ts";

export interface RelayHandle {
  /** `ws://127.0.0.1:<port>` */
  url: string;
  dataDir: string;
  pid: number;
  /** SIGTERM and wait for the process to exit (a clean shutdown). */
  stop(): Promise<void>;
  /** SIGKILL and wait for the process to be gone (nothing is flushed). Keeps the data dir. */
  kill(): Promise<void>;
  /** Everything the process wrote to stdout and stderr so far. */
  output(): string;
}

export interface StartRelayOptions {
  /** Reuse a data directory (e.g. after `kill()`); otherwise a fresh temp dir is made. */
  dataDir?: string;
  /** Extra arguments after `rally relay`, e.g. `["--max-message-bytes", "1000"]`. */
  args?: string[];
  /** Keep a data dir created by the helper when the relay stops. */
  keepData?: boolean;
  /** Remove the given `dataDir` on `stop()` as if the helper had created it. */
  ownData?: boolean;
  /** Extra environment variables. */
  env?: Record<string, string>;
  /** Listen on this port (e.g. a stopped relay's, so its clients find it again); default: a free one. */
  port?: number;
}

const repoRoot = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "../..");
const rallyBin = path.join(repoRoot, "apps/cli/bin/rally.js");
const STARTUP_TIMEOUT_MS = 60_000;

let cluster: Promise<PostgresHandle> | undefined;
let started: PostgresHandle | undefined;
if (process.env.RALLY_TEST_STORE === "postgres") {
  // Under Vitest the cluster stops with the test file (a worker may be ended without "exit");
  // elsewhere at exit, where stopping completes because it is synchronous underneath.
  if (process.env.VITEST) (await import("vitest")).afterAll(async () => started?.stop());
  else process.once("exit", () => void started?.stop());
}

/** With RALLY_TEST_STORE=postgres: `--db` and the database of this data directory. */
async function storeArgs(dataDir: string, args: readonly string[]): Promise<string[]> {
  if (process.env.RALLY_TEST_STORE !== "postgres" || args.includes("--db")) return [];
  cluster ??= startPostgres().then((handle) => {
    started = handle;
    return handle;
  });
  const file = path.join(dataDir, "postgres-url");
  if (!fs.existsSync(file)) fs.writeFileSync(file, await (await cluster).createDatabase());
  return ["--db", fs.readFileSync(file, "utf8")];
}

export async function startRelay(opts: StartRelayOptions = {}): Promise<RelayHandle> {
  const created = opts.dataDir === undefined || opts.ownData === true;
  const dataDir = opts.dataDir ?? fs.mkdtempSync(path.join(os.tmpdir(), "rally-relay-test-"));
  const db = await storeArgs(dataDir, opts.args ?? []);
  const child = spawn(
    process.execPath,
    [
      rallyBin,
      "relay",
      "--port",
      String(opts.port ?? 0),
      "--host",
      "127.0.0.1",
      "--data",
      dataDir,
      ...db,
      ...(opts.args ?? []),
    ],
    { cwd: repoRoot, stdio: ["ignore", "pipe", "pipe"], env: { ...process.env, ...opts.env } },
  );
  let out = "";
  child.stdout.setEncoding("utf8");
  child.stderr.setEncoding("utf8");
  child.stdout.on("data", (d: string) => {
    out += d;
  });
  child.stderr.on("data", (d: string) => {
    out += d;
  });
  const exited = new Promise<void>((resolve) => {
    if (child.exitCode !== null || child.signalCode !== null) resolve();
    else child.once("exit", () => resolve());
  });

  const url = await new Promise<string>((resolve, reject) => {
    const timer = setTimeout(() => {
      cleanup();
      child.kill("SIGKILL");
      reject(new Error(`relay did not start within ${STARTUP_TIMEOUT_MS} ms; output:\n${out}`));
    }, STARTUP_TIMEOUT_MS);
    const onData = () => {
      const m = /ws:\/\/[^\s"']+:\d+/.exec(out);
      if (m) {
        cleanup();
        resolve(m[0]);
      }
    };
    const onExit = (code: number | null, signal: string | null) => {
      cleanup();
      reject(new Error(`relay exited before listening (code ${code}, signal ${signal}); output:\n${out}`));
    };
    const cleanup = () => {
      clearTimeout(timer);
      child.stdout.off("data", onData);
      child.off("exit", onExit);
    };
    child.stdout.on("data", onData);
    child.once("exit", onExit);
  });

  const removeData = () => {
    if (created && !opts.keepData) fs.rmSync(dataDir, { recursive: true, force: true });
  };
  const signalAndWait = async (signal: NodeJS.Signals, proc: ChildProcess) => {
    if (proc.exitCode === null && proc.signalCode === null) proc.kill(signal);
    await exited;
  };

  return {
    url,
    dataDir,
    pid: child.pid ?? -1,
    output: () => out,
    async stop() {
      await signalAndWait("SIGTERM", child);
      removeData();
    },
    async kill() {
      await signalAndWait("SIGKILL", child);
    },
  };
}
