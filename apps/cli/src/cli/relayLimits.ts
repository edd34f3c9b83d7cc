/**
 * The abuse-limit flags `rally relay` and `rally serve` share: connection caps, per-address write
 * rate, storage quotas, the query time budget, the kind allow-list and retention per kind. Each
 * flag is parsed to plain words on bad input; `relayLimitOptions` turns them into relay options.
 */
import { parseRetention, RALLY_KINDS, type RelayLimits, type RelayServerOptions } from "@rally/relay";
import type { Command } from "commander";
import { CliError, errorMessage, positiveInt } from "./output.ts";

export interface RelayLimitFlags {
  maxConnections?: number;
  maxConnectionsPerAddress?: number;
  addressEventsPerSecond?: number;
  quotaPerAuthor?: number;
  quotaTotal?: number;
  queryBudgetMs?: number;
  accept: "rally" | "all";
  retain: string[];
  purgeInterval?: number;
  trustProxy?: boolean;
}

const SIZE_UNITS: Record<string, number> = { "": 1, k: 1024, m: 1024 ** 2, g: 1024 ** 3, t: 1024 ** 4 };

/** `1073741824`, `512M`, `10G` (powers of 1024). */
export function byteSize(name: string): (value: string) => number {
  return (value: string) => {
    const m = /^(\d+)([kmgt]?)i?b?$/i.exec(value.trim());
    const n = m ? Number(m[1]) * SIZE_UNITS[m[2]!.toLowerCase()]! : Number.NaN;
    if (!m || !Number.isSafeInteger(n) || n <= 0)
      throw new CliError(`${name} must be a size in bytes such as 536870912, 512M or 10G; got "${value}"`);
    return n;
  };
}

function acceptMode(value: string): "rally" | "all" {
  if (value === "rally" || value === "all") return value;
  throw new CliError(`--accept must be "rally" (only the kinds Rally uses) or "all"; got "${value}"`);
}

function collect(value: string, previous: string[]): string[] {
  return [...previous, value];
}

export function addRelayLimitFlags(command: Command, acceptDefault: "rally" | "all"): Command {
  return command
    .option(
      "--max-connections <n>",
      "WebSocket connections open at once (default 4000)",
      positiveInt("--max-connections"),
    )
    .option(
      "--max-connections-per-address <n>",
      "connections from one address, IPv6 counted per /64 (default 200)",
      positiveInt("--max-connections-per-address"),
    )
    .option(
      "--address-events-per-second <n>",
      "events all connections from one address may send per second (default 1000)",
      positiveInt("--address-events-per-second"),
    )
    .option(
      "--quota-per-author <size>",
      "event bytes one key may have stored, e.g. 512M (default 512M)",
      byteSize("--quota-per-author"),
    )
    .option(
      "--quota-total <size>",
      "bytes the relay's database may take on disk, e.g. 20G (default: no limit)",
      byteSize("--quota-total"),
    )
    .option(
      "--query-budget-ms <n>",
      "milliseconds of reading one request may take (default 1000)",
      positiveInt("--query-budget-ms"),
    )
    .option(
      "--accept <kinds>",
      `"rally": store only the kinds Rally uses; "all": any kind (default ${acceptDefault})`,
      acceptMode,
      acceptDefault,
    )
    .option(
      "--retain <kind=age>",
      "delete events of a kind older than an age (s, m, h, d), e.g. 445=90d; repeatable",
      collect,
      [] as string[],
    )
    .option(
      "--trust-proxy",
      "count per-address limits by the X-Forwarded-For address a reverse proxy in front adds (only behind one)",
    )
    .option(
      "--purge-interval <seconds>",
      "how often expired and retained events are deleted (default 60)",
      positiveInt("--purge-interval"),
    );
}

/** The relay options these flags stand for (limits to merge with the command's own). */
export function relayLimitOptions(flags: RelayLimitFlags): Pick<
  RelayServerOptions,
  "acceptKinds" | "retain" | "purgeIntervalSeconds"
> & {
  limits: Partial<RelayLimits>;
} {
  const retain = flags.retain.map((spec) => {
    try {
      return parseRetention(spec);
    } catch (error) {
      throw new CliError(`--retain: ${errorMessage(error)}`);
    }
  });
  const limits: Partial<RelayLimits> = {
    maxConnections: flags.maxConnections,
    maxConnectionsPerAddress: flags.maxConnectionsPerAddress,
    ...(flags.addressEventsPerSecond
      ? {
          addressEventsPerSecond: flags.addressEventsPerSecond,
          addressEventBurst: flags.addressEventsPerSecond * 20,
        }
      : {}),
    maxAuthorBytes: flags.quotaPerAuthor,
    maxStoredBytes: flags.quotaTotal,
    queryBudgetMs: flags.queryBudgetMs,
  };
  return {
    limits,
    ...(flags.accept === "rally" ? { acceptKinds: RALLY_KINDS } : {}),
    ...(retain.length > 0 ? { retain } : {}),
    ...(flags.purgeInterval ? { purgeIntervalSeconds: flags.purgeInterval } : {}),
    ...(flags.trustProxy ? { trustProxy: true } : {}),
  };
}
