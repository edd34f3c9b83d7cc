/**
 * `--verify-workers N`, shared by `rally relay` and `rally serve`: worker threads that check the
 * ids and signatures of clients' events, so a busy relay uses more than one core; 0 checks them on
 * the relay's own thread.
 */
import type { Command } from "commander";
import { CliError } from "./output.ts";

export interface VerifyWorkersFlag {
  verifyWorkers?: number;
}

/** More threads than this only add memory: each holds its own verifier. */
const MAX_VERIFY_WORKERS = 64;

/**
 * Off by default: on a 2-core machine shared with other work, one worker gave no steady gain in
 * events/s (same-run medians about equal) while costing 5-15% more CPU per event and 25-35 MB more
 * memory. Worth turning on (e.g. one per core beyond the first) on a host with idle cores.
 */
export const DEFAULT_VERIFY_WORKERS = 0;

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
    `threads that check event signatures beside the relay's own (0: on the relay's thread; default ${DEFAULT_VERIFY_WORKERS}; try one per core beyond the first on a host with idle cores)`,
    workerCount,
  );
}

export function verifyWorkersOption(opts: VerifyWorkersFlag): { verifyWorkers: number } {
  return { verifyWorkers: opts.verifyWorkers ?? DEFAULT_VERIFY_WORKERS };
}
