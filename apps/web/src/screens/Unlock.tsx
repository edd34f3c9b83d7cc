/**
 * The lock screen: everything Rally keeps on this device is encrypted under a passphrase, and
 * nothing of it (not even the account's name) can be read until the passphrase is typed. A wrong
 * passphrase says so, with how many wrong tries there were; there is no lockout. A forgotten
 * passphrase cannot be got around: the way back is to erase this device and restore the account
 * from its recovery words.
 *
 * The duress passphrase is typed here like the real one: the engine then erases the device and
 * the unlock succeeds, and the page starts over as a fresh, empty Rally.
 */
import { RallyError } from "@rally/client";
import { useState } from "react";
import { useClient } from "../app/client.tsx";
import { startOver } from "../app/erase.ts";
import { TextField } from "../ui/Field.tsx";
import { ErrorNote } from "../ui/Notice.tsx";
import { EraseExplained } from "./security/EraseCard.tsx";

export function Unlock({ onUnlocked }: { onUnlocked: () => void }) {
  const client = useClient();
  const [passphrase, setPassphrase] = useState("");
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<string | null>(null);
  const [forgot, setForgot] = useState(false);

  const unlock = async () => {
    setBusy(true);
    setError(null);
    try {
      await client.unlock(passphrase);
      setPassphrase("");
      // An unlock that leaves no account behind was the duress passphrase: the device is new.
      if ((await client.account()) === null) {
        startOver();
        return;
      }
      onUnlocked();
    } catch (e) {
      setError(await unlockError(e, () => client.security()));
    } finally {
      setBusy(false);
    }
  };

  return (
    <main className="onboarding" id="main">
      <div className="onboarding-card">
        <div className="brand" aria-hidden="true">
          <img src="/icons/icon.svg" alt="" width={56} height={56} />
        </div>
        <h1>Rally is locked</h1>
        <p className="lead">
          Everything Rally keeps on this device is encrypted with your passphrase. Type it to open Rally.
        </p>
        <form
          onSubmit={(e) => {
            e.preventDefault();
            void unlock();
          }}
        >
          <TextField
            label="Passphrase"
            type="password"
            autoComplete="current-password"
            value={passphrase}
            onChange={(e) => setPassphrase(e.target.value)}
            required
            autoFocus
          />
          <ErrorNote>{error}</ErrorNote>
          <button type="submit" className="primary wide" disabled={busy || !passphrase}>
            {busy ? "Unlocking…" : "Unlock"}
          </button>
        </form>
        {forgot ? (
          <section className="confirm-box" aria-label="Forgot your passphrase">
            <h2>Forgot your passphrase?</h2>
            <p>
              Nobody can open this device without it — not Rally, not the people who run its servers. What you
              can do is start again from your twelve recovery words:
            </p>
            <EraseExplained />
            <button type="button" className="quiet" onClick={() => setForgot(false)}>
              Back
            </button>
          </section>
        ) : (
          <button type="button" className="link-button" onClick={() => setForgot(true)}>
            Forgot it? Restore from your recovery words on a fresh device
          </button>
        )}
      </div>
    </main>
  );
}

/** A wrong passphrase, with the number of wrong tries; anything else as it is. */
async function unlockError(e: unknown, security: () => Promise<{ failedUnlocks: number }>): Promise<string> {
  if (!(e instanceof RallyError) || e.code !== "wrong-passphrase") {
    return e instanceof Error ? e.message : String(e);
  }
  const tries = await security().then(
    (s) => s.failedUnlocks,
    () => 0,
  );
  const count = tries > 0 ? ` (${tries} wrong ${tries === 1 ? "try" : "tries"} since the last unlock)` : "";
  return `That is not the passphrase${count}. Check for typing mistakes and try again; there is no limit.`;
}
