/**
 * Test helper: a private PostgreSQL cluster in a temp folder, started and stopped by the test —
 * never the machine's own cluster. `initdb` makes it (trust authentication, local connections
 * only), `pg_ctl` starts it listening on a free loopback port and on a unix socket in the same
 * folder, and `stop()` stops it and removes the folder.
 *
 *   const pg = await startPostgres();
 *   const url = await pg.createDatabase(); // postgres://rally@localhost:<port>/<fresh database>
 *   ...
 *   await pg.stop();
 *
 * PostgreSQL refuses to run as root: when the tests run as root, the cluster's binaries run as the
 * `postgres` system user (Debian's package makes it), else as `nobody`, and the folder is theirs.
 * Binaries come from Debian's `postgresql` package (/usr/lib/postgresql/<version>/bin) or PATH;
 * `npm test` installs the package when it is missing.
 */
import { execFileSync, spawnSync } from "node:child_process";
import fs from "node:fs";
import net from "node:net";
import os from "node:os";
import path from "node:path";
import pg from "pg";

export interface PostgresHandle {
  /** Connection string of the cluster's `postgres` database, as the superuser `rally`. */
  url: string;
  /** The cluster's folder (data, socket and log). */
  dir: string;
  port: number;
  /** Creates an empty database and returns its connection string. */
  createDatabase(name?: string): Promise<string>;
  /** The server log so far (for failure messages). */
  log(): string;
  /** Stops the cluster at once and removes its folder. */
  stop(): Promise<void>;
}

export interface StartPostgresOptions {
  /**
   * Flush commits to disk as a production server does (default false: tests only kill relay
   * processes, never the database, so its own crash safety is not under test and fsync only slows
   * the run). The benchmark turns it on.
   */
  fsync?: boolean;
}

/** The folder holding `initdb`, `pg_ctl` and `postgres`, or undefined when PostgreSQL is not installed. */
export function postgresBinDir(): string | undefined {
  const root = "/usr/lib/postgresql";
  if (fs.existsSync(root)) {
    const versions = fs
      .readdirSync(root)
      .filter((v) => fs.existsSync(path.join(root, v, "bin", "initdb")))
      .sort((a, b) => Number(b) - Number(a));
    if (versions[0]) return path.join(root, versions[0], "bin");
  }
  for (const dir of (process.env.PATH ?? "").split(path.delimiter)) {
    if (dir && fs.existsSync(path.join(dir, "initdb")) && fs.existsSync(path.join(dir, "pg_ctl"))) return dir;
  }
  return undefined;
}

function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const srv = net.createServer();
    srv.once("error", reject);
    srv.listen(0, "127.0.0.1", () => {
      const { port } = srv.address() as net.AddressInfo;
      srv.close(() => resolve(port));
    });
  });
}

/** Who runs the cluster's binaries: ourselves, or an unprivileged user when we are root. */
function runAs(): { user: string; uid: number; gid: number } | undefined {
  if (process.getuid?.() !== 0) return undefined;
  for (const user of ["postgres", "nobody"]) {
    const r = spawnSync("id", ["-u", user], { encoding: "utf8" });
    if (r.status !== 0) continue;
    const uid = Number(r.stdout.trim());
    const gid = Number(execFileSync("id", ["-g", user], { encoding: "utf8" }).trim());
    return { user, uid, gid };
  }
  throw new Error("running as root and found no unprivileged user (postgres or nobody) to run PostgreSQL as");
}

let counter = 0;

export async function startPostgres(opts: StartPostgresOptions = {}): Promise<PostgresHandle> {
  const bin = postgresBinDir();
  if (!bin)
    throw new Error(
      "PostgreSQL is not installed (no initdb in /usr/lib/postgresql/*/bin or on PATH): run `apt-get install -y postgresql`, or `npm test`, which installs it",
    );
  const who = runAs();
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), "rally-pg-"));
  const data = path.join(dir, "data");
  const logFile = path.join(dir, "server.log");
  if (who) fs.chownSync(dir, who.uid, who.gid);
  const run = (cmd: string, args: string[]) => {
    const full = who
      ? ["runuser", ["-u", who.user, "--", path.join(bin, cmd), ...args]]
      : [path.join(bin, cmd), args];
    const r = spawnSync(full[0] as string, full[1] as string[], { encoding: "utf8", cwd: dir });
    if (r.status !== 0)
      throw new Error(
        `${cmd} failed (${r.status}): ${r.stderr || r.stdout}${fs.existsSync(logFile) ? `\n${fs.readFileSync(logFile, "utf8")}` : ""}`,
      );
  };
  const port = await freePort();
  try {
    run("initdb", ["-D", data, "-U", "rally", "-A", "trust", "-E", "UTF8", "--locale=C", "--no-sync"]);
    const settings = [
      `-c listen_addresses=localhost`,
      `-c port=${port}`,
      `-c unix_socket_directories=${dir}`,
      `-c max_connections=200`,
      ...(opts.fsync ? [] : ["-c fsync=off", "-c full_page_writes=off"]),
    ].join(" ");
    run("pg_ctl", ["-D", data, "-l", logFile, "-w", "-t", "60", "-o", settings, "start"]);
  } catch (error) {
    fs.rmSync(dir, { recursive: true, force: true });
    throw error;
  }
  const url = `postgres://rally@localhost:${port}/postgres`;
  let stopped = false;
  return {
    url,
    dir,
    port,
    async createDatabase(name) {
      const db = name ?? `rally_${process.pid}_${++counter}`;
      const client = new pg.Client({ connectionString: url });
      await client.connect();
      try {
        await client.query(`CREATE DATABASE "${db.replace(/"/g, '""')}"`);
      } finally {
        await client.end();
      }
      return `postgres://rally@localhost:${port}/${encodeURIComponent(db)}`;
    },
    log: () => (fs.existsSync(logFile) ? fs.readFileSync(logFile, "utf8") : ""),
    async stop() {
      if (stopped) return;
      stopped = true;
      try {
        run("pg_ctl", ["-D", data, "-m", "immediate", "-w", "stop"]);
      } finally {
        fs.rmSync(dir, { recursive: true, force: true });
      }
    },
  };
}
