/// <reference lib="dom" />
/**
 * Browser entry for `deviceLock.browser.test.ts`: the Web Locks device lock (`webDeviceLock`) in
 * real Chromium — two holders of one database's lock take turns, and a waiter gives up with the
 * plain-words `busy` error, after saying once that it waits.
 *
 * Runs in: browsers (bundled by the test).
 */
import { webDeviceLock } from "../../packages/client/src/platform/browser/webDeviceLock.ts";

declare global {
  interface Window {
    rallyLockTests: {
      turns(): Promise<string[]>;
      busy(): Promise<{ code: string; message: string; told: number; afterwards: boolean }>;
    };
  }
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

window.rallyLockTests = {
  async turns() {
    const a = webDeviceLock("turns");
    const b = webDeviceLock("turns");
    const log: string[] = [];
    const hold = async (lock: typeof a, who: string) => {
      for (let i = 0; i < 5; i++) {
        const release = await lock.acquire();
        log.push(`${who}+`);
        await sleep(3);
        log.push(`${who}-`);
        await release();
      }
    };
    await Promise.all([hold(a, "a"), hold(b, "b")]);
    return log;
  },
  async busy() {
    const holder = webDeviceLock("busy");
    let told = 0;
    const waiter = webDeviceLock("busy", { timeoutMs: 400, noticeAfterMs: 100, onWait: () => told++ });
    const release = await holder.acquire();
    const err = await waiter.acquire().then(
      () => ({ code: "", message: "acquired while held" }),
      (e: { code?: string; message?: string }) => ({ code: e.code ?? "", message: e.message ?? "" }),
    );
    await release();
    // Free again: the waiter gets it at once.
    const again = await Promise.race([waiter.acquire(), sleep(5_000).then(() => null)]);
    if (again) await again();
    return { ...err, told, afterwards: again !== null };
  },
};
