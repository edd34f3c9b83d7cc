/**
 * A passphrase-protected account on this device: Rally asks for the passphrase before it can
 * send or receive anything (the key stays encrypted at rest until then).
 */
import type { AccountInfo } from "@rally/client";
import { useState } from "react";
import { useAction, useClient } from "../app/client.tsx";
import { TextField } from "../ui/Field.tsx";
import { ErrorNote } from "../ui/Notice.tsx";

export function Unlock({ account, onUnlocked }: { account: AccountInfo; onUnlocked: () => void }) {
  const client = useClient();
  const [passphrase, setPassphrase] = useState("");
  const unlock = useAction(async () => {
    await client.unlock(passphrase);
    return true;
  });
  return (
    <main className="onboarding" id="main">
      <div className="onboarding-card">
        <div className="brand" aria-hidden="true">
          <img src="/icons/icon.svg" alt="" width={56} height={56} />
        </div>
        <h1>Welcome back, {account.name}</h1>
        <p className="lead">Your account on this device is locked with a passphrase.</p>
        <form
          onSubmit={async (e) => {
            e.preventDefault();
            if (await unlock.run()) {
              setPassphrase("");
              onUnlocked();
            }
          }}
        >
          <TextField
            label="Passphrase"
            type="password"
            autoComplete="current-password"
            value={passphrase}
            onChange={(e) => setPassphrase(e.target.value)}
            required
          />
          <ErrorNote>{unlock.error}</ErrorNote>
          <button type="submit" className="primary wide" disabled={unlock.busy || !passphrase}>
            {unlock.busy ? "Unlocking…" : "Unlock"}
          </button>
        </form>
        <p className="fine-print">
          Forgot it? Your twelve recovery words bring your account back on another device or browser.
        </p>
      </div>
    </main>
  );
}
