/** Optional: a passphrase that encrypts the account on this device and in backups. */
import { useState } from "react";
import { useAction, useClient } from "../../app/client.tsx";
import { TextField } from "../../ui/Field.tsx";
import { ErrorNote } from "../../ui/Notice.tsx";

export function PassphraseForm({ onSaved, submitLabel }: { onSaved: () => void; submitLabel: string }) {
  const client = useClient();
  const [first, setFirst] = useState("");
  const [second, setSecond] = useState("");
  const save = useAction(async () => {
    if (first.length < 8) throw new Error("Use at least 8 characters — a few words are easier to remember.");
    if (first !== second) throw new Error("The two passphrases are not the same.");
    await client.setPassphrase(first);
    return true;
  });
  return (
    <form
      onSubmit={async (e) => {
        e.preventDefault();
        if (await save.run()) {
          setFirst("");
          setSecond("");
          onSaved();
        }
      }}
    >
      <TextField
        label="Passphrase"
        type="password"
        autoComplete="new-password"
        value={first}
        onChange={(e) => setFirst(e.target.value)}
      />
      <TextField
        label="Type it again"
        type="password"
        autoComplete="new-password"
        value={second}
        onChange={(e) => setSecond(e.target.value)}
      />
      <ErrorNote>{save.error}</ErrorNote>
      <button type="submit" className="primary wide" disabled={save.busy || !first}>
        {save.busy ? "Saving…" : submitLabel}
      </button>
    </form>
  );
}

export function PassphraseStep({ onDone }: { onDone: () => void }) {
  const [open, setOpen] = useState(false);
  return (
    <>
      <h1>One more thing (optional)</h1>
      <p className="lead">
        A passphrase locks your account on this device, so someone who picks up your phone or copies its files
        cannot use it.
      </p>
      {open ? (
        <PassphraseForm onSaved={onDone} submitLabel="Set passphrase" />
      ) : (
        <button type="button" className="secondary wide" onClick={() => setOpen(true)}>
          Add a passphrase
        </button>
      )}
      <button type="button" className={open ? "quiet wide" : "primary wide"} onClick={onDone}>
        {open ? "Skip for now" : "Start using Rally"}
      </button>
    </>
  );
}
