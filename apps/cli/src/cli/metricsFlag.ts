/**
 * `--metrics`, shared by `rally relay` and `rally serve`: Prometheus text metrics at `GET /metrics`
 * on the relay's own port. Off by default; the figures are totals only (no address, key or event id).
 */
import type { Command } from "commander";

export interface MetricsFlag {
  metrics?: boolean;
}

export function addMetricsFlag(command: Command): Command {
  return command.option(
    "--metrics",
    "serve Prometheus metrics at /metrics on the same port (counts only: no addresses, keys or event ids)",
  );
}
