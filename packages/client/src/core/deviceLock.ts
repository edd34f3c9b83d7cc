/**
 * The device lock (DESIGN.md principle 7, "one writer per device"): one lock that every change to a
 * device's MLS states, outbox and group records is made under, across every process and tab that
 * opens the same store. MLS states are values read, advanced and written back; two engines that read
 * the same state both encrypt at the same sender generation, and receivers keep only the first
 * ciphertext of each generation — the other message is lost for good. `Core.exclusive` holds this
 * lock for the whole of each step and re-reads what it caches once it has it.
 *
 * This file holds the port, the in-process lock (one engine, nothing else opens the store: tests
 * and hosts that bring their own store) and the browser's (Web Locks API, held by the engine's
 * worker, released by the browser when the tab or worker goes away). The Node lock, over a SQLite
 * lock file in the home, is in `sqliteDeviceLock.ts` so that browser bundles never load
 * better-sqlite3.
 *
 * Runs in: Node and browsers.
 */
import { RallyError } from "../api.ts";

/** Gives the lock back. */
export type ReleaseLock = () => void | Promise<void>;

export interface DeviceLock {
  /**
   * Waits until this caller alone holds the device's lock. Rejects with a `RallyError` coded `busy`
   * when another holder keeps it longer than the lock's timeout.
   */
  acquire(): Promise<ReleaseLock>;
  /** Lets go of whatever the lock keeps open (files); a held lock is released first. */
  close(): void;
}

export interface DeviceLockOptions {
  /** Gives up waiting after this long (ms). */
  timeoutMs?: number;
  /** Called once per wait that lasts longer than `noticeAfterMs`: the person is told why nothing happens. */
  onWait?: () => void;
  /** Default 1 s. */
  noticeAfterMs?: number;
}

/** How long a step waits for another holder before it gives up, by default. */
export const DEFAULT_LOCK_TIMEOUT_MS = 60_000;

export const BUSY_CODE = "busy";

/** The error a step gets when another process or tab kept the lock for too long. */
export function deviceBusyError(where: "process" | "tab", waitedMs: number): RallyError {
  const seconds = Math.round(waitedMs / 1000);
  return new RallyError(
    where === "tab"
      ? `Rally is busy in another tab of this browser (waited ${seconds} s for it). Close the other tab or try again.`
      : `Another Rally command on this device is still changing your groups (waited ${seconds} s for it). Let it finish, or stop it, then try again.`,
    BUSY_CODE,
  );
}

/** For one engine alone on its store: nothing to wait for. */
export function inProcessDeviceLock(): DeviceLock {
  return {
    acquire: async () => () => undefined,
    close: () => undefined,
  };
}

/** The part of the Web Locks API used here (`navigator.locks`, in windows and workers). */
export interface WebLockManager {
  request(
    name: string,
    options: { mode?: "exclusive" | "shared"; signal?: AbortSignal },
    callback: (lock: unknown) => Promise<void>,
  ): Promise<void>;
}

/** The browser's lock manager, when this context has one (secure contexts only). */
export function webLockManager(): WebLockManager | undefined {
  const nav = (globalThis as { navigator?: { locks?: WebLockManager } }).navigator;
  return nav?.locks && typeof nav.locks.request === "function" ? nav.locks : undefined;
}

/**
 * A device lock over the Web Locks API, one per IndexedDB database (`rally-device:<dbName>`): every
 * tab's engine of one account asks for the same name. The browser queues requests in order and
 * frees a lock when its holder's tab or worker ends, so a closed or crashed tab never blocks others.
 */
export function webDeviceLock(
  dbName: string,
  options: DeviceLockOptions & { locks?: WebLockManager } = {},
): DeviceLock {
  const locks = options.locks ?? webLockManager();
  if (!locks) throw new Error("This browser has no Web Locks API");
  const name = `rally-device:${dbName}`;
  const timeoutMs = options.timeoutMs ?? DEFAULT_LOCK_TIMEOUT_MS;
  const noticeAfterMs = options.noticeAfterMs ?? 1_000;
  return {
    acquire() {
      return new Promise<ReleaseLock>((resolve, reject) => {
        const started = Date.now();
        const abort = new AbortController();
        const notice = setTimeout(() => options.onWait?.(), noticeAfterMs);
        const giveUp = setTimeout(() => abort.abort(), timeoutMs);
        locks
          .request(name, { mode: "exclusive", signal: abort.signal }, () => {
            clearTimeout(notice);
            clearTimeout(giveUp);
            // The lock is held until the promise returned here settles: hand its resolver out.
            return new Promise<void>((release) => resolve(() => release()));
          })
          .catch((e: unknown) => {
            clearTimeout(notice);
            clearTimeout(giveUp);
            reject(
              (e as { name?: string })?.name === "AbortError"
                ? deviceBusyError("tab", Date.now() - started)
                : e,
            );
          });
      });
    },
    close: () => undefined,
  };
}
