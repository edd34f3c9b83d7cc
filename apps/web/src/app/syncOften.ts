/**
 * Syncs every few seconds while `active`: a device link moves one step per sync round on each
 * device, so both sides sync often while one is in progress instead of waiting for live mode's
 * slower rhythm. Rounds never overlap; a failed round (offline, relay down) just waits for the next.
 */
import { useEffect, useRef } from "react";
import { useClient } from "./client.tsx";

export function useSyncOften(active: boolean, afterRound: () => void, everyMs = 2000): void {
  const client = useClient();
  const after = useRef(afterRound);
  after.current = afterRound;
  useEffect(() => {
    if (!active) return;
    let alive = true;
    let timer: ReturnType<typeof setTimeout> | undefined;
    const round = async () => {
      await client.sync().catch(() => {});
      if (!alive) return;
      after.current();
      timer = setTimeout(() => void round(), everyMs);
    };
    void round();
    return () => {
      alive = false;
      if (timer !== undefined) clearTimeout(timer);
    };
  }, [active, client, everyMs]);
}
