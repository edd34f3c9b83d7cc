/**
 * The device lock on Node (`deviceLock.ts`): a SQLite write transaction, `BEGIN IMMEDIATE`, held on
 * a connection of its own to a lock file beside the store (`<home>/rally.lock`), rolled back to let
 * go. Why this one:
 *
 * - It works across processes and dies with its holder: SQLite's write lock is a POSIX advisory
 *   (fcntl) lock on the file, which the kernel drops when the process ends, `kill -9` included. A
 *   lock file with a pid in it would need stale-lock guessing; a lock directory survives a crash.
 * - It needs nothing new: better-sqlite3 is already the store's driver, and Node has no fcntl of its
 *   own. Two connections of one process also exclude each other (SQLite tracks locks per file
 *   inside a process), so two engines on one home in the same process are ordered too.
 * - It is a separate file, not a transaction on `rally.db`: the holder's own store connection must
 *   keep writing `rally.db` while the lock is held, which a write transaction there would block.
 *   Nothing is ever written to the lock file (journal in memory), so no journal is left by a crash.
 *
 * better-sqlite3 is synchronous and SQLite's busy handler sleeps in the calling thread, which would
 * freeze the event loop while waiting; so the busy timeout is 0 and the wait is a loop of tries
 * with timers between them. Those who have waited longer try more often, so twenty commands started
 * at once all get their turn well inside the timeout.
 *
 * Runs in: Node.
 */
import { mkdirSync } from "node:fs";
import { join } from "node:path";
import Database from "better-sqlite3";
import {
  DEFAULT_LOCK_TIMEOUT_MS,
  type DeviceLock,
  type DeviceLockOptions,
  deviceBusyError,
  type ReleaseLock,
} from "../../deviceLock.ts";

/** The lock file inside a home directory. */
export function lockPath(home: string): string {
  return join(home, "rally.lock");
}

export interface SqliteDeviceLockOptions extends DeviceLockOptions {
  /**
   * Test hook: on the Nth release of the lock in this process, say so on stderr and keep holding it
   * for good, so a test can kill the process while it holds the lock (`RALLY_TEST_PAUSE_IN_LOCK`).
   */
  pauseAtRelease?: number;
}

export function sqliteDeviceLock(home: string, options: SqliteDeviceLockOptions = {}): DeviceLock {
  const timeoutMs = options.timeoutMs ?? DEFAULT_LOCK_TIMEOUT_MS;
  const noticeAfterMs = options.noticeAfterMs ?? 1_000;
  let db: Database.Database | null = null;
  let held = false;
  let releases = 0;

  const connection = (): Database.Database => {
    if (db) return db;
    mkdirSync(home, { recursive: true, mode: 0o700 });
    const d = new Database(lockPath(home));
    d.pragma("busy_timeout = 0");
    d.pragma("journal_mode = MEMORY");
    db = d;
    return d;
  };

  const tryLock = (): boolean => {
    // One connection holds one transaction: a second caller of this same lock waits its turn too.
    if (held) return false;
    try {
      connection().exec("BEGIN IMMEDIATE");
      return true;
    } catch (e) {
      const code = (e as { code?: string }).code;
      if (code === "SQLITE_BUSY" || code === "SQLITE_LOCKED") return false;
      throw e;
    }
  };

  const release = (): void => {
    if (!held) return;
    held = false;
    try {
      db?.exec("ROLLBACK");
    } catch {
      // The transaction is gone already (the connection closed): nothing is held.
    }
  };

  return {
    async acquire(): Promise<ReleaseLock> {
      const started = Date.now();
      let told = false;
      while (!tryLock()) {
        const waited = Date.now() - started;
        if (waited >= timeoutMs) throw deviceBusyError("process", waited);
        if (!told && waited >= noticeAfterMs) {
          told = true;
          options.onWait?.();
        }
        // From 50 ms down to 5 ms as the wait grows, with jitter so tries do not line up.
        const step = Math.max(5, 50 - waited / 200);
        await new Promise((r) => setTimeout(r, step * (0.5 + Math.random())));
      }
      held = true;
      let released = false;
      return () => {
        // A second call of the same release must not let go of a later holding.
        if (released) return;
        released = true;
        releases++;
        if (options.pauseAtRelease !== undefined && releases === options.pauseAtRelease) {
          process.stderr.write("rally: test pause, holding the device lock\n");
          return new Promise<void>(() => {
            setInterval(() => undefined, 60_000);
          });
        }
        release();
      };
    },
    close(): void {
      release();
      db?.close();
      db = null;
    },
  };
}
