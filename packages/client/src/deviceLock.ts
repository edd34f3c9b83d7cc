/**
 * The device lock (DESIGN.md principle 7, "one writer per device"): one lock that every change to a
 * device's MLS states, outbox and group records is made under, across every process and tab that
 * opens the same store. MLS states are values read, advanced and written back; two engines that read
 * the same state both encrypt at the same sender generation, and receivers keep only the first
 * ciphertext of each generation — the other message is lost for good. `Device.exclusive` holds this
 * lock for the whole of each step and re-reads what it caches once it has it.
 *
 * This file holds the port and the in-process lock (one engine, nothing else opens the store: tests
 * and hosts that bring their own store). The browser's lock (Web Locks API) is in
 * `platform/browser/webDeviceLock.ts`; the Node lock, over a SQLite lock file in the home, in
 * `platform/node/sqliteDeviceLock.ts`, so that browser bundles never load better-sqlite3.
 *
 * Runs in: Node and browsers.
 */
import { RallyError } from "./api.ts";

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

/** Runs a function while holding `lock` (given back however the function ends). */
export function holding(lock: DeviceLock): <T>(fn: () => Promise<T>) => Promise<T> {
  return async (fn) => {
    const release = await lock.acquire();
    try {
      return await fn();
    } finally {
      await release();
    }
  };
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
