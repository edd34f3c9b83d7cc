/**
 * Keys read from a terminal in raw mode while a secret is typed: characters are kept, editing keys
 * edit, and escape sequences (arrows, function keys) never become part of the secret.
 */
import { describe, expect, it } from "vitest";
import { keysOf } from "../../src/cli/terminalSecret.ts";

const typed = (...chunks: string[]) => {
  const state = { inEscape: false };
  return chunks.flatMap((c) => keysOf(c, state));
};

describe("keys of a secret typed at the terminal", () => {
  it("keeps characters, including spaces and non-ASCII, and ends at Enter (CR or LF)", () => {
    expect(typed("correct horse é\r")).toEqual([
      ..."correct horse é".split("").map((char) => ({ type: "char", char })),
      { type: "enter" },
    ]);
    expect(typed("a\n")).toEqual([{ type: "char", char: "a" }, { type: "enter" }]);
  });

  it("Backspace, Ctrl-U, Ctrl-C and Ctrl-D are editing and control keys, not characters", () => {
    expect(typed("\u007f\b\u0015\u0003\u0004").map((k) => k.type)).toEqual([
      "erase",
      "erase",
      "clear",
      "interrupt",
      "eof",
    ]);
  });

  it("drops arrow and function keys, even split across reads", () => {
    expect(typed("a\u001b[Db\u001bOPc\u001b[15~d")).toEqual(
      ["a", "b", "c", "d"].map((char) => ({ type: "char", char })),
    );
    expect(typed("x\u001b", "[", "A", "y")).toEqual(["x", "y"].map((char) => ({ type: "char", char })));
  });
});
