/**
 * `rally relay`: runs a Nostr relay for Rally on SQLite (or PostgreSQL with `--db`, shared by several
 * relay processes). Prints the URL it listens on
 * (`ws://HOST:PORT`, `wss://` with `--tls-cert`/`--tls-key`; the real port when `--port 0`) and
 * stops cleanly on SIGINT/SIGTERM, after committing every event it has acknowledged.
 */
import fs from "node:fs";
import path from "node:path";
import { type RelayServer, type RelayServerOptions, startRelayServer } from "@rally/relay";
import type { Command } from "commander";
import { databaseUrl, shownDatabase } from "../cli/database.ts";
import { addMetricsFlag, type MetricsFlag } from "../cli/metricsFlag.ts";
import {
  CliError,
  errorMessage,
  globalOptions,
  info,
  portNumber,
  positiveInt,
  printResult,
} from "../cli/output.ts";
import { addRelayLimitFlags, type RelayLimitFlags, relayLimitOptions } from "../cli/relayLimits.ts";
import {
  addVerifyWorkersFlag,
  type VerifyWorkersFlag,
  verifyWorkersOption,
} from "../cli/verifyWorkersFlag.ts";
import { collectUrl, edgeOptions } from "../serve/edgeOptions.ts";
import { registerRelayBackup } from "./relayBackup.ts";

/** What the startup lines say about how signatures are checked (native is the fastest). */
const SIGNATURE_BACKENDS: Record<RelayServer["signatures"], string> = {
  native: "libsecp256k1 built for this machine",
  wasm: "libsecp256k1 in WebAssembly (the native build is missing; see README)",
  js: "pure JavaScript",
};

interface RelayOptions extends RelayLimitFlags, MetricsFlag, VerifyWorkersFlag {
  port: number;
  host: string;
  data?: string;
  db?: string;
  maxMessageBytes?: number;
  maxEventBytes?: number;
  maxSubscriptions?: number;
  maxFilters?: number;
  maxLimit?: number;
  eventsPerSecond?: number;
  reqsPerSecond?: number;
  maxQueuedBytes?: number;
  authRequired?: boolean;
  publicUrl?: string[];
  tlsCert?: string;
  tlsKey?: string;
  name?: string;
  description?: string;
}

