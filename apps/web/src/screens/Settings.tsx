/**
 * The person's own things: their name, their recovery words (shown only after they confirm nobody
 * is looking), their devices (and linking a new one), how this device is protected (passphrase,
 * lock, duress passphrase), an encrypted backup file, erasing this device, and — behind "Advanced"
 * — their account id and the relays Rally uses.
 */
import type { AccountInfo } from "@rally/client";
import { useState } from "react";
import { useAction, useClient, useLive } from "../app/client.tsx";
import { useSecurity } from "../app/security.tsx";
import { downloadText } from "../lib/download.ts";
import { prefs } from "../lib/prefs.ts";
import { splitWords } from "../lib/recoveryCheck.ts";
import { Advanced } from "../ui/Advanced.tsx";
import { TextField } from "../ui/Field.tsx";
import { ErrorNote, Loading } from "../ui/Notice.tsx";
import { DevicesCard } from "./devices/DevicesCard.tsx";
import { RecoveryWordList } from "./onboarding/WordsStep.tsx";
import { DuressCard } from "./security/DuressCard.tsx";
import { EraseCard } from "./security/EraseCard.tsx";
import { LockCard, PassphraseCard } from "./security/PassphraseCard.tsx";

export function Settings({ account }: { account: AccountInfo }) {
  return (
    <div className="screen narrow settings">
      <h1>Settings</h1>
      <NameSection account={account} />
      <WordsSection />
      <DevicesCard />
      <DeviceSections />
      <BackupSection />
      <EraseCard />
      <Advanced>
        <AccountIds account={account} />
        <RelaysSection account={account} />
      </Advanced>
      <p className="fine-print">
        Rally keeps your account and your groups on this device, encrypted. Messages, events and answers are
        also encrypted before they leave it.
      </p>
    </div>
  );
}

function NameSection({ account }: { account: AccountInfo }) {
  const client = useClient();
  const [name, setName] = useState(account.name);
  const [saved, setSaved] = useState(false);
  const save = useAction(async () => {
    await client.setName(name.trim());
    setSaved(true);
  });
  return (
    <section className="card">
      <h2>Your name</h2>
      <form
        onSubmit={(e) => {
          e.preventDefault();
          setSaved(false);
          void save.run();
        }}
      >
        <TextField
          label="Name people see"
          value={name}
          onChange={(e) => setName(e.target.value)}
          maxLength={64}
          required
        />
        <ErrorNote>{save.error}</ErrorNote>
        <button
          type="submit"
          className="secondary"
          disabled={save.busy || !name.trim() || name.trim() === account.name}
        >
          Save name
        </button>
        {saved && (
          <span className="saved" role="status">
            Saved
          </span>
        )}
      </form>
    </section>
  );
}

function WordsSection() {
  const [stage, setStage] = useState<"hidden" | "asking" | "shown">("hidden");
  const words = useLive((c) => (stage === "shown" ? c.recoveryWords() : Promise.resolve(null)), [], [stage]);
  return (
    <section className="card">
      <h2>Recovery words</h2>
      <p className="muted">
        Twelve words that bring your account back on a new device.
        {!prefs.wordsChecked() && " You have not checked that you wrote them down yet."}
      </p>
      {stage === "hidden" && (
        <button type="button" className="secondary" onClick={() => setStage("asking")}>
          Show my recovery words
        </button>
      )}
      {stage === "asking" && (
        <div className="confirm-box">
          <p>
            <strong>Make sure nobody can see your screen.</strong> Anyone who sees these words can take over
            your account.
          </p>
          <div className="actions">
            <button type="button" className="primary" onClick={() => setStage("shown")}>
              Nobody is looking — show them
            </button>
            <button type="button" className="quiet" onClick={() => setStage("hidden")}>
              Cancel
            </button>
          </div>
        </div>
      )}
      {stage === "shown" && (
        <>
          {words.error && <ErrorNote>{words.error.message}</ErrorNote>}
          {words.data && <RecoveryWordList words={splitWords(words.data)} />}
          <div className="actions">
            <button
              type="button"
              className="primary"
              onClick={() => {
                prefs.setWordsChecked();
                setStage("hidden");
              }}
            >
              I've written them down
            </button>
            <button type="button" className="quiet" onClick={() => setStage("hidden")}>
              Hide
            </button>
          </div>
        </>
      )}
    </section>
  );
}

