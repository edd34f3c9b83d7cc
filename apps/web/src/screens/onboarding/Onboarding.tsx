/**
 * First run: a name, an account made on this device, then a calm step to keep the twelve recovery
 * words (shown, then checked by picking two of them), and an optional passphrase. "I already have
 * an account" restores from the words instead. The step is remembered, so closing the page in the
 * middle brings the person back to where they were.
 */
import { useEffect, useState } from "react";
import { useAction, useClient } from "../../app/client.tsx";
import { prefs, type SetupStep } from "../../lib/prefs.ts";
import { TextArea, TextField } from "../../ui/Field.tsx";
import { ErrorNote } from "../../ui/Notice.tsx";
import { LinkingProgress, LinkThisDevice } from "./LinkThisDevice.tsx";
import { PassphraseStep } from "./PassphraseStep.tsx";
import { WordsCheck } from "./WordsCheck.tsx";
import { WordsStep } from "./WordsStep.tsx";

type Step = "welcome" | "restore" | "link" | SetupStep;

export function Onboarding({
  invited,
  deviceLink,
  onDone,
}: {
  invited: boolean;
  /** A device link opened in the address bar (already taken out of it). */
  deviceLink: string | null;
  onDone: () => void;
}) {
  const [step, setStepState] = useState<Step>(() => prefs.setupStep() ?? (deviceLink ? "link" : "welcome"));
  const setStep = (next: Step) => {
    prefs.setSetupStep(next === "welcome" || next === "restore" || next === "link" ? null : next);
    setStepState(next);
  };
  // A device link opened in the address bar arrives after the first render.
  useEffect(() => {
    if (deviceLink) setStepState((s) => (s === "welcome" ? "link" : s));
  }, [deviceLink]);
  const finish = () => {
    prefs.setSetupStep(null);
    onDone();
  };

  return (
    <main className="onboarding" id="main">
      <div className="onboarding-card">
        {step === "welcome" && (
          <Welcome
            invited={invited}
            onCreated={() => setStep("words")}
            onRestore={() => setStep("restore")}
            onLink={() => setStep("link")}
          />
        )}
        {step === "restore" && <Restore onBack={() => setStep("welcome")} onRestored={finish} />}
        {step === "link" && (
          <LinkThisDevice
            link={deviceLink}
            onAsked={() => setStep("linking")}
            onBack={() => setStep("welcome")}
          />
        )}
        {step === "linking" && (
          <LinkingProgress
            onDone={() => {
              // The recovery words were shown on the device this one was linked from.
              prefs.setWordsChecked();
              finish();
            }}
            onCancel={() => setStep("welcome")}
          />
        )}
        {step === "words" && (
          <WordsStep onNext={() => setStep("check")} onLater={() => setStep("passphrase")} />
        )}
        {step === "check" && (
          <WordsCheck
            onPassed={() => {
              prefs.setWordsChecked();
              setStep("passphrase");
            }}
            onShowAgain={() => setStep("words")}
          />
        )}
        {step === "passphrase" && <PassphraseStep onDone={finish} />}
      </div>
    </main>
  );
}

function Welcome({
  invited,
  onCreated,
  onRestore,
  onLink,
}: {
  invited: boolean;
  onCreated: () => void;
  onRestore: () => void;
  onLink: () => void;
}) {
  const client = useClient();
  const [name, setName] = useState("");
  const create = useAction(async (n: string) => client.createAccount({ name: n }));
  return (
    <>
      <div className="brand" aria-hidden="true">
        <img src="/icons/icon.svg" alt="" width={56} height={56} />
      </div>
      <h1>Welcome to Rally</h1>
      {invited ? (
        <p className="lead">Someone invited you to a group. First, a name — it takes a few seconds.</p>
      ) : (
        <p className="lead">
          Chat, events and polls for people who organise together. Only your group can read them.
        </p>
      )}
      <form
        onSubmit={async (e) => {
          e.preventDefault();
          const trimmed = name.trim();
          if (!trimmed) return;
          prefs.setSetupStep("words");
          if (await create.run(trimmed)) onCreated();
          else prefs.setSetupStep(null);
        }}
      >
        <TextField
          label="What should people call you?"
          hint="Your groups see this name. You can change it later."
          value={name}
          onChange={(e) => setName(e.target.value)}
          maxLength={64}
          required
          autoFocus
        />
        <ErrorNote>{create.error}</ErrorNote>
        <button type="submit" className="primary wide" disabled={create.busy || !name.trim()}>
          {create.busy ? "Setting up…" : "Continue"}
        </button>
      </form>
      <button type="button" className="link-button" onClick={onRestore}>
        I already have an account
      </button>
      <button type="button" className="link-button" onClick={onLink}>
        I already use Rally on another device
      </button>
      <p className="fine-print">
        Your account lives on this device. Nobody else — not even the people who run the servers Rally uses —
        can read your groups.
      </p>
    </>
  );
}

function Restore({ onBack, onRestored }: { onBack: () => void; onRestored: () => void }) {
  const client = useClient();
  const [words, setWords] = useState("");
  const [name, setName] = useState("");
  const restore = useAction(async () => {
    const typed = words
      .trim()
      .toLowerCase()
      .split(/[\s,.;]+/)
      .filter(Boolean);
    if (typed.length !== 12)
      throw new Error(
        `That is ${typed.length} word${typed.length === 1 ? "" : "s"}; your recovery words are twelve.`,
      );
    return client.recoverAccount({ words: typed.join(" "), name: name.trim() || undefined });
  });
  return (
    <>
      <h1>Welcome back</h1>
      <p className="lead">Type your twelve recovery words, in order, to bring your account to this device.</p>
      <form
        onSubmit={async (e) => {
          e.preventDefault();
          if (await restore.run()) {
            prefs.setWordsChecked();
            onRestored();
          }
        }}
      >
        <TextArea
          label="Your twelve recovery words"
          value={words}
          onChange={(e) => setWords(e.target.value)}
          rows={4}
          autoComplete="off"
          autoCapitalize="none"
          spellCheck={false}
          required
        />
        <TextField
          label="Your name (optional)"
          hint="Leave empty to keep the name your groups know."
          value={name}
          onChange={(e) => setName(e.target.value)}
          maxLength={64}
        />
        <ErrorNote>{restore.error}</ErrorNote>
        <button type="submit" className="primary wide" disabled={restore.busy}>
          {restore.busy ? "Restoring…" : "Restore my account"}
        </button>
      </form>
      <p className="fine-print">
        Your groups will need to invite you again from their side; your messages stay with them.
      </p>
      <button type="button" className="link-button" onClick={onBack}>
        Back
      </button>
    </>
  );
}
