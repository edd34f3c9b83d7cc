/**
 * A duress passphrase (opt-in): typed at the lock screen instead of the real one, it silently
 * erases this device and shows a fresh, empty Rally. Only offered once a passphrase is set; the
 * lock screen never tells whether one exists.
 */
import type { DeviceSecurity } from "@rally/client";
import { useState } from "react";
import { useAction, useClient } from "../../app/client.tsx";
import { useSecurity } from "../../app/security.tsx";
import { TextField } from "../../ui/Field.tsx";
import { ErrorNote } from "../../ui/Notice.tsx";

export function DuressCard({ security }: { security: DeviceSecurity }) {
  const client = useClient();
  const { reload } = useSecurity();
  const [open, setOpen] = useState(false);
  const [first, setFirst] = useState("");
  const [second, setSecond] = useState("");
  const [done, setDone] = useState<string | null>(null);
  const save = useAction(async () => {
    if (first.length < 8) throw new Error("Use at least 8 characters.");
    if (first !== second) throw new Error("The two duress passphrases are not the same.");
    await client.setDuressPassphrase(first);
    setFirst("");
    setSecond("");
    setOpen(false);
    setDone("Duress passphrase saved.");
    reload();
  });
  const remove = useAction(async () => {
    await client.setDuressPassphrase(null);
    setDone("Duress passphrase removed.");
    reload();
  });
  return (
    <section className="card" aria-labelledby="duress-heading">
      <h2 id="duress-heading">Duress passphrase</h2>
      <p className="muted">
        Optional, for when someone could force you to open Rally. A second passphrase that you type at the
        lock screen instead of your real one: it silently erases this device and shows a fresh, empty Rally,
        as if you had never used it here. Your recovery words still bring your account back later.
      </p>
      <p>{security.duress ? "A duress passphrase is set on this device." : "No duress passphrase is set."}</p>
      {open ? (
        <form
          onSubmit={(e) => {
            e.preventDefault();
            void save.run();
          }}
        >
          <TextField
            label="Duress passphrase"
            hint="Different from your passphrase, and easy to type under stress."
            type="password"
            autoComplete="off"
            value={first}
            onChange={(e) => setFirst(e.target.value)}
          />
          <TextField
            label="Type the duress passphrase again"
            type="password"
            autoComplete="off"
            value={second}
            onChange={(e) => setSecond(e.target.value)}
          />
          <ErrorNote>{save.error}</ErrorNote>
          <div className="actions">
            <button type="submit" className="secondary" disabled={save.busy || !first}>
              Save duress passphrase
            </button>
            <button type="button" className="quiet" onClick={() => setOpen(false)}>
              Cancel
            </button>
          </div>
        </form>
      ) : (
        <div className="actions">
          <button
            type="button"
            className="secondary"
            onClick={() => {
              setDone(null);
              setOpen(true);
            }}
          >
            {security.duress ? "Change duress passphrase" : "Set a duress passphrase"}
          </button>
          {security.duress && (
            <button type="button" className="quiet" disabled={remove.busy} onClick={() => void remove.run()}>
              Remove duress passphrase
            </button>
          )}
        </div>
      )}
      <ErrorNote>{remove.error}</ErrorNote>
      {done && (
        <p className="saved" role="status">
          {done}
        </p>
      )}
    </section>
  );
}
