/**
 * A consistent copy of a relay's database while the relay keeps running (`rally relay backup`).
 *
 * SQLite: the database in the relay's data folder is opened read-only by a second connection and
 * copied with SQLite's online backup API in a single step, so the copy is one read transaction's
 * snapshot: in WAL mode the relay goes on writing meanwhile, and every event committed (that is,
 * acknowledged with `OK true`) before the backup began is in it. Going through the file rather than
 * asking the relay needs no admin endpoint to secure and works as well when the relay is stopped.
 * Restoring is starting a relay on a folder holding the copy as `events.sqlite`.
 *
 * PostgreSQL: `pg_dump` in its custom format, run on a snapshot exported from a repeatable-read
 * transaction, so the event count reported is the dump's own. Restored with `pg_restore` into an
 * empty database.
 *
 * Either way the copy is written under a temporary name beside the target and renamed into place
 * only once complete: a failed backup leaves no half file under the name asked for.
 */
import { spawn } from "node:child_process";
import { randomBytes } from "node:crypto";
import fs from "node:fs";
import path from "node:path";
import Database from "better-sqlite3";

export interface BackupResult {
  /** Absolute path of the copy. */
  file: string;
  bytes: number;
  /** Events in the copy. */
  events: number;
}

export interface BackupOptions {
  /** Replace an existing file at the target. */
  force?: boolean;
}

/** A backup that could not be made, said in plain words. */
export class BackupError extends Error {
  constructor(message: string) {
    super(message);
    this.name = "BackupError";
  }
}

/** The SQLite file of a relay data folder (as `openSqliteEventStore` names it). */
export const SQLITE_FILE = "events.sqlite";

/** Pages per backup step: all of them, so the copy is a single snapshot (see the header). */
const ALL_PAGES = 0x7fffffff;

const message = (error: unknown): string => (error instanceof Error ? error.message : String(error));

/** Checks the target and returns the temporary name to write before renaming onto it. */
function prepareTarget(file: string, options: BackupOptions): { target: string; partial: string } {
  const target = path.resolve(file);
  const stat = fs.statSync(target, { throwIfNoEntry: false });
  if (stat?.isDirectory())
    throw new BackupError(`${target} is a folder; give the name of the backup file to write`);
  if (stat && !options.force)
    throw new BackupError(`${target} already exists; choose another name, or add --force to replace it`);
  const dir = path.dirname(target);
  try {
    if (!fs.statSync(dir).isDirectory()) throw new Error("not a folder");
    fs.accessSync(dir, fs.constants.W_OK);
  } catch (error) {
    throw new BackupError(
      `cannot write the backup in ${dir} (${message(error)}); choose a folder that exists and you may write to`,
    );
  }
  const partial = path.join(dir, `.${path.basename(target)}.partial-${randomBytes(4).toString("hex")}`);
  return { target, partial };
}

function removePartial(partial: string): void {
  for (const f of [partial, `${partial}-wal`, `${partial}-shm`, `${partial}-journal`])
    fs.rmSync(f, { force: true });
}

function finish(partial: string, target: string, events: number): BackupResult {
  fs.renameSync(partial, target);
  return { file: target, bytes: fs.statSync(target).size, events };
}

/** Copies the SQLite database of the relay data folder `dataDir` to `file`. */
export async function backupSqlite(
  dataDir: string,
  file: string,
  options: BackupOptions = {},
): Promise<BackupResult> {
  const dir = path.resolve(dataDir);
  if (!fs.existsSync(dir))
    throw new BackupError(`${dir} does not exist; give the folder the relay keeps its data in with --data`);
  const source = path.join(dir, SQLITE_FILE);
  if (!fs.existsSync(source))
    throw new BackupError(
      `${dir} holds no relay database (${SQLITE_FILE}); give the folder the relay runs with (rally relay --data)`,
    );
  const { target, partial } = prepareTarget(file, options);
  if (target === source || target.startsWith(`${source}-`))
    throw new BackupError(`${target} is the relay's own database; write the backup somewhere else`);
  let db: Database.Database;
  try {
    db = new Database(source, { readonly: true, fileMustExist: true });
    db.pragma("busy_timeout = 5000");
  } catch (error) {
    throw new BackupError(`cannot open the relay database ${source} (${message(error)})`);
  }
  try {
    await db.backup(partial, { progress: () => ALL_PAGES });
  } catch (error) {
    removePartial(partial);
    throw new BackupError(`the backup of ${source} failed (${message(error)})`);
  } finally {
    db.close();
  }
  let events: number;
  try {
    const copy = new Database(partial, { fileMustExist: true });
    try {
      events = (copy.prepare("SELECT count(*) AS n FROM events").get() as { n: number }).n;
    } finally {
      copy.close();
    }
  } catch (error) {
    removePartial(partial);
    throw new BackupError(`the copy of ${source} cannot be read back (${message(error)})`);
  }
  return finish(partial, target, events);
}

