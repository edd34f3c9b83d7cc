/**
 * The top of the app. First how this device is protected (`security()`): a locked device shows the
 * lock screen and nothing else — every other read would fail until the unlock. Then first-run
 * onboarding until an account exists (and its recovery words were shown), then the main shell.
 *
 * A lock (the button, idle time, another tab) unmounts everything below the lock screen, so what the
 * screens showed leaves the page's memory with it; an unlock mounts it afresh. An invite link
 * (`#join=…`) is taken out of the address bar at once, kept until answered, and followed after
 * onboarding. A device link (`#device=…`) is taken out of the address bar at once too and kept in
 * this page's memory only, for onboarding's "link this device" step.
 */
import { useCallback, useEffect, useRef, useState } from "react";
import { prefs } from "../lib/prefs.ts";
import { Onboarding } from "../screens/onboarding/Onboarding.tsx";
import { Shell } from "../screens/Shell.tsx";
import { Unlock } from "../screens/Unlock.tsx";
import { ErrorNote, Loading } from "../ui/Notice.tsx";
import { useClient, useLive } from "./client.tsx";
import { InviteLinkProvider, useInviteLink, useInviteLinkKeeper } from "./inviteLink.tsx";
import { useAutoLock, useLockAcrossTabs } from "./locking.ts";
import { navigate, useRoute } from "./router.ts";
import { SecurityProvider } from "./security.tsx";

export function App({ fatal }: { fatal: string | null }) {
  const client = useClient();
  const route = useRoute();
  const security = useLive((c) => c.security(), ["account"], []);
  const locked = security.data?.locked === true;
  const invite = useInviteLinkKeeper(security.data?.locked === false);
  const [deviceLink, setDeviceLink] = useState<string | null>(null);

  // Take an invite link's secret out of the address bar and history as soon as it arrives.
  useEffect(() => {
    if (route.name !== "join") return;
    invite.hold(`${window.location.origin}/#join=${route.payload}`);
    navigate("#/joining", { replace: true });
  }, [route, invite.hold]);
  useEffect(() => {
    if (route.name !== "device-link") return;
    setDeviceLink(`${window.location.origin}/#device=${route.payload}`);
    navigate("#/", { replace: true });
  }, [route]);

  // Locked from here: the address bar forgets where the person was, too.
  // (Only when it was open before: a link opened on a locked device still leads to #/joining.)
  const lockedBefore = useRef<boolean | undefined>(undefined);
  useEffect(() => {
    if (lockedBefore.current === false && locked) navigate("#/", { replace: true });
    lockedBefore.current = security.data?.locked;
  }, [locked, security.data]);

  const reloadSecurity = security.reload;
  const lockHere = useCallback(async () => {
    await client.lock().catch((e: unknown) => console.error("Rally could not lock:", e));
    reloadSecurity();
  }, [client, reloadSecurity]);
  const tellOtherTabs = useLockAcrossTabs(() => void lockHere());
  const lockEverywhere = useCallback(async () => {
    await lockHere();
    tellOtherTabs();
  }, [lockHere, tellOtherTabs]);
  useAutoLock(
    security.data && !security.data.locked && security.data.protection === "passphrase"
      ? security.data.autoLockMinutes
      : null,
    () => void lockEverywhere(),
  );

  if (fatal) return <ErrorScreen message={fatal} />;
  if (security.data === undefined) {
    if (security.error) return <ErrorScreen message={security.error.message} />;
    // A first visit shows the welcome at once (see Unlocked); a returning person waits.
    if (prefs.hasAccount()) return <LoadingScreen />;
  }
  if (locked) return <Unlock onUnlocked={security.reload} />;
  return (
    <SecurityProvider
      value={{ security: security.data ?? null, reload: security.reload, lock: lockEverywhere }}
    >
      <InviteLinkProvider value={invite}>
        <Unlocked deviceLink={deviceLink} />
      </InviteLinkProvider>
    </SecurityProvider>
  );
}

/** Everything an unlocked device shows: onboarding until there is an account, then the shell. */
function Unlocked({ deviceLink }: { deviceLink: string | null }) {
  const client = useClient();
  const invite = useInviteLink();
  const account = useLive((c) => c.account(), ["account"], []);
  // Onboarding stays open while a setup step is remembered, even once the account exists.
  const [, setFinished] = useState(0);
  const setupOpen = prefs.setupStep() !== null;

  useEffect(() => {
    if (account.data === undefined) return;
    prefs.setHasAccount(account.data !== null);
    // For bench/web: when the engine first answered.
    if (performance.getEntriesByName("rally:engine-ready").length === 0)
      performance.mark("rally:engine-ready");
  }, [account.data]);

  // Once there is an account: one sync round, then live mode. When the device says its network is
  // back, sync at once (what was written offline waits in the outbox) instead of waiting for a
  // retry timer. A lock unmounts this and stops live mode in the engine; an unlock starts it again.
  const ready = account.data != null && !setupOpen;
  useEffect(() => {
    if (!ready) return;
    let alive = true;
    void (async () => {
      // Unreachable relays and the like: live mode keeps trying.
      await client.sync().catch(() => {});
      if (!alive) return;
      await client.start().catch((e: unknown) => console.error("Rally could not go online:", e));
    })();
    const backOnline = () => void client.sync().catch(() => {});
    window.addEventListener("online", backOnline);
    return () => {
      alive = false;
      window.removeEventListener("online", backOnline);
    };
  }, [ready, client]);

  // "locked": the device locked while this loaded; the lock screen replaces all this at once.
  const failed = account.error !== null && (account.error as { code?: string }).code !== "locked";
  if (failed && account.data === undefined) return <ErrorScreen message={account.error?.message ?? ""} />;
  // A first visit shows the welcome at once: the name field works while the engine is still
  // loading (the first call waits for it). A returning person waits for their account.
  const firstVisit = account.data === undefined && !prefs.hasAccount();
  if (account.loading && account.data === undefined && !firstVisit) return <LoadingScreen />;
  if (!account.data || setupOpen) {
    return (
      <Onboarding
        invited={invite.link != null}
        deviceLink={deviceLink}
        onDone={() => {
          setFinished((n) => n + 1);
          account.reload();
          navigate(invite.link ? "#/joining" : "#/");
        }}
      />
    );
  }
  return <Shell account={account.data} />;
}

function LoadingScreen() {
  return (
    <main className="onboarding" id="main">
      <Loading what="Rally" />
    </main>
  );
}

function ErrorScreen({ message }: { message: string }) {
  return (
    <main className="onboarding" id="main">
      <div className="onboarding-card">
        <h1>Something went wrong</h1>
        <ErrorNote>{message}</ErrorNote>
        <button type="button" className="primary wide" onClick={() => window.location.reload()}>
          Reload
        </button>
      </div>
    </main>
  );
}
