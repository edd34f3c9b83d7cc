/**
 * Helpers for end-to-end scenarios through the `rally` command: each person is a home folder, each
 * step a real CLI process (node apps/cli/bin/rally.js) talking to a real relay process.
 */
import { spawn } from "node:child_process";
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { fileURLToPath } from "node:url";

const repoRoot = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "../..");
const rallyBin = path.join(repoRoot, "apps/cli/bin/rally.js");

export interface RunResult {
  code: number;
  stdout: string;
  stderr: string;
}

/** A `rally` process left running: its output so far, its end, and a way to type into it or stop it. */
export interface Running {
  output: () => string;
  stderr: () => string;
  type: (line: string) => void;
  stop: () => void;
  ended: Promise<RunResult>;
}

/**
 * Starts `rally ARGS` and leaves it running. `input`, when given, is written to its standard input,
 * which is then closed. With `tty`, it runs on a terminal of its own (util-linux `script`), as when
 * a person types the command; `output` is then everything the terminal showed.
 */
export function startRally(
  args: string[],
  options: { env?: Record<string, string>; input?: string | Uint8Array; tty?: boolean } = {},
): Running {
  const quote = (a: string) => `'${a.replace(/'/g, "'\\''")}'`;
  const spawnOptions = { cwd: repoRoot, env: { ...process.env, ...options.env } };
  const child = options.tty
    ? spawn(
        "script",
        ["-q", "-e", "-c", [process.execPath, rallyBin, ...args].map(quote).join(" "), "/dev/null"],
        {
          ...spawnOptions,
          stdio: ["pipe", "pipe", "pipe"],
        },
      )
    : spawn(process.execPath, [rallyBin, ...args], {
        ...spawnOptions,
        stdio: [options.input === undefined ? "ignore" : "pipe", "pipe", "pipe"],
      });
  if (options.input !== undefined) child.stdin?.end(options.input);
  let stdout = "";
  let stderr = "";
  child.stdout?.setEncoding("utf8").on("data", (d: string) => {
    stdout += d;
  });
  child.stderr?.setEncoding("utf8").on("data", (d: string) => {
    stderr += d;
  });
  const ended = new Promise<RunResult>((resolve, reject) => {
    child.on("error", reject);
    child.on("close", (code) => resolve({ code: code ?? -1, stdout, stderr }));
  });
  return {
    output: () => stdout,
    stderr: () => stderr,
    type: (line) => child.stdin?.write(`${line}\n`),
    stop: () => child.kill("SIGKILL"),
    ended,
  };
}

/**
 * Runs `rally ARGS` and collects its output (never throws on a non-zero exit). `input`, when given,
 * is written to its standard input, which is then closed.
 */
export async function rally(
  args: string[],
  options: { env?: Record<string, string>; input?: string | Uint8Array } = {},
): Promise<RunResult> {
  const run = startRally(args, options);
  const timer = setTimeout(run.stop, 120_000);
  try {
    return await run.ended;
  } finally {
    clearTimeout(timer);
  }
}

/** One person: a home folder and shorthands for running commands as them. */
export class Person {
  readonly home: string;
  npub = "";
  pubkey = "";

  constructor(
    readonly name: string,
    root: string,
  ) {
    this.home = path.join(root, name.split(" ")[0]!.toLowerCase());
  }

  /** What the commands run through `given(...)` read on standard input. */
  protected input: string | undefined;

  /**
   * This person with `input` on standard input for the commands run through the result (the
   * recovery words, a passphrase with --passphrase-stdin): `alice.given("words…").ok(...)`.
   */
  given(input: string): Person {
    const withInput = Object.create(this) as Person;
    withInput.input = input;
    return withInput;
  }

  /** Runs a command as this person (`--home`, `--json`). */
  run(...args: string[]): Promise<RunResult> {
    return rally(
      [...args, "--home", this.home, "--json"],
      this.input === undefined ? {} : { input: this.input },
    );
  }

  /** Runs a command that must succeed and returns its JSON output. */
  async ok<T = unknown>(...args: string[]): Promise<T> {
    const r = await this.run(...args);
    if (r.code !== 0) {
      throw new Error(
        `rally ${args.join(" ")} failed for ${this.name} (exit ${r.code}):\n${r.stderr}\n${r.stdout}`,
      );
    }
    try {
      return JSON.parse(r.stdout) as T;
    } catch {
      throw new Error(`rally ${args.join(" ")} printed no JSON for ${this.name}:\n${r.stdout}\n${r.stderr}`);
    }
  }

  /** Runs a command that must fail; returns the error message and exit code. */
  async fails(...args: string[]): Promise<{ code: number; error: string; stderr: string }> {
    const r = await this.run(...args);
    if (r.code === 0)
      throw new Error(`rally ${args.join(" ")} should have failed for ${this.name}:\n${r.stdout}`);
    let error = "";
    try {
      error = (JSON.parse(r.stdout) as { error: string }).error;
    } catch {
      error = "";
    }
    return { code: r.code, error, stderr: r.stderr };
  }

  async createAccount(relay: string): Promise<void> {
    const a = await this.ok<{ npub: string; pubkey: string; name: string }>(
      "account",
      "create",
      "--name",
      this.name,
      "--relay",
      relay,
    );
    this.npub = a.npub;
    this.pubkey = a.pubkey;
  }
}

export function tempRoot(prefix: string): string {
  return fs.mkdtempSync(path.join(os.tmpdir(), prefix));
}

/** Every file under `dir` (the relay's database, WAL and shared-memory files). */
export function filesUnder(dir: string): string[] {
  const out: string[] = [];
  for (const entry of fs.readdirSync(dir, { withFileTypes: true })) {
    const p = path.join(dir, entry.name);
    if (entry.isDirectory()) out.push(...filesUnder(p));
    else out.push(p);
  }
  return out;
}

/**
 * Which of `needles` appear in any file under `dir`: as UTF-8 bytes, as UTF-16LE (SQLite may store
 * text that way), and as JSON-escaped text.
 */
export function findInFiles(dir: string, needles: string[]): { needle: string; file: string }[] {
  const found: { needle: string; file: string }[] = [];
  const files = filesUnder(dir);
  for (const file of files) {
    const bytes = fs.readFileSync(file);
    for (const needle of needles) {
      const forms = [
        Buffer.from(needle, "utf8"),
        Buffer.from(needle, "utf16le"),
        Buffer.from(JSON.stringify(needle).slice(1, -1), "utf8"),
      ];
      if (forms.some((f) => bytes.includes(f))) found.push({ needle, file: path.basename(file) });
    }
  }
  return found;
}
