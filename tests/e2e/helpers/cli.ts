/** Runs the real `rally` command for a person (their own `--home`), returning its JSON output. */
import { execFile } from "node:child_process";
import { rallyBin, repoRoot } from "./serve.ts";

export async function rally<T = unknown>(home: string, args: string[], timeoutMs = 120_000): Promise<T> {
  return new Promise((resolve, reject) => {
    execFile(
      process.execPath,
      [rallyBin, "--home", home, "--json", ...args],
      { cwd: repoRoot, timeout: timeoutMs, maxBuffer: 16 * 1024 * 1024 },
      (error, stdout, stderr) => {
        const last = stdout.trim().split("\n").pop() ?? "";
        if (error) {
          reject(
            new Error(`rally ${args.join(" ")} failed (${error.code ?? error.signal}): ${stderr || stdout}`),
          );
          return;
        }
        try {
          resolve(JSON.parse(last) as T);
        } catch {
          reject(new Error(`rally ${args.join(" ")} printed no JSON: ${stdout} ${stderr}`));
        }
      },
    );
  });
}
