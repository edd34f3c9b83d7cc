/**
 * Onboarding for someone who already uses Rally on another device: the link from that device
 * (pasted, or opened as a `#device=` URL), a name for this device, then the progress until the
 * account, the groups and every part of their history are here. The "linking" step is remembered,
 * so closing the page meanwhile comes back to the progress; this device syncs every two seconds
 * until it is done, since each step happens in a sync round. Until the other device answers, this one
 * shows its code: the person links it there only if the other device shows the same code, which
 * tells their own device from anyone else who opened the same link.
 */
import { useEffect, useRef, useState } from "react";
import { useAction, useClient, useLive } from "../../app/client.tsx";
import { useSyncOften } from "../../app/syncOften.ts";
import { joiningCodeText, joiningDone, joiningText } from "../../lib/deviceLinkText.ts";
import { TextArea, TextField } from "../../ui/Field.tsx";
import { ErrorNote } from "../../ui/Notice.tsx";

export function LinkThisDevice({
  link: given,
  onAsked,
  onBack,
}: {
  link: string | null;
  onAsked: () => void;
  onBack: () => void;
}) {
  const client = useClient();
  const [link, setLink] = useState(given ?? "");
  const [name, setName] = useState("");
  const ask = useAction(async () => {
    if (!link.trim()) throw new Error("Paste the link your other device shows.");
    await client.addDevice(link.trim(), name.trim());
    return true;
  });
  return (
    <>
      <h1>Link this device</h1>
      <p className="lead">
        On the device where you use Rally, open Settings → Your devices → Link a new device, then copy its
        link here (or scan its QR code with this device).
      </p>
      <form
        onSubmit={async (e) => {
          e.preventDefault();
          if (await ask.run()) onAsked();
        }}
      >
        <TextArea
          label="Link from your other device"
          value={link}
          onChange={(e) => setLink(e.target.value)}
          rows={3}
          autoCapitalize="none"
          spellCheck={false}
          required
        />
        <TextField
          label="Name for this device"
          hint="Your other devices show this name, for example Laptop or Phone."
          value={name}
          onChange={(e) => setName(e.target.value)}
          maxLength={60}
          required
        />
        <ErrorNote>{ask.error}</ErrorNote>
        <button type="submit" className="primary wide" disabled={ask.busy || !link.trim() || !name.trim()}>
          {ask.busy ? "Asking…" : "Link this device"}
        </button>
      </form>
      <button type="button" className="link-button" onClick={onBack}>
        Back
      </button>
    </>
  );
}

/** The progress until this device is linked; `onDone` once everything is here. */
export function LinkingProgress({ onDone, onCancel }: { onDone: () => void; onCancel: () => void }) {
  const joining = useLive((c) => c.deviceJoining(), ["account", "groups", "chat"], []);
  const account = useLive((c) => c.account(), ["account"], []);
  const j = joining.data ?? null;
  const done = joiningDone(j, account.data != null);
  useSyncOften(!done, () => {
    joining.reload();
    account.reload();
  });
  const doneRef = useRef(onDone);
  doneRef.current = onDone;
  useEffect(() => {
    if (done) doneRef.current();
  }, [done]);
  const lost = joining.data === null && !joining.loading;
  return (
    <>
      <h1>Linking this device</h1>
      <p className="lead">Keep Rally open on your other device until this finishes.</p>
      {j?.state === "requested" && (
        <section className="link-code-box" aria-label="Code for this device">
          <p>{joiningCodeText(j.code)}</p>
          {/* The same code in large digits, to hold beside the other screen; the sentence reads it out. */}
          <p className="link-code" aria-hidden="true">
            {j.code}
          </p>
        </section>
      )}
      <p role="status" className="link-progress">
        {lost ? "This device is not being linked." : joiningText(j)}
      </p>
      {j && j.state === "ready" && j.groups > 0 && (
        <p className="muted">
          {j.groups} {j.groups === 1 ? "group" : "groups"} so far.
        </p>
      )}
      {joining.error && <ErrorNote>{joining.error.message}</ErrorNote>}
      {/* With no groups there is no history to wait for: the account alone is enough. */}
      {j?.state === "ready" && account.data && !done && (
        <button type="button" className="secondary" onClick={onDone}>
          Continue without waiting
        </button>
      )}
      {lost && (
        <button type="button" className="link-button" onClick={onCancel}>
          Back
        </button>
      )}
    </>
  );
}
