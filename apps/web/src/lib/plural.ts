/**
 * Counting words for small numbers: "1 place", "2 places", "1 person", "3 people". The app speaks
 * English only, so two forms are enough; every count shown next to a noun goes through here, so
 * nothing ever reads "1 places".
 */

/** The noun for `n`: `one` when n is exactly 1, else `other` (default: `one` + "s"). */
export function pluralWord(n: number, one: string, other = `${one}s`): string {
  return n === 1 ? one : other;
}

/** "1 place", "0 places", "3 people" (with `other` = "people"). */
export function count(n: number, one: string, other = `${one}s`): string {
  return `${n} ${pluralWord(n, one, other)}`;
}
