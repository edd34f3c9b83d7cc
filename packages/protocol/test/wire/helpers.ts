import { MarmotError, type MarmotErrorCode } from "../../src/wire/index.ts";

/** Runs `fn` and returns the code of the MarmotError it throws; fails the test on any other outcome. */
export function codeOf(fn: () => unknown): MarmotErrorCode | "no error" {
  try {
    fn();
  } catch (e) {
    if (e instanceof MarmotError) return e.code;
    throw e;
  }
  return "no error";
}

/** Deterministic "random" bytes for reproducible tests. */
export function counterRandom(seed = 1): (n: number) => Uint8Array {
  let c = seed;
  return (n) => {
    const out = new Uint8Array(n);
    for (let i = 0; i < n; i++) out[i] = (c++ * 131 + 7) & 0xff;
    return out;
  };
}

/** A deep copy of a JSON value (events in tests are plain JSON). */
export function clone<T>(value: T): T {
  return JSON.parse(JSON.stringify(value)) as T;
}