/** `pg_dump` on PATH, else the newest in Debian's /usr/lib/postgresql/<version>/bin. */
export function findPgDump(): string | undefined {
  for (const dir of (process.env.PATH ?? "").split(path.delimiter)) {
    const candidate = dir && path.join(dir, "pg_dump");
    if (candidate && fs.existsSync(candidate)) return candidate;
  }
  const root = "/usr/lib/postgresql";
  const versions = fs.existsSync(root)
    ? fs.readdirSync(root).filter((v) => fs.existsSync(path.join(root, v, "bin", "pg_dump")))
    : [];
  versions.sort((a, b) => Number(b) - Number(a));
  return versions[0] ? path.join(root, versions[0], "bin", "pg_dump") : undefined;
}

export interface PostgresBackupOptions extends BackupOptions {
  /** The `pg_dump` to run; default `findPgDump()`. */
  pgDump?: string;
}

/** Dumps the relay database at `url` to `file` (pg_dump's custom format, for `pg_restore`). */
export async function backupPostgres(
  url: string,
  file: string,
  options: PostgresBackupOptions = {},
): Promise<BackupResult> {
  const pgDump = options.pgDump ?? findPgDump();
  if (!pgDump || !fs.existsSync(pgDump))
    throw new BackupError(
      "pg_dump is not installed, and a PostgreSQL relay is backed up with it: install PostgreSQL's client programs (on Debian: apt-get install postgresql-client)",
    );
  const { target, partial } = prepareTarget(file, options);
  // The password goes to pg_dump in its environment, not on its command line (which `ps` shows).
  const parsed = new URL(url);
  const password = decodeURIComponent(parsed.password);
  parsed.password = "";
  // Loaded here only, as the relay loads its PostgreSQL store: SQLite relays never need it.
  const { default: pg } = await import("pg");
  const client = new pg.Client({ connectionString: url });
  try {
    await client.connect();
  } catch (error) {
    throw new BackupError(`cannot reach the database (${message(error)}); check --db`);
  }
  try {
    await client.query("BEGIN ISOLATION LEVEL REPEATABLE READ READ ONLY");
    const snapshot = (await client.query<{ id: string }>("SELECT pg_export_snapshot() AS id")).rows[0]!.id;
    let events: number;
    try {
      const row = (await client.query<{ n: string }>("SELECT count(*) AS n FROM events")).rows[0]!;
      events = Number(row.n);
    } catch (error) {
      throw new BackupError(
        `the database holds no relay events (${message(error)}); check that --db names a Rally relay's database`,
      );
    }
    const args = [
      "--format=custom",
      `--file=${partial}`,
      `--snapshot=${snapshot}`,
      "--no-password",
      `--dbname=${parsed.toString()}`,
    ];
    const env = { ...process.env, ...(password ? { PGPASSWORD: password } : {}) };
    const { code, stderr } = await new Promise<{ code: number | null; stderr: string }>((resolve, reject) => {
      const child = spawn(pgDump, args, { env, stdio: ["ignore", "ignore", "pipe"] });
      let err = "";
      child.stderr.setEncoding("utf8");
      child.stderr.on("data", (d: string) => {
        err += d;
      });
      child.once("error", reject);
      child.once("close", (c) => resolve({ code: c, stderr: err }));
    });
    if (code !== 0) {
      removePartial(partial);
      throw new BackupError(`pg_dump failed: ${stderr.trim() || `exit code ${code}`}`);
    }
    await client.query("COMMIT");
    return finish(partial, target, events);
  } catch (error) {
    removePartial(partial);
    if (error instanceof BackupError) throw error;
    throw new BackupError(`the backup failed (${message(error)})`);
  } finally {
    await client.end().catch(() => undefined);
  }
}
