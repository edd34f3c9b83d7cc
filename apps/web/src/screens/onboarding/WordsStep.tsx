/** Shows the twelve recovery words with time to write them down. */
import { useAction, useClient, useLive } from "../../app/client.tsx";
import { splitWords } from "../../lib/recoveryCheck.ts";
import { ErrorNote, Loading } from "../../ui/Notice.tsx";

export function RecoveryWordList({ words }: { words: readonly string[] }) {
  return (
    <ol className="words" aria-label="Your recovery words">
      {words.map((word, i) => (
        // Positions are the identity here: the same word can appear twice.
        // biome-ignore lint/suspicious/noArrayIndexKey: see above.
        <li key={i}>
          <span className="word-number" aria-hidden="true">
            {i + 1}
          </span>
          <span className="word">{word}</span>
        </li>
      ))}
    </ol>
  );
}

export function WordsStep({ onNext, onLater }: { onNext: () => void; onLater: () => void }) {
  const live = useLive((c) => c.recoveryWords(), [], []);
  const client = useClient();
  const copy = useAction(async () => navigator.clipboard.writeText(await client.recoveryWords()));
  const words = live.data ? splitWords(live.data) : null;
  return (
    <>
      <h1>Your recovery words</h1>
      <p className="lead">
        These twelve words are your account. If this device is lost or wiped, they bring everything back.
        Write them on paper, in order, and keep it somewhere safe.
      </p>
      <p className="caution">Anyone who has these words can act as you. Rally will never ask you for them.</p>
      {live.error && <ErrorNote>{live.error.message}</ErrorNote>}
      {!words && !live.error && <Loading what="your words" />}
      {words && <RecoveryWordList words={words} />}
      <div className="actions">
        <button type="button" className="primary wide" onClick={onNext} disabled={!words}>
          I've written them down
        </button>
        <button type="button" className="quiet" onClick={() => void copy.run()} disabled={!words}>
          Copy to clipboard
        </button>
      </div>
      <ErrorNote>{copy.error}</ErrorNote>
      <button type="button" className="link-button" onClick={onLater}>
        Remind me later
      </button>
    </>
  );
}