export function register(program: Command): void {
  const command = program
    .command("relay")
    .description("run a Nostr relay that stores and forwards Rally's encrypted messages")
    .option("--port <port>", "TCP port (0 picks a free one)", portNumber, 7447)
    .option("--host <host>", "interface to listen on (0.0.0.0 for every network)", "127.0.0.1")
    .option("--data <dir>", "directory for the relay's database (default: <home>/relay)")
    .option(
      "--db <url>",
      "keep events in PostgreSQL (postgres://…) instead of SQLite under --data; several relays may share one database",
      databaseUrl,
    )
    .option(
      "--max-message-bytes <n>",
      "largest message accepted, in bytes (default 262144)",
      positiveInt("--max-message-bytes"),
    )
    .option(
      "--max-event-bytes <n>",
      "largest event accepted, in bytes (default 262144)",
      positiveInt("--max-event-bytes"),
    )
    .option(
      "--max-subscriptions <n>",
      "open subscriptions per connection (default 200)",
      positiveInt("--max-subscriptions"),
    )
    .option("--max-filters <n>", "filters per request (default 20)", positiveInt("--max-filters"))
    .option(
      "--max-limit <n>",
      "most stored events sent per filter (default 5000)",
      positiveInt("--max-limit"),
    )
    .option(
      "--events-per-second <n>",
      "events each connection may send per second (default 100)",
      positiveInt("--events-per-second"),
    )
    .option(
      "--reqs-per-second <n>",
      "requests each connection may send per second (default 50)",
      positiveInt("--reqs-per-second"),
    )
    .option(
      "--max-queued-bytes <n>",
      "disconnect a client that falls this many bytes behind in reading (default 67108864)",
      positiveInt("--max-queued-bytes"),
    )
    .option("--auth-required", "serve only clients that authenticate (NIP-42)")
    .option(
      "--public-url <url>",
      "the wss:// (or https://) address people use, e.g. behind a reverse proxy; repeat for several",
      collectUrl,
    )
    .option("--tls-cert <file>", "speak TLS (wss://) with this PEM certificate chain (with --tls-key)")
    .option("--tls-key <file>", "the PEM private key of --tls-cert")
    .option("--name <name>", "relay name shown to clients (NIP-11)")
    .option("--description <text>", "relay description shown to clients (NIP-11)")
    .action(async (opts: RelayOptions, cmd: Command) => {
      const { home } = globalOptions(cmd);
      const dataDir = path.resolve(opts.data ?? path.join(home, "relay"));
      const edge = edgeOptions(opts);
      const limits = {
        maxMessageBytes: opts.maxMessageBytes,
        maxEventBytes: opts.maxEventBytes,
        maxSubscriptions: opts.maxSubscriptions,
        maxFilters: opts.maxFilters,
        maxLimit: opts.maxLimit,
        ...(opts.maxQueuedBytes
          ? {
              maxQueuedBytes: opts.maxQueuedBytes,
              highWaterBytes: Math.min(4 * 1024 * 1024, opts.maxQueuedBytes),
            }
          : {}),
        ...(opts.eventsPerSecond
          ? { eventsPerSecond: opts.eventsPerSecond, eventBurst: opts.eventsPerSecond * 5 }
          : {}),
        ...(opts.reqsPerSecond
          ? { reqsPerSecond: opts.reqsPerSecond, reqBurst: opts.reqsPerSecond * 4 }
          : {}),
      };
      const abuse = relayLimitOptions(opts);
      const server = await startRelayOrExplain(dataDir, {
        port: opts.port,
        host: opts.host,
        dataDir,
        ...(opts.db ? { database: opts.db } : {}),
        ...abuse,
        limits: { ...limits, ...abuse.limits },
        authRequired: opts.authRequired === true,
        metrics: opts.metrics === true,
        ...verifyWorkersOption(opts),
        publicUrls: edge.publicUrls,
        ...(edge.tls ? { tls: edge.tls } : {}),
        info: {
          ...(opts.name ? { name: opts.name } : {}),
          ...(opts.description ? { description: opts.description } : {}),
        },
      });
      const shown = {
        ...(edge.publicUrls.length > 0 ? { publicUrls: edge.publicUrls } : {}),
        ...(opts.db ? { database: shownDatabase(opts.db) } : {}),
      };
      printResult(
        cmd,
        {
          url: server.url,
          port: server.port,
          host: server.host,
          dataDir,
          signatures: server.signatures,
          ...shown,
        },
        [
          `Rally relay listening on ${server.url}`,
          ...edge.publicUrls.map((u) => `Public address: ${u}`),
          opts.db ? `Database: ${shownDatabase(opts.db)}` : `Data: ${dataDir}`,
          `Signatures checked with ${SIGNATURE_BACKENDS[server.signatures]}`,
        ],
      );
      await new Promise<void>((resolve) => {
        let stopping = false;
        const stop = (signal: NodeJS.Signals) => {
          if (stopping) {
            // A second signal: the person wants out now.
            process.exit(130);
          }
          stopping = true;
          info(cmd, `Stopping (${signal})…`);
          server.close().then(resolve, (error: unknown) => {
            process.stderr.write(
              `rally: error while stopping: ${error instanceof Error ? error.message : String(error)}\n`,
            );
            resolve();
          });
        };
        process.once("SIGINT", stop);
        process.once("SIGTERM", stop);
      });
      info(cmd, "Relay stopped.");
    });
  addRelayLimitFlags(command, "all");
  addMetricsFlag(command);
  addVerifyWorkersFlag(command);
  registerRelayBackup(command);
}

/**
 * Starts the relay (alone, or under `rally serve`), turning the usual failures into plain words
 * that say what to do.
 */
export async function startRelayOrExplain(
  dataDir: string,
  options: RelayServerOptions,
): Promise<RelayServer> {
  try {
    if (!options.database) {
      fs.mkdirSync(dataDir, { recursive: true });
      fs.accessSync(dataDir, fs.constants.W_OK);
    }
  } catch (error) {
    throw new CliError(
      `cannot use ${dataDir} for the relay's data (${errorMessage(error)}); choose another with --data`,
    );
  }
  try {
    return await startRelayServer({ ...options, dataDir });
  } catch (error) {
    const code = (error as { code?: string }).code;
    const where = `${options.host}:${options.port}`;
    if (code === "RALLY_DATABASE_UNAVAILABLE") throw new CliError(`${errorMessage(error)}; check --db`);
    if (code === "EADDRINUSE")
      throw new CliError(`${where} is already in use; choose another port with --port`);
    if (code === "EACCES")
      throw new CliError(`not allowed to listen on ${where}; choose a port above 1023 with --port`);
    if (code === "EADDRNOTAVAIL" || code === "ENOTFOUND")
      throw new CliError(`cannot listen on ${options.host}: no such address on this machine; check --host`);
    if (typeof code === "string" && code.startsWith("SQLITE_"))
      throw new CliError(
        `the relay database in ${dataDir} cannot be opened (${errorMessage(error)}); move it away or choose another --data`,
      );
    throw error;
  }
}
