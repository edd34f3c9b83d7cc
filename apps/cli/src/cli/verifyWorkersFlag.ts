/**
 * `--verify-workers N`, shared by `rally relay` and `rally serve`: worker threads that check the
 * ids and signatures of clients' events, so a busy relay uses more than one core; 0 checks them on
 * the relay's own thread.
 */
import os from "node:os";
import type { Command } from "commander";
import { CliError } from "./output.ts";

export interface VerifyWorkersFlag {
  verifyWorkers?: number;
}

/** More threads than this only add memory: each holds its own verifier. */
const MAX_VERIFY_WORKERS = 64;

/**
 * One per core beyond the relay's own thread: signature checks are most of the CPU an event costs,
 * and the relay thread itself helps when the workers fall behind (`verifyPool.ts`).
 */
export const DEFAULT_VERIFY_WORKERS = Math.min(
  MAX_VERIFY_WORKERS,
  Math.max(0, os.availableParallelism() - 1),
);

function workerCount(value: string): number {
  const n = Number(value);
  if (!/^\d+$/.test(value) || n > MAX_VERIFY_WORKERS)
    throw new CliError(
      `--verify-workers must be a whole number from 0 to ${MAX_VERIFY_WORKERS}, got "${value}"`,
    );
  return n;
}

export function addVerifyWorkersFlag(command: Command): Command {
  return command.option(
    "--verify-workers <n>",
    `threads that check event signatures beside the relay's own (0: on the relay's thread; default ${DEFAULT_VERIFY_WORKERS}, one per core beyond the first)`,
    workerCount,
  );
}

export function verifyWorkersOption(opts: VerifyWorkersFlag): { verifyWorkers: number } {
  return { verifyWorkers: opts.verifyWorkers ?? DEFAULT_VERIFY_WORKERS };
}
