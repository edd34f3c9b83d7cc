/**
 * A small notice when this device's clock is more than three minutes off the relays' clocks (the
 * engine learns their time from each relay and stamps with it from one minute off): what Rally
 * sends is fine either way, but the person should set the clock right.
 */
import { describeOffset } from "@rally/client";
import { useLive } from "../app/client.tsx";

const WARN_SECONDS = 180;

export function ClockNotice() {
  // The engine announces a new estimate as a "connection" change.
  const offset = useLive((c) => c.clockOffset(), ["connection"], [], undefined, { throttleMs: 1_000 });
  const seconds = offset.data?.seconds ?? 0;
  if (Math.abs(seconds) <= WARN_SECONDS) return null;
  return (
    <p className="reminder clock-notice" role="status">
      This device's clock is {describeOffset(seconds)} of the relays' clocks. Rally uses the relays' time for
      what it sends. Set the clock right.
    </p>
  );
}
