/**
 * The "did you really write them down?" step after the twelve recovery words are shown: ask for
 * two of them by position, each among a few of the person's own words (real words from their list,
 * so guessing from the look of a word does not work).
 */

export type Random = () => number;

function shuffle<T>(items: T[], random: Random): T[] {
  const a = [...items];
  for (let i = a.length - 1; i > 0; i--) {
    const j = Math.floor(random() * (i + 1));
    [a[i], a[j]] = [a[j]!, a[i]!];
  }
  return a;
}

/** Splits what the engine returns ("word word …") into words. */
export function splitWords(phrase: string): string[] {
  return phrase.trim().toLowerCase().split(/\s+/).filter(Boolean);
}

export interface WordQuestion {
  /** 0-based position asked for. */
  index: number;
  /** Distinct candidate words, one of them right. */
  choices: string[];
}

/** `rounds` questions about different positions, in increasing order, each with up to `size` choices. */
export function wordQuestions(
  words: readonly string[],
  rounds = 2,
  size = 6,
  random: Random = Math.random,
): WordQuestion[] {
  if (words.length < rounds) throw new Error("Not enough words to check");
  const positions = shuffle(
    words.map((_, i) => i),
    random,
  )
    .slice(0, rounds)
    .sort((a, b) => a - b);
  return positions.map((index) => {
    const right = words[index]!;
    const others = shuffle(
      [...new Set(words)].filter((w) => w !== right),
      random,
    ).slice(0, size - 1);
    return { index, choices: shuffle([right, ...others], random) };
  });
}

export function isRightWord(words: readonly string[], question: WordQuestion, answer: string): boolean {
  return words[question.index] === answer;
}

/** Normalises typed recovery words: any spacing or case, one space between words. */
export function normaliseTypedWords(text: string): string {
  return splitWords(text.replace(/[,.;]/g, " ")).join(" ");
}
