/**
 * Runs `rally` on a real pseudo-terminal, as a person at a terminal does: util-linux `script` gives
 * the command a terminal of its own, and each answer is typed only once its prompt is on the
 * screen. What the terminal showed (prompts, echo, output) comes back as one text.
 */
import { spawn } from "node:child_process";
import path from "node:path";
import { fileURLToPath } from "node:url";

const repoRoot = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "../..");
const rallyBin = path.join(repoRoot, "apps/cli/bin/rally.js");

export interface TerminalRun {
  code: number;
  /** Everything the terminal showed, line breaks as "\n". */
  screen: string;
}

/** One answer: when `prompt` shows, type `type` and Enter. */
export interface Answer {
  prompt: string;
  type: string;
}

const shellQuote = (s: string) => `'${s.replace(/'/g, `'\\''`)}'`;

export function rallyInTerminal(args: string[], answers: Answer[] = []): Promise<TerminalRun> {
  const line = [process.execPath, rallyBin, ...args].map(shellQuote).join(" ");
  return new Promise((resolve, reject) => {
    const child = spawn("script", ["-qec", line, "/dev/null"], {
      cwd: repoRoot,
      env: { ...process.env, TERM: "dumb" },
      stdio: ["pipe", "pipe", "pipe"],
    });
    let screen = "";
    let seenUpTo = 0;
    let next = 0;
    const answer = () => {
      const step = answers[next];
      if (!step) return;
      const at = screen.indexOf(step.prompt, seenUpTo);
      if (at < 0) return;
      seenUpTo = at + step.prompt.length;
      next += 1;
      child.stdin.write(`${step.type}\r`);
      answer();
    };
    child.stdout.setEncoding("utf8").on("data", (d: string) => {
      screen += d.replace(/\r\n/g, "\n");
      answer();
    });
    child.stderr.setEncoding("utf8").on("data", (d: string) => {
      screen += d;
    });
    const timer = setTimeout(() => child.kill("SIGKILL"), 120_000);
    child.on("error", reject);
    child.on("close", (code) => {
      clearTimeout(timer);
      resolve({ code: code ?? -1, screen });
    });
  });
}
