/**
 * An invite link (`#join=…`) waiting for an answer. It holds the group's secret, so it never goes
 * to localStorage: the engine keeps it encrypted (`rememberInviteLink`, forgotten after a day).
 * While the device is locked nothing can be written, so a link opened then stays in this page's
 * memory only, and goes to the engine at the unlock.
 */
import { createContext, type ReactNode, useCallback, useContext, useEffect, useState } from "react";
import { prefs } from "../lib/prefs.ts";
import { useClient } from "./client.tsx";

export interface InviteLinkState {
  /** The link waiting for an answer; null when none; undefined while it is still being read. */
  link: string | null | undefined;
  /** Keeps a link taken from the address bar. */
  hold(link: string): void;
  /** The link was answered or given up. */
  forget(): Promise<void>;
}

/** Keeps the pending link for App: in memory while `unlocked` is false, in the engine otherwise. */
export function useInviteLinkKeeper(unlocked: boolean): InviteLinkState {
  const client = useClient();
  const [held, setHeld] = useState<string | null>(null);
  const [remembered, setRemembered] = useState<string | null | undefined>(undefined);

  // A link an earlier version left in localStorage moves into the engine like a new one.
  useEffect(() => {
    const legacy = prefs.takeLegacyPendingJoin();
    if (legacy) setHeld(legacy);
  }, []);

  useEffect(() => {
    if (!unlocked) {
      setRemembered(undefined);
      return;
    }
    let alive = true;
    void (async () => {
      try {
        if (held !== null) {
          await client.rememberInviteLink(held);
          if (!alive) return;
          setRemembered(held);
          setHeld(null);
          return;
        }
        const link = await client.rememberedInviteLink();
        if (alive) setRemembered(link);
      } catch {
        // Locked again meanwhile: a held link stays in memory until the next unlock.
        if (alive) setRemembered(null);
      }
    })();
    return () => {
      alive = false;
    };
  }, [client, unlocked, held]);

  const forget = useCallback(async () => {
    setHeld(null);
    setRemembered(null);
    await client.rememberInviteLink(null).catch(() => {});
  }, [client]);
  return { link: held ?? remembered, hold: setHeld, forget };
}

const InviteLinkContext = createContext<InviteLinkState | null>(null);

export function InviteLinkProvider({ value, children }: { value: InviteLinkState; children: ReactNode }) {
  return <InviteLinkContext.Provider value={value}>{children}</InviteLinkContext.Provider>;
}

export function useInviteLink(): InviteLinkState {
  const state = useContext(InviteLinkContext);
  if (!state) throw new Error("useInviteLink outside InviteLinkProvider");
  return state;
}
