/**
 * The top of the app: first-run onboarding until an account exists (and its recovery words were
 * shown), then the main shell. An invite link (`#join=…`) is taken out of the address bar at once,
 * kept until answered, and followed after onboarding.
 */
import { useEffect, useState } from "react";
import { prefs } from "../lib/prefs.ts";
import { Onboarding } from "../screens/onboarding/Onboarding.tsx";
import { Shell } from "../screens/Shell.tsx";
import { Unlock } from "../screens/Unlock.tsx";
import { ErrorNote, Loading } from "../ui/Notice.tsx";
import { useClient, useLive } from "./client.tsx";
import { navigate, useRoute } from "./router.ts";

export function App({ fatal }: { fatal: string | null }) {
  const client = useClient();
  const route = useRoute();
  const account = useLive((c) => c.account(), ["account"], []);
  // Onboarding stays open while a setup step is remembered, even once the account exists.
  const [, setFinished] = useState(0);
  const setupOpen = prefs.setupStep() !== null;

  // Take an invite link's secret out of the address bar and history as soon as it arrives.
  useEffect(() => {
    if (route.name !== "join") return;
    prefs.setPendingJoin(`${window.location.origin}/#join=${route.payload}`);
    navigate("#/joining", { replace: true });
  }, [route]);

  // Once there is an account: one sync round, which also tells whether the account is locked
  // with a passphrase (then nothing can be signed until it is unlocked), then live mode. When the
  // device says its network is back, sync at once (what was written offline waits in the outbox)
  // instead of waiting for a retry timer.
  const ready = account.data != null && !setupOpen;
  useEffect(() => {
    if (account.data === undefined) return;
    prefs.setHasAccount(account.data !== null);
    // For bench/web: when the engine first answered.
    if (performance.getEntriesByName("rally:engine-ready").length === 0)
      performance.mark("rally:engine-ready");
  }, [account.data]);
  const [locked, setLocked] = useState(false);
  const [unlocked, setUnlocked] = useState(0);
  // biome-ignore lint/correctness/useExhaustiveDependencies: `unlocked` restarts the engine after an unlock.
  useEffect(() => {
    if (!ready) return;
    let alive = true;
    void (async () => {
      try {
        await client.sync();
      } catch (e) {
        if ((e as { code?: string }).code === "locked") {
          if (alive) setLocked(true);
          return;
        }
        // Unreachable relays and the like: live mode keeps trying.
      }
      if (!alive) return;
      setLocked(false);
      await client.start().catch((e: unknown) => console.error("Rally could not go online:", e));
    })();
    const backOnline = () => void client.sync().catch(() => {});
    window.addEventListener("online", backOnline);
    return () => {
      alive = false;
      window.removeEventListener("online", backOnline);
    };
  }, [ready, client, unlocked]);

  if (fatal) return <ErrorScreen message={fatal} />;
  if (account.error && account.data === undefined) return <ErrorScreen message={account.error.message} />;
  // A first visit shows the welcome at once: the name field works while the engine is still
  // loading (the first call waits for it). A returning person waits for their account.
  const firstVisit = account.data === undefined && !prefs.hasAccount();
  if (account.loading && account.data === undefined && !firstVisit) {
    return (
      <main className="onboarding" id="main">
        <Loading what="Rally" />
      </main>
    );
  }
  if (!account.data || setupOpen) {
    return (
      <Onboarding
        invited={prefs.pendingJoin() !== null}
        onDone={() => {
          setFinished((n) => n + 1);
          account.reload();
          navigate(prefs.pendingJoin() ? "#/joining" : "#/");
        }}
      />
    );
  }
  if (locked) return <Unlock account={account.data} onUnlocked={() => setUnlocked((n) => n + 1)} />;
  return <Shell account={account.data} />;
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
