/**
 * Where a `rally` command gets a secret from: typed at the terminal without echo, or, with the
 * global `--passphrase-stdin`, one per line of standard input. Never from the command line or the
 * environment: both are visible to other programs on the machine (`ps`, /proc) and land in shell
 * history and logs.
 *
 * With `--passphrase-stdin` the first line is the passphrase that unlocks the device, taken before
 * the command runs; whatever the command reads from standard input itself follows on the next
 * lines. The commands that manage the passphrase read their own lines instead (`passphrases`).
 */
import type { Command } from "commander";
import { CliError } from "./output.ts";
import { readLineBytes } from "./stdin.ts";
import { askHidden, hasTerminal } from "./terminalSecret.ts";
import { decodeInput } from "./textInput.ts";

/** The prompt of every unlock (people and scripts driving a terminal wait for it). */
export const UNLOCK_PROMPT = "Passphrase for Rally on this device: ";

/** No passphrase is this long; a longer line is not one. */
const MAX_SECRET_BYTES = 64 * 1024;

const HOW =
  "run the command in a terminal, or pass --passphrase-stdin and give it on the first line of standard input";

/** The error when `RALLY_PASSPHRASE` is set: it is read no more, and how to give it now. */
export function passphraseInEnvironment(): CliError {
  return new CliError(
    "RALLY_PASSPHRASE is set, but Rally no longer reads a passphrase from the environment: other " +
      "programs on this machine can read it there. Unset it (unset RALLY_PASSPHRASE); Rally asks " +
      "for the passphrase when it needs it, or pass --passphrase-stdin and give it on the first " +
      "line of standard input.",
  );
}

/** Commands that read their passphrases themselves (set, change, remove): no unlock line first. */
const ownLines = new WeakSet<Command>();

export function readsItsOwnPassphrases(cmd: Command): Command {
  ownLines.add(cmd);
  return cmd;
}

/** The global `--passphrase-stdin`, seen from any subcommand. */
function fromStdin(cmd: Command): boolean {
  return cmd.optsWithGlobals<{ passphraseStdin?: boolean }>().passphraseStdin === true;
}

/** Where secrets come from for this run. */
function source(cmd: Command): "stdin" | "terminal" | "none" {
  // A terminal on standard input is a person typing: asked without echo even with the flag.
  if (hasTerminal()) return "terminal";
  return fromStdin(cmd) ? "stdin" : "none";
}

/** The next line of standard input as text; null when it has ended. */
async function stdinLine(): Promise<string | null> {
  const bytes = await readLineBytes(
    MAX_SECRET_BYTES,
    () => new CliError("The first line of standard input is too long to be a passphrase."),
  );
  return bytes === null ? null : decodeInput(bytes, "The standard input");
}

/** The unlock line taken before the command ran (undefined: not taken). */
let unlockLine: string | null | undefined;

/**
 * Run before every command: with `--passphrase-stdin`, the first line of standard input is the
 * passphrase, taken now so that the command's own reading (a message after `-`) starts after it.
 */
export async function takeUnlockLine(cmd: Command): Promise<void> {
  if (ownLines.has(cmd) || source(cmd) !== "stdin") return;
  unlockLine = await stdinLine();
}

/** The passphrase that unlocks this device: the line taken, or asked at the terminal. */
export async function unlockPassphrase(cmd: Command): Promise<string> {
  switch (source(cmd)) {
    case "terminal": {
      const typed = await askHidden(UNLOCK_PROMPT);
      if (!typed) throw new CliError("No passphrase typed: this device stays locked.");
      return typed;
    }
    case "stdin": {
      if (unlockLine === undefined) unlockLine = await stdinLine();
      if (!unlockLine) {
        throw new CliError(
          "This device is locked, and the first line of standard input is empty: with --passphrase-stdin, give the passphrase there.",
        );
      }
      return unlockLine;
    }
    case "none":
      throw new CliError(
        `This device is locked with a passphrase and there is no terminal to ask for it: ${HOW}.`,
      );
  }
}

/**
 * A passphrase the command asks for by name (the current one before changing it): a line of
 * standard input with `--passphrase-stdin`, otherwise typed at the terminal. `what` names it in
 * the error for an empty one.
 */
export async function askPassphrase(cmd: Command, prompt: string, what = "passphrase"): Promise<string> {
  const mode = source(cmd);
  if (mode === "none") throw new CliError(`There is no terminal to type the ${what} on: ${HOW}.`);
  const given = mode === "terminal" ? await askHidden(prompt) : await stdinLine();
  if (given === null) {
    throw new CliError(
      mode === "terminal"
        ? `No ${what} typed: nothing was changed.`
        : `The standard input ended before the ${what}: give each passphrase on its own line. Nothing was changed.`,
    );
  }
  if (given === "") throw new CliError(`An empty ${what} is refused: nothing was changed.`);
  return given;
}

/**
 * A new passphrase (`what`: "passphrase", "duress passphrase"). At the terminal it is typed twice
 * and two that differ are refused; from standard input it is one line. Empty is refused.
 */
export async function askNewPassphrase(cmd: Command, what: string): Promise<string> {
  const first = await askPassphrase(cmd, `New ${what}: `, what);
  if (source(cmd) !== "terminal") return first;
  const again = await askHidden(`New ${what} again: `);
  if (again !== first) {
    throw new CliError(`The two ${what}s typed differ: nothing was changed. Run the command again.`);
  }
  return first;
}
