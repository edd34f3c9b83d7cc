/**
 * Settings' account of how this device is protected, told plainly: without a passphrase, that the
 * device is not protected; with one, what it protects, and the lock (now, or after idle time). The
 * passphrase is set, changed or removed here; changing or removing it asks for the current one (a
 * device found unlocked cannot be given a passphrase of someone else's choosing).
 */
import type { DeviceSecurity } from "@rally/client";
import { useState } from "react";
import { useAction, useClient } from "../../app/client.tsx";
import { useSecurity } from "../../app/security.tsx";
import { TextField } from "../../ui/Field.tsx";
import { ErrorNote } from "../../ui/Notice.tsx";
import { PassphraseForm } from "../onboarding/PassphraseStep.tsx";
import { AUTO_LOCK_CHOICES, FORGOTTEN, WITH_PASSPHRASE, WITHOUT_PASSPHRASE } from "./protection.ts";

type Open = "none" | "set" | "change" | "remove";

export function PassphraseCard({ security }: { security: DeviceSecurity }) {
  const { reload } = useSecurity();
  const [open, setOpen] = useState<Open>("none");
  const [done, setDone] = useState<string | null>(null);
  const finish = (message: string) => {
    setOpen("none");
    setDone(message);
    reload();
  };
  const show = (which: Open) => {
    setDone(null);
    setOpen(which);
  };
  const protectedByPassphrase = security.protection === "passphrase";
  return (
    <section className={protectedByPassphrase ? "card" : "card attention"}>
      <h2>Passphrase</h2>
      {protectedByPassphrase ? (
        <p>
          <strong>This device is protected by your passphrase.</strong> {WITH_PASSPHRASE}
        </p>
      ) : (
        <>
          <p className="error-note">{WITHOUT_PASSPHRASE}</p>
          <p className="muted">{WITH_PASSPHRASE}</p>
        </>
      )}
      <p className="muted">{FORGOTTEN}</p>
      {open === "set" && (
        <PassphraseForm submitLabel="Save passphrase" onSaved={() => finish("Passphrase saved.")} />
      )}
      {open === "change" && (
        <PassphraseForm
          askCurrent
          submitLabel="Change passphrase"
          onSaved={() => finish("Passphrase changed.")}
        />
      )}
      {open === "remove" && <RemoveForm onRemoved={() => finish("Passphrase removed.")} />}
      {open === "none" ? (
        <div className="actions">
          {protectedByPassphrase ? (
            <>
              <button type="button" className="secondary" onClick={() => show("change")}>
                Change passphrase
              </button>
              <button type="button" className="quiet" onClick={() => show("remove")}>
                Remove passphrase
              </button>
            </>
          ) : (
            <button type="button" className="secondary" onClick={() => show("set")}>
              Set a passphrase
            </button>
          )}
        </div>
      ) : (
        <button type="button" className="quiet" onClick={() => setOpen("none")}>
          Cancel
        </button>
      )}
      {done && (
        <p className="saved" role="status">
          {done}
        </p>
      )}
    </section>
  );
}

function RemoveForm({ onRemoved }: { onRemoved: () => void }) {
  const client = useClient();
  const [current, setCurrent] = useState("");
  const remove = useAction(async () => {
    await client.setPassphrase(null, current);
    setCurrent("");
    onRemoved();
  });
  return (
    <form
      className="confirm-box"
      onSubmit={(e) => {
        e.preventDefault();
        void remove.run();
      }}
    >
      <p>
        <strong>Without a passphrase this device is not protected:</strong> anyone who opens this browser
        profile or copies its files can read your messages, and it no longer locks itself.
      </p>
      <TextField
        label="Current passphrase"
        type="password"
        autoComplete="current-password"
        value={current}
        onChange={(e) => setCurrent(e.target.value)}
      />
      <ErrorNote>{remove.error}</ErrorNote>
      <button type="submit" className="danger" disabled={remove.busy || !current}>
        Remove passphrase
      </button>
    </form>
  );
}

/** Lock now, and after how long without use the device locks itself (only with a passphrase). */
export function LockCard({ security }: { security: DeviceSecurity }) {
  const client = useClient();
  const { reload, lock } = useSecurity();
  const choose = useAction(async (minutes: number | null) => {
    await client.setAutoLock(minutes);
    reload();
  });
  const current = AUTO_LOCK_CHOICES.find((c) => c.minutes === security.autoLockMinutes)
    ? String(security.autoLockMinutes)
    : "custom";
  return (
    <section className="card" aria-labelledby="lock-heading">
      <h2 id="lock-heading">Lock</h2>
      <p className="muted">
        A locked device shows only the lock screen: nothing of your groups can be read or sent until your
        passphrase is typed. Every Rally tab in this browser locks at once.
      </p>
      <div className="field">
        <label htmlFor="auto-lock">Lock when no one has used Rally</label>
        <select
          id="auto-lock"
          value={current}
          disabled={choose.busy}
          onChange={(e) => void choose.run(e.target.value === "null" ? null : Number(e.target.value))}
        >
          {AUTO_LOCK_CHOICES.map((c) => (
            <option key={String(c.minutes)} value={String(c.minutes)}>
              {c.label}
            </option>
          ))}
          {current === "custom" && (
            <option value="custom" disabled>
              After {security.autoLockMinutes} minutes
            </option>
          )}
        </select>
      </div>
      <ErrorNote>{choose.error}</ErrorNote>
      <button type="button" className="secondary" onClick={() => void lock()}>
        Lock now
      </button>
    </section>
  );
}
