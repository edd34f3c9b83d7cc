/**
 * What locks the device from the page besides the "Lock now" button: idle time and the other tabs.
 *
 * Idle means no pointer, key or touch in any of Rally's tabs of this browser profile: each tab
 * tells the others that someone is there over a BroadcastChannel (at most every few seconds), so
 * reading in one tab keeps the others open. Whichever tab's timer runs out first locks. A lock made
 * in one tab is announced on a second channel, and every other tab locks its own engine too (each
 * tab's engine holds the data key in its own memory).
 */
import { useEffect, useRef } from "react";

const ACTIVITY_CHANNEL = "rally-activity";
const LOCK_CHANNEL = "rally-lock";
const ACTIVITY_EVENTS = ["pointerdown", "pointermove", "keydown", "touchstart", "wheel"] as const;
/** How often a tab tells the others it is in use, at most. */
const SHARE_EVERY_MS = 5_000;

function channel(name: string): BroadcastChannel | null {
  return typeof BroadcastChannel === "function" ? new BroadcastChannel(name) : null;
}

/** Calls `lock` after `minutes` without activity in any tab (never when `minutes` is null). */
export function useAutoLock(minutes: number | null, lock: () => void): void {
  const lockRef = useRef(lock);
  lockRef.current = lock;
  useEffect(() => {
    if (minutes === null || !(minutes > 0)) return;
    const idleMs = minutes * 60_000;
    let last = Date.now();
    let shared = 0;
    let timer: ReturnType<typeof setTimeout> | undefined;
    let done = false;
    const others = channel(ACTIVITY_CHANNEL);
    const check = () => {
      clearTimeout(timer);
      if (done) return;
      const left = last + idleMs - Date.now();
      if (left <= 0) {
        done = true;
        lockRef.current();
        return;
      }
      timer = setTimeout(check, left);
    };
    const active = () => {
      last = Date.now();
      if (last - shared >= SHARE_EVERY_MS) {
        shared = last;
        others?.postMessage("active");
      }
    };
    // Another tab's clock may differ from this one's: its message counts as activity now.
    const activeElsewhere = () => {
      last = Date.now();
    };
    // A sleeping computer delays timers: look again as soon as the page is seen.
    const seen = () => {
      if (document.visibilityState === "visible") check();
    };
    for (const type of ACTIVITY_EVENTS) window.addEventListener(type, active, { passive: true });
    document.addEventListener("visibilitychange", seen);
    others?.addEventListener("message", activeElsewhere);
    check();
    return () => {
      done = true;
      clearTimeout(timer);
      for (const type of ACTIVITY_EVENTS) window.removeEventListener(type, active);
      document.removeEventListener("visibilitychange", seen);
      others?.close();
    };
  }, [minutes]);
}

/**
 * Calls `lock` whenever another tab says the device was locked; returns how to say it to the
 * others (one channel for both, so a tab never hears its own announcement).
 */
export function useLockAcrossTabs(lock: () => void): () => void {
  const lockRef = useRef(lock);
  lockRef.current = lock;
  const channelRef = useRef<BroadcastChannel | null>(null);
  useEffect(() => {
    const locks = channel(LOCK_CHANNEL);
    channelRef.current = locks;
    locks?.addEventListener("message", () => lockRef.current());
    return () => {
      channelRef.current = null;
      locks?.close();
    };
  }, []);
  return () => channelRef.current?.postMessage("locked");
}
