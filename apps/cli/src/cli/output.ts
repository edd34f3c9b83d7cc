/**
 * Output and errors shared by every `rally` command. People read plain words on stderr; scripts
 * pass `--json` and read one JSON document on stdout — the result, or `{"error": "..."}` on failure
 * (the words go to stderr too). A failed command exits non-zero.
 */
import os from "node:os";
import path from "node:path";
import type { Command } from "commander";

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

/**
 * Prints a command's result: `value` as JSON with `--json`, otherwise `text` (a line or lines,
 * or a function producing them, so nothing is formatted for nobody).
 */
export function printResult(
  cmd: Command,
  value: unknown,
  text: string | string[] | (() => string | string[]),
): void {
  if (globalOptions(cmd).json) {
    process.stdout.write(`${JSON.stringify(value)}\n`);
    return;
  }
  const t = typeof text === "function" ? text() : text;
  process.stdout.write(`${Array.isArray(t) ? t.join("\n") : t}\n`);
}

/** A progress line for people; silent with `--json` so stdout stays one JSON document. */
export function info(cmd: Command, line: string): void {
  if (!globalOptions(cmd).json) process.stderr.write(`${line}\n`);
}

/** Words for an unexpected error: its message, never a stack (nor anything secret it may hold). */
export function errorMessage(error: unknown): string {
  if (error instanceof Error) return error.message;
  return String(error);
}

/** Reports a failure: words on stderr, and `{"error": ...}` on stdout with `--json`. */
export function reportError(error: unknown, json: boolean): number {
  const message = errorMessage(error);
  process.stderr.write(`rally: ${message}\n`);
  if (json) process.stdout.write(`${JSON.stringify({ error: message })}\n`);
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
