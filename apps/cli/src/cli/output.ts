/**
 * Output and errors shared by every `rally` command. People read plain words on stderr; scripts
 * pass `--json` and read one JSON document on stdout — the result, or `{"error": "..."}` on failure
 * (the words go to stderr too). A failed command exits non-zero.
 */
import os from "node:os";
import path from "node:path";
import type { Command } from "commander";
import { jsonSafe, sanitizeDocument, sanitizeRecord } from "./sanitize.ts";

/** An error whose message is meant for the person at the terminal: what went wrong, what to do. */
export class CliError extends Error {
  constructor(
    message: string,
    readonly exitCode = 1,
  ) {
    super(message);
    this.name = "CliError";
  }
}

export interface GlobalOptions {
  /** Rally's home directory for this device (`--home`, `$RALLY_HOME`, `~/.rally`). */
  home: string;
  json: boolean;
}

export function defaultHome(): string {
  return process.env.RALLY_HOME || path.join(os.homedir(), ".rally");
}

/** The global options as seen from any (sub)command. */
export function globalOptions(cmd: Command): GlobalOptions {
  const o = cmd.optsWithGlobals<{ home?: string; json?: boolean }>();
  return { home: path.resolve(o.home ?? defaultHome()), json: o.json === true };
}

/** One JSON document on stdout: exact values, with characters a terminal acts on escaped. */
export function printJson(value: unknown): void {
  process.stdout.write(`${jsonSafe(JSON.stringify(value))}\n`);
}

/**
 * Prints a command's result: `value` as JSON with `--json`, otherwise `text` (a line or lines,
 * or a function producing them, so nothing is formatted for nobody).
 *
 * Human lines hold what other people wrote (names, messages, titles), so each goes through
 * `sanitizeRecord`: no control or bidi characters reach the terminal, and a line break inside one
 * entry of `text` indents what follows, so it cannot pass for a line of its own. One entry is one
 * record: put lines that stand on their own in separate entries.
 */
export function printResult(
  cmd: Command,
  value: unknown,
  text: string | string[] | (() => string | string[]),
): void {
  if (globalOptions(cmd).json) {
    printJson(value);
    return;
  }
  const t = typeof text === "function" ? text() : text;
  const lines = Array.isArray(t) ? t : [t];
  process.stdout.write(`${lines.map((line) => sanitizeRecord(line)).join("\n")}\n`);
}

/**
 * A document meant for other programs (an iCalendar file) on stdout, as it is but for control and
 * bidi characters, which no such document needs and a terminal would act on.
 */
export function printDocument(text: string): void {
  process.stdout.write(sanitizeDocument(text));
}

/** A progress line for people; silent with `--json` so stdout stays one JSON document. */
export function info(cmd: Command, line: string): void {
  if (!globalOptions(cmd).json) warn(line);
}

/** A line for people on stderr, also with `--json` (stdout stays one JSON document). */
export function warn(line: string): void {
  process.stderr.write(`${sanitizeRecord(line)}\n`);
}

/** Words for an unexpected error: its message, never a stack (nor anything secret it may hold). */
export function errorMessage(error: unknown): string {
  if (error instanceof Error) return error.message;
  return String(error);
}

/** Reports a failure: words on stderr, and `{"error": ...}` on stdout with `--json`. */
export function reportError(error: unknown, json: boolean): number {
  const message = errorMessage(error);
  // Error messages may quote a group's name or a relay's answer: sanitised like any other line.
  warn(`rally: ${message}`);
  if (json) printJson({ error: message });
  return error instanceof CliError ? error.exitCode : 1;
}

/** Parses a positive integer option, or explains what is wrong with it. */
export function positiveInt(name: string): (value: string) => number {
  return (value: string) => {
    if (!/^\d+$/.test(value) || Number(value) <= 0 || !Number.isSafeInteger(Number(value)))
      throw new CliError(`${name} must be a positive whole number, got "${value}"`);
    return Number(value);
  };
}

/** Parses a TCP port (0 = any free port). */
export function portNumber(value: string): number {
  const n = Number(value);
  if (!/^\d+$/.test(value) || n > 65535)
    throw new CliError(`port must be a number from 0 to 65535, got "${value}"`);
  return n;
}
