/**
 * `rally serve`: Rally in one process — the web app and a relay on the same port. People open
 * `http://HOST:PORT` in a browser; the app's default relay is that same address (`ws://HOST:PORT`),
 * so a community runs its whole node with this one command. On a network it speaks HTTPS itself
 * (`--tls-cert`/`--tls-key`) or sits behind a reverse proxy that does (`--public-url https://…`). Builds the app first when the build is
 * missing or older than its sources. Stops cleanly on SIGINT/SIGTERM.
 */
import fs from "node:fs";
import path from "node:path";
import { defaultPolicies, type RelayServer, resolveLimits } from "@rally/relay";
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
import { DEFAULT_SEALED_PER_HOUR, publicPagesHandler } from "../serve/public/handler.ts";
import { PublicFaceKeys, publicAnswerWork } from "../serve/publicAnswerWork.ts";
import { staticFileHandler } from "../serve/staticFiles.ts";
import { ensureWebBuild, WEB_DIST } from "../serve/webBuild.ts";
import { startRelayOrExplain } from "./relay.ts";

interface ServeOptions extends RelayLimitFlags, MetricsFlag, VerifyWorkersFlag {
  port: number;
  host: string;
  data?: string;
  db?: string;
  build: boolean;
  rebuild?: boolean;
  publicUrl?: string[];
  tlsCert?: string;
  tlsKey?: string;
  sealedAnswersPerHour: number;
}

export function register(program: Command): void {
  const command = program
    .command("serve")
    .description("run Rally's web app and a relay together on one port (the usual way to run a Rally node)")
    .option("--port <port>", "TCP port (0 picks a free one)", portNumber, 7447)
    .option("--host <host>", "interface to listen on (0.0.0.0 for every network)", "127.0.0.1")
    .option("--data <dir>", "directory for the relay's database (default: <home>/relay)")
    .option(
      "--db <url>",
      "keep events in PostgreSQL (postgres://…) instead of SQLite under --data; several relays may share one database",
      databaseUrl,
    )
    .option("--no-build", "serve the existing build even if the sources are newer")
    .option("--rebuild", "build the web app even if the build looks current")
    .option(
      "--public-url <url>",
      "the https:// (or wss://) address people use, e.g. behind a reverse proxy; repeat for several",
      collectUrl,
    )
    .option("--tls-cert <file>", "speak HTTPS with this PEM certificate chain (with --tls-key)")
    .option("--tls-key <file>", "the PEM private key of --tls-cert")
    .option(
      "--sealed-answers-per-hour <n>",
      "answers from the public pages this node seals itself (for browsers without JavaScript), per hour in all",
      positiveInt("--sealed-answers-per-hour"),
      DEFAULT_SEALED_PER_HOUR,
    )
    .action(async (opts: ServeOptions, cmd: Command) => {
      const { home } = globalOptions(cmd);
      const dataDir = path.resolve(opts.data ?? path.join(home, "relay"));
      const edge = edgeOptions(opts);
      if (opts.build || opts.rebuild) {
        try {
          await ensureWebBuild({ force: opts.rebuild === true, log: (line) => info(cmd, line) });
        } catch (error) {
          throw new CliError(`could not build the web app: ${errorMessage(error)}`);
        }
      }
      if (!fs.existsSync(path.join(WEB_DIST, "index.html"))) {
        throw new CliError(`the web app is not built (${WEB_DIST}); run without --no-build`);
      }
      // Public event pages and feeds come first; every other path is the web app.
      let relay: RelayServer | undefined;
      const origin = edge.publicUrls[0]?.replace(/^ws/i, "http").replace(/\/+$/, "");
      const pages = publicPagesHandler({
        relay: () => relay?.local,
        sealedPerHour: opts.sealedAnswersPerHour,
        ...(origin ? { origin } : {}),
        fallbackOrigin: () => (relay ? relay.url.replace(/^ws/, "http") : "http://localhost"),
      });
      const app = staticFileHandler({ root: WEB_DIST });
      const limitOptions = relayLimitOptions(opts);
      // Wraps to the groups' public keys it serves must carry the answers' proof of work.
      const publicKeys = new PublicFaceKeys();
      const server = await startRelayOrExplain(dataDir, {
        port: opts.port,
        host: opts.host,
        dataDir,
        ...(opts.db ? { database: opts.db } : {}),
        ...limitOptions,
        policies: [
          ...defaultPolicies(resolveLimits(limitOptions.limits), limitOptions),
          publicAnswerWork(publicKeys.has),
        ],
        onSaved: publicKeys.saw,
        metrics: opts.metrics === true,
        ...verifyWorkersOption(opts),
        publicUrls: edge.publicUrls,
        ...(edge.tls ? { tls: edge.tls } : {}),
        http: (req, res) => pages(req, res) || app(req, res),
      });
      relay = server;
      await publicKeys.load(server.local);
      const web = server.url.replace(/^ws/, "http");
      const shown = {
        ...(edge.publicUrls.length > 0 ? { publicUrls: edge.publicUrls } : {}),
        ...(opts.db ? { database: shownDatabase(opts.db) } : {}),
      };
      printResult(
        cmd,
        { url: web, relay: server.url, port: server.port, host: server.host, dataDir, ...shown },
        [
          `Rally is running at ${web}`,
          `Relay: ${server.url}`,
          ...edge.publicUrls.map((u) => `Public address: ${u}`),
          opts.db ? `Database: ${shownDatabase(opts.db)}` : `Data: ${dataDir}`,
        ],
      );
      await new Promise<void>((resolve) => {
        let stopping = false;
        const stop = (signal: NodeJS.Signals) => {
          if (stopping) process.exit(130);
          stopping = true;
          info(cmd, `Stopping (${signal})…`);
          server.close().then(resolve, (error: unknown) => {
            process.stderr.write(`rally: error while stopping: ${errorMessage(error)}\n`);
            resolve();
          });
        };
        process.once("SIGINT", stop);
        process.once("SIGTERM", stop);
      });
      info(cmd, "Rally stopped.");
    });
  // A community's node stores only what Rally uses unless told otherwise (`--accept all`).
  addRelayLimitFlags(command, "rally");
  addMetricsFlag(command);
  addVerifyWorkersFlag(command);
}
