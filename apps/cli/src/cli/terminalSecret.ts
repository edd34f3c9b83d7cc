/**
 * Reading a secret (a passphrase, the recovery words) from the terminal without showing it: the
 * terminal goes into raw mode, so nothing typed is echoed, and this reads up to Enter itself —
 * Backspace and Ctrl-U edit, Ctrl-C stops the command, Ctrl-D on an empty line ends the input.
 * Cursor and function keys (escape sequences) are ignored rather than taken as part of the secret.
 *
 * The prompt goes to stderr, so stdout stays the command's result (one JSON document with --json).
 */
import { StringDecoder } from "node:string_decoder";
import type { ReadStream } from "node:tty";
import { CliError } from "./output.ts";

/** Whether standard input is a terminal a secret can be asked on. */
export function hasTerminal(): boolean {
  return process.stdin.isTTY === true;
}

/** What a keypress does to the line being typed. */
type Key = { type: "char"; char: string } | { type: "erase" | "clear" | "enter" | "interrupt" | "eof" };

/** Splits what the terminal sent into keys, dropping escape sequences (arrows, F-keys). */
export function keysOf(text: string, state: { inEscape: boolean }): Key[] {
  const keys: Key[] = [];
  for (const char of text) {
    if (state.inEscape) {
      // CSI and SS3 sequences end with a letter or "~"; ESC [ and ESC O open them.
      if (/[A-Za-z~]/.test(char) && char !== "O") state.inEscape = false;
      continue;
    }
    if (char === "\u001b") state.inEscape = true;
    else if (char === "\r" || char === "\n") keys.push({ type: "enter" });
    else if (char === "\u007f" || char === "\b") keys.push({ type: "erase" });
    else if (char === "\u0015") keys.push({ type: "clear" });
    else if (char === "\u0003") keys.push({ type: "interrupt" });
    else if (char === "\u0004") keys.push({ type: "eof" });
    else if (char >= " ") keys.push({ type: "char", char });
  }
  return keys;
}

/**
 * Asks `prompt` on the terminal and reads one line without echo. Null when the input ended (Ctrl-D
 * on an empty line). Ctrl-C stops the command (exit 130, as a shell reports an interrupt).
 */
export function askHidden(prompt: string): Promise<string | null> {
  const input = process.stdin as ReadStream;
  return new Promise((resolve, reject) => {
    const decoder = new StringDecoder("utf8");
    const state = { inEscape: false };
    const wasRaw = input.isRaw;
    let typed: string[] = [];
    const finish = (result: { line: string | null } | { error: Error }): void => {
      input.off("data", onData);
      input.setRawMode(wasRaw);
      input.pause();
      process.stderr.write("\n");
      typed = [];
      if ("error" in result) reject(result.error);
      else resolve(result.line);
    };
    const onData = (chunk: Buffer): void => {
      for (const key of keysOf(decoder.write(chunk), state)) {
        switch (key.type) {
          case "char":
            typed.push(key.char);
            break;
          case "erase":
            typed.pop();
            break;
          case "clear":
            typed = [];
            break;
          case "enter":
            finish({ line: typed.join("") });
            return;
          case "interrupt":
            finish({ error: new CliError("Stopped: nothing was changed.", 130) });
            return;
          case "eof":
            if (typed.length === 0) {
              finish({ line: null });
              return;
            }
            break;
        }
      }
    };
    // Echo off before the prompt shows: whatever is typed once it shows is never echoed.
    input.setRawMode(true);
    process.stderr.write(prompt);
    input.on("data", onData);
    input.resume();
  });
}
