/**
 * Outside relays the relay benchmark compares Rally's with, when they are built on this machine:
 * strfry (C++, LMDB) from a built source tree in STRFRY_DIR, and khatru (Go, LMDB through
 * fiatjaf/eventstore) as the small reference binary in KHATRU_BIN. Each starts on a free loopback
 * port over its own data directory; an unset variable or a missing binary skips that relay, with
 * the reason, instead of failing the run.
 */
import { spawn } from "node:child_process";
import fs from "node:fs";
import net from "node:net";
import path from "node:path";
import { ingest, open, type RunningRelay, stopChild, withTimeout } from "./clients.ts";
import type { Ev } from "./workload.ts";

export interface OutsideRelay {
  name: string;
  /** Starts the relay over `dir` (created if missing; its data stays there between starts). */
  start(dir: string): Promise<RunningRelay>;
}

/** The outside relays that can run here, and one line for each that cannot, saying why. */
export function outsideRelays(env: NodeJS.ProcessEnv): { relays: OutsideRelay[]; skipped: string[] } {
  const relays: OutsideRelay[] = [];
  const skipped: string[] = [];
  const strfryDir = env.STRFRY_DIR;
  if (!strfryDir) skipped.push("skipping strfry: STRFRY_DIR is not set (a built strfry source tree)");
  else if (!isExecutable(path.join(strfryDir, "strfry")))
    skipped.push(`skipping strfry: no strfry binary in ${strfryDir} (build it there first)`);
  else if (!fs.existsSync(path.join(strfryDir, "strfry.conf")))
    skipped.push(`skipping strfry: no strfry.conf in ${strfryDir}`);
  else relays.push(strfry(path.resolve(strfryDir)));
  const khatruBin = env.KHATRU_BIN;
  if (!khatruBin) skipped.push("skipping khatru: KHATRU_BIN is not set (the khatru reference relay binary)");
  else if (!isExecutable(khatruBin))
    skipped.push(`skipping khatru: ${khatruBin} is missing or not executable`);
  else relays.push(khatru(path.resolve(khatruBin)));
  return { relays, skipped };
}

function isExecutable(file: string): boolean {
  try {
    fs.accessSync(file, fs.constants.X_OK);
    return fs.statSync(file).isFile();
  } catch {
    return false;
  }
}

/**
 * strfry with its own default strfry.conf, changed only where the comparison needs it: the database
 * in `dir`, loopback and a free port, no attempt to raise the open-files limit (not allowed here), and
 * the limits Rally's relay runs with in this benchmark: up to 5,000 results per filter (Rally's
 * default maxLimit; strfry's is 500) and 1,000 subscriptions per connection (`--max-subscriptions`).
 * The rest stays its default: NIP-42 only for reading kinds 4 and 1059, which the benchmark does not
 * send; durable LMDB commits; new events reach live subscriptions through a database-change watcher
 * that waits 100 ms to batch them (RelayReqMonitor.cpp), which shows in its fan-out times.
 */
function strfry(tree: string): OutsideRelay {
  return {
    name: "strfry",
    async start(dir) {
      const port = await freePort();
      const conf = path.join(dir, "strfry.conf");
      const settings: [RegExp, string][] = [
        [/^db = .*$/m, `db = "${path.join(dir, "db")}/"`],
        [/^(\s*)bind = ".*"$/m, '$1bind = "127.0.0.1"'],
        [/^(\s*)port = \d+$/m, `$1port = ${port}`],
        [/^(\s*)nofiles = \d+$/m, "$1nofiles = 0"],
        [/^(\s*)maxFilterLimit = \d+$/m, "$1maxFilterLimit = 5000"],
        [/^(\s*)maxSubsPerConnection = \d+$/m, "$1maxSubsPerConnection = 1000"],
      ];
      let text = fs.readFileSync(path.join(tree, "strfry.conf"), "utf8");
      for (const [pattern, value] of settings) {
        if (!pattern.test(text)) throw new Error(`strfry.conf in ${tree} has no line matching ${pattern}`);
        text = text.replace(pattern, value);
      }
      fs.mkdirSync(path.join(dir, "db"), { recursive: true });
      fs.writeFileSync(conf, text);
      return spawnListening(path.join(tree, "strfry"), ["--config", conf, "relay"], port, "strfry");
    },
  };
}

/** The khatru reference relay (khatru v0.19.1, eventstore v0.17.14) on LMDB, its recommended store. */
function khatru(bin: string): OutsideRelay {
  return {
    name: "khatru",
    async start(dir) {
      const port = await freePort();
      fs.mkdirSync(dir, { recursive: true });
      return spawnListening(
        bin,
        ["-addr", `127.0.0.1:${port}`, "-db", dir, "-store", "lmdb"],
        port,
        "khatru",
      );
    },
  };
}

/**
 * Gives a fresh outside relay the preloaded events the way any client would, over WebSocket (they
 * verify every id and signature, and have no import that takes the fake-signed events Rally's and
 * the TypeScript relay's stores are loaded with), then stops it and starts it again over the same
 * data. So every relay in the run holds the same events when measuring starts, and every one starts
 * as a fresh process over a store it did not just write: memory at start and warm caches compare.
 * Resolves to the restarted relay and how many preloaded events it accepted.
 */
export async function startPreloaded(
  relay: OutsideRelay,
  dir: string,
  preload: Ev[],
): Promise<{ running: RunningRelay; accepted: number }> {
  const loading = await relay.start(dir);
  let accepted = 0;
  try {
    const sockets = await Promise.all([0, 1, 2, 3].map(() => open(loading.url)));
    for (let i = 0; i < preload.length; i += 2000) {
      const res = await withTimeout(
        ingest(sockets, preload.slice(i, i + 2000)),
        300_000,
        `${relay.name} preload`,
      );
      accepted += res.accepted;
    }
    for (const ws of sockets) ws.close();
  } finally {
    await loading.stop();
  }
  return { running: await relay.start(dir), accepted };
}

function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = net.createServer().listen(0, "127.0.0.1", () => {
      const address = server.address();
      server.close(() => (address && typeof address === "object" ? resolve(address.port) : reject()));
    });
    server.once("error", reject);
  });
}

/** Spawns a relay binary and resolves once its port takes a WebSocket connection (these print no URL). */
async function spawnListening(
  cmd: string,
  args: string[],
  port: number,
  name: string,
): Promise<RunningRelay> {
  const child = spawn(cmd, args, { stdio: ["ignore", "pipe", "pipe"] });
  // Keep the tail of its output for the error message; reading it also keeps the pipes from filling.
  let out = "";
  const keep = (d: Buffer) => {
    out = (out + d.toString()).slice(-4000);
  };
  child.stdout.on("data", keep);
  child.stderr.on("data", keep);
  const url = `ws://127.0.0.1:${port}`;
  const deadline = Date.now() + 60_000;
  for (;;) {
    if (child.exitCode !== null) throw new Error(`${name} exited (${child.exitCode}): ${out}`);
    try {
      const ws = await open(url);
      ws.close();
      return { url, child, stop: () => stopChild(child) };
    } catch {
      // not listening yet
    }
    if (Date.now() > deadline) {
      await stopChild(child);
      throw new Error(`${name} did not start listening on ${url} within 60 s: ${out}`);
    }
    await new Promise((r) => setTimeout(r, 100));
  }
}
