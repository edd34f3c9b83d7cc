/**
 * Optional: a passphrase that encrypts everything Rally keeps on this device. The form is shared
 * with Settings, where changing the passphrase asks for the current one first.
 */
import { useState } from "react";
import { useAction, useClient } from "../../app/client.tsx";
import { TextField } from "../../ui/Field.tsx";
import { ErrorNote } from "../../ui/Notice.tsx";
import { FORGOTTEN, WITH_PASSPHRASE } from "../security/protection.ts";

export function PassphraseForm({
  onSaved,
  submitLabel,
  askCurrent = false,
}: {
  onSaved: () => void;
  submitLabel: string;
  /** Changing a passphrase: the current one is asked first. */
  askCurrent?: boolean;
}) {
  const client = useClient();
  const [current, setCurrent] = useState("");
  const [first, setFirst] = useState("");
  const [second, setSecond] = useState("");
  const save = useAction(async () => {
    if (askCurrent && !current) throw new Error("Type your current passphrase first.");
    if (first.length < 8) throw new Error("Use at least 8 characters — a few words are easier to remember.");
    if (first !== second) throw new Error("The two passphrases are not the same.");
    // A device that gets its first passphrase also locks itself after 15 idle minutes (the engine's
    // default), until Settings says otherwise.
    await client.setPassphrase(first, askCurrent ? current : undefined);
    return true;
  });
  return (
    <form
      onSubmit={async (e) => {
        e.preventDefault();
        if (await save.run()) {
          setCurrent("");
          setFirst("");
          setSecond("");
          onSaved();
        }
      }}
    >
      {askCurrent && (
        <TextField
          label="Current passphrase"
          type="password"
          autoComplete="current-password"
          value={current}
          onChange={(e) => setCurrent(e.target.value)}
        />
      )}
      <TextField
        label={askCurrent ? "New passphrase" : "Passphrase"}
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
      <p className="lead">A passphrase protects this device if someone picks it up or copies its files.</p>
      <p>{WITH_PASSPHRASE}</p>
      <p className="muted">
        Without one, anyone who opens this browser profile or copies its files can read your messages.{" "}
        {FORGOTTEN}
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
