/**
 * How this device's data is protected, for every screen that needs it (the shell's lock button,
 * Settings): the engine's `security()` answer, which App reads again whenever the engine announces
 * an "account" change (a lock or unlock in this tab or another, a passphrase set or removed).
 */
import type { DeviceSecurity } from "@rally/client";
import { createContext, type ReactNode, useContext } from "react";

export interface SecurityState {
  /** Null until the engine first answered. */
  security: DeviceSecurity | null;
  /** Reads `security()` again (after a change made from this page). */
  reload(): void;
  /** Locks this device now, in every tab. */
  lock(): Promise<void>;
}

const SecurityContext = createContext<SecurityState | null>(null);

export function SecurityProvider({ value, children }: { value: SecurityState; children: ReactNode }) {
  return <SecurityContext.Provider value={value}>{children}</SecurityContext.Provider>;
}

export function useSecurity(): SecurityState {
  const state = useContext(SecurityContext);
  if (!state) throw new Error("useSecurity outside SecurityProvider");
  return state;
}
