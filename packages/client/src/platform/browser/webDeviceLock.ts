/**
 * The device lock in browsers (`deviceLock.ts`): the Web Locks API, held by the engine's worker and
 * released by the browser when the tab or worker goes away.
 *
 * Runs in: browsers (windows and workers).
 */
import {
  DEFAULT_LOCK_TIMEOUT_MS,
  type DeviceLock,
  type DeviceLockOptions,
  deviceBusyError,
  type ReleaseLock,
} from "../../deviceLock.ts";

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
