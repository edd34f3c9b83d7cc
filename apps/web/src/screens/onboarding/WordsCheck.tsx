/** Checks two of the recovery words by position, with a gentle way back if one is wrong. */
import { useMemo, useState } from "react";
import { useLive } from "../../app/client.tsx";
import { isRightWord, splitWords, wordQuestions } from "../../lib/recoveryCheck.ts";
import { Loading } from "../../ui/Notice.tsx";

const ordinal = (n: number) => {
  const s = ["th", "st", "nd", "rd"];
  const v = n % 100;
  return `${n}${s[(v - 20) % 10] ?? s[v] ?? s[0]}`;
};

export function WordsCheck({ onPassed, onShowAgain }: { onPassed: () => void; onShowAgain: () => void }) {
  const live = useLive((c) => c.recoveryWords(), [], []);
  const words = useMemo(() => (live.data ? splitWords(live.data) : null), [live.data]);
  const questions = useMemo(() => (words ? wordQuestions(words) : null), [words]);
  const [round, setRound] = useState(0);
  const [wrong, setWrong] = useState(false);
  if (!words || !questions) return <Loading what="your words" />;
  const question = questions[round]!;
  return (
    <>
      <h1>Check your words</h1>
      <p className="lead">
        Step {round + 1} of {questions.length}. Look at what you wrote down.
      </p>
      <fieldset className="word-choices">
        <legend>Which is your {ordinal(question.index + 1)} word?</legend>
        <div className="choice-grid">
          {question.choices.map((choice) => (
            <button
              type="button"
              key={choice}
              className="choice"
              onClick={() => {
                if (!isRightWord(words, question, choice)) {
                  setWrong(true);
                  return;
                }
                setWrong(false);
                if (round + 1 < questions.length) setRound(round + 1);
                else onPassed();
              }}
            >
              {choice}
            </button>
          ))}
        </div>
      </fieldset>
      {wrong && (
        <p className="error-note" role="alert">
          That's not your {ordinal(question.index + 1)} word. Check your paper, or look at the words again.
        </p>
      )}
      <button type="button" className="link-button" onClick={onShowAgain}>
        Show the words again
      </button>
    </>
  );
}
