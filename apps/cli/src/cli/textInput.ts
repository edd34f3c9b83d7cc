/**
 * Text given to a command in place of an argument: `-` reads standard input, `--file PATH` a file.
 * A long message does not fit on a command line comfortably (and not at all past the system's
 * argument limit); read this way it meets the same limits as typed text, which the client checks.
 *
 * The bytes must be UTF-8 (a byte order mark is dropped); one trailing line break — what `echo` or
 * an editor adds — is removed, as a shell's `$(…)` would. Reading stops past a cap well above any
 * Rally limit, so a stray pipe from a large file cannot fill the memory.
 */
import { readFile, stat } from "node:fs/promises";
import { CliError } from "./output.ts";
import { readRestBytes } from "./stdin.ts";
import { hasTerminal } from "./terminalSecret.ts";

/** More than any text Rally accepts (10,000 characters of at most 4 bytes), with room to spare. */
export const MAX_INPUT_BYTES = 1024 * 1024;

const strictUtf8 = new TextDecoder("utf-8", { fatal: true });

/** Decodes what was read: strict UTF-8, one trailing LF or CR LF dropped. `from` names the source. */
export function decodeInput(bytes: Uint8Array, from: string): string {
  let text: string;
  try {
    text = strictUtf8.decode(bytes);
  } catch {
    throw new CliError(`${from} is not UTF-8 text: save it as UTF-8 and try again.`);
  }
  return text.endsWith("\r\n") ? text.slice(0, -2) : text.endsWith("\n") ? text.slice(0, -1) : text;
}

function tooLarge(from: string): CliError {
  return new CliError(`${from} is too long: Rally reads at most ${MAX_INPUT_BYTES} bytes.`);
}

function readStdin(): Promise<Uint8Array> {
  // Shared with --passphrase-stdin, which takes the first line before the command reads the rest.
  return readRestBytes(MAX_INPUT_BYTES, () => tooLarge("The standard input"));
}

async function readPath(path: string): Promise<Uint8Array> {
  try {
    const info = await stat(path);
    if (info.isDirectory()) throw new CliError(`Cannot read ${path}: it is a folder, not a file.`);
    if (info.size > MAX_INPUT_BYTES) throw tooLarge(`The file ${path}`);
    return await readFile(path);
  } catch (e) {
    if (e instanceof CliError) throw e;
    const code = (e as NodeJS.ErrnoException).code;
    const why =
      code === "ENOENT"
        ? "there is no such file"
        : code === "EACCES" || code === "EPERM"
          ? "permission denied"
          : (e as Error).message;
    throw new CliError(`Cannot read ${path}: ${why}.`);
  }
}

/** What standard input holds (after a passphrase line taken by --passphrase-stdin), decoded. */
export async function stdinText(): Promise<string> {
  return decodeInput(await readStdin(), "The standard input");
}

/**
 * The text a command was given: `arg` as typed, standard input when `arg` is `-`, or the file at
 * `file`. Exactly one of them; nothing to read is refused (an empty standard input or file).
 */
export async function textFrom(
  arg: string | undefined,
  file: string | undefined,
  what: string,
): Promise<string> {
  if (arg !== undefined && file !== undefined) {
    throw new CliError(`Give the ${what} either as text or with --file, not both.`);
  }
  if (file !== undefined) {
    const text = decodeInput(await readPath(file), `The file ${file}`);
    if (text === "") throw new CliError(`The file ${file} is empty: nothing to send.`);
    return text;
  }
  if (arg === "-") {
    const text = decodeInput(await readStdin(), "The standard input");
    if (text === "") throw new CliError("The standard input is empty: nothing to send.");
    return text;
  }
  if (arg === undefined) {
    throw new CliError(`Give the ${what}: as text, - to read it from standard input, or --file PATH.`);
  }
  return arg;
}

/**
 * A link given as the argument, or on standard input for `-` or no argument with input piped in
 * (a link is a key, and the command line is visible to other programs on the machine). `what`
 * names it ("invite link"), `usage` shows how to give it.
 */
export async function linkFrom(arg: string | undefined, what: string, usage: string): Promise<string> {
  if (arg !== undefined && arg !== "-") return arg;
  if (arg === undefined && hasTerminal()) throw new CliError(`Give the ${what}: ${usage}`);
  const link = (await stdinText()).trim();
  if (link === "")
    throw new CliError(`The standard input is empty: give the ${what} there, or as an argument.`);
  return link;
}