/** How this device is protected, the lock, a duress passphrase and erasing: all from `security()`. */
function DeviceSections() {
  const { security } = useSecurity();
  if (!security) return <Loading what="this device's protection" />;
  return (
    <>
      <PassphraseCard security={security} />
      {security.protection === "passphrase" && (
        <>
          <LockCard security={security} />
          <DuressCard security={security} />
        </>
      )}
    </>
  );
}

function BackupSection() {
  const client = useClient();
  const [passphrase, setPassphrase] = useState("");
  const [done, setDone] = useState(false);
  const backup = useAction(async () => {
    if (passphrase.length < 8) throw new Error("Use a passphrase of at least 8 characters for the backup.");
    const file = await client.exportBackup(passphrase);
    downloadText(`rally-backup-${new Date().toISOString().slice(0, 10)}.json`, file, "application/json");
    setPassphrase("");
    setDone(true);
  });
  return (
    <section className="card">
      <h2>Backup</h2>
      <p className="muted">
        A file with your account, locked with a passphrase. Keep it somewhere other than this device.
      </p>
      <form
        onSubmit={(e) => {
          e.preventDefault();
          setDone(false);
          void backup.run();
        }}
      >
        <TextField
          label="Passphrase for the backup"
          type="password"
          autoComplete="new-password"
          value={passphrase}
          onChange={(e) => setPassphrase(e.target.value)}
        />
        <ErrorNote>{backup.error}</ErrorNote>
        <button type="submit" className="secondary" disabled={backup.busy || !passphrase}>
          Download encrypted backup
        </button>
        {done && (
          <span className="saved" role="status">
            Backup downloaded
          </span>
        )}
      </form>
    </section>
  );
}

function AccountIds({ account }: { account: AccountInfo }) {
  return (
    <>
      <h3>Account id</h3>
      <p className="muted">Others can add you to a group with this id (npub).</p>
      <p>
        <code className="break">{account.npub}</code>
      </p>
      <h3>Public key (hex)</h3>
      <p>
        <code className="break">{account.pubkey}</code>
      </p>
    </>
  );
}

function RelaysSection({ account }: { account: AccountInfo }) {
  const client = useClient();
  const [relays, setRelays] = useState(account.relays);
  const [adding, setAdding] = useState("");
  const save = useAction(async (next: string[]) => {
    await client.setRelays(next);
    setRelays(next);
  });
  return (
    <>
      <h3>Relays</h3>
      <p className="muted">
        The servers that carry your encrypted messages. They cannot read them. Rally sends to all of them, so
        one being down loses nothing.
      </p>
      <ul className="mono-list">
        {relays.map((r) => (
          <li key={r}>
            <code>{r}</code>
            <button
              type="button"
              className="quiet small danger-text"
              disabled={save.busy || relays.length <= 1}
              onClick={() => void save.run(relays.filter((x) => x !== r))}
              aria-label={`Remove relay ${r}`}
            >
              Remove
            </button>
          </li>
        ))}
      </ul>
      <form
        onSubmit={(e) => {
          e.preventDefault();
          const url = adding.trim();
          if (!/^wss?:\/\/[^\s]+$/.test(url) || relays.includes(url)) return;
          void save.run([...relays, url]).then(() => setAdding(""));
        }}
      >
        <TextField
          label="Add a relay"
          value={adding}
          onChange={(e) => setAdding(e.target.value)}
          placeholder="wss://relay.example.org"
          spellCheck={false}
          autoCapitalize="none"
          error={
            adding.trim() && !/^wss?:\/\/[^\s]+$/.test(adding.trim())
              ? "A relay address starts with wss:// (or ws://)."
              : null
          }
        />
        <ErrorNote>{save.error}</ErrorNote>
        <button
          type="submit"
          className="secondary"
          disabled={save.busy || !/^wss?:\/\/[^\s]+$/.test(adding.trim())}
        >
          Add relay
        </button>
      </form>
    </>
  );
}
