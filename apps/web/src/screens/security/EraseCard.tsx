/**
 * Erasing this device: the engine destroys the data key first (from then on nothing stored can be
 * read), then the files; the page starts over as a fresh Rally. Said exactly, behind a confirmation:
 * the account lives on in the recovery words, and groups come back when someone invites again.
 */
import { useAction, useClient } from "../../app/client.tsx";
import { startOver } from "../../app/erase.ts";
import { ConfirmButton } from "../../ui/ConfirmButton.tsx";
import { ErrorNote } from "../../ui/Notice.tsx";

/** What erasing does, and the button that does it (Settings, and the lock screen's "Forgot it?"). */
export function EraseExplained() {
  const client = useClient();
  const erase = useAction(async () => {
    await client.erase();
    startOver();
  });
  return (
    <>
      <ol>
        <li>
          Erase this device. Everything Rally keeps here is destroyed: messages, groups, names and keys. This
          cannot be undone.
        </li>
        <li>
          Choose "I already have an account" and type your twelve recovery words — here, or on any other
          device.
        </li>
        <li>Your groups come back when someone in each one invites you again.</li>
      </ol>
      <ConfirmButton
        label="Erase this device"
        question="Destroy everything Rally keeps on this device?"
        confirmLabel="Yes, erase everything"
        busy={erase.busy}
        onConfirm={() => void erase.run()}
      />
      <ErrorNote>{erase.error}</ErrorNote>
    </>
  );
}

export function EraseCard() {
  return (
    <section className="card" aria-labelledby="erase-heading">
      <h2 id="erase-heading">Erase this device</h2>
      <p className="muted">
        For when you give this device away, or fear it will be taken. Your account is not lost: your recovery
        words bring it back.
      </p>
      <EraseExplained />
    </section>
  );
}
