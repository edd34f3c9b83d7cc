/** Whether Rally can reach the network right now, in words (colour alone is not enough). */
import { useConnection } from "../app/client.tsx";

const TEXT = {
  online: "Connected",
  connecting: "Connecting…",
  offline: "Offline",
} as const;

export function ConnectionBadge() {
  const state = useConnection();
  return (
    <span
      className={`connection connection-${state}`}
      role="status"
      title={
        state === "offline" ? "Messages you write are kept and sent when you are back online." : undefined
      }
    >
      <span className="dot" aria-hidden="true" />
      {TEXT[state]}
    </span>
  );
}
