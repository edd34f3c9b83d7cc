/**
 * The relay for `queryBudget.ts`, started with limits the CLI does not expose (the fair-turn slice,
 * to run the relay as it was before reads took turns). Usage: queryBudgetServer.ts DIR LIMITS_JSON
 */
import { type RelayLimits, startRelayServer } from "@rally/relay";

const [dir, limitsJson] = process.argv.slice(2);
const parsed = JSON.parse(limitsJson ?? "{}") as Record<string, number | null>;
// JSON has no Infinity: null stands for "no limit".
const limits = Object.fromEntries(
  Object.entries(parsed).map(([k, v]) => [k, v === null ? Infinity : v]),
) as Partial<RelayLimits>;
const relay = await startRelayServer({
  port: 0,
  dataDir: dir!,
  // A client that reads keeps its connection although four 16 MiB answers may queue up at once.
  limits: {
    eventsPerSecond: Infinity,
    reqsPerSecond: Infinity,
    maxQueuedBytes: 512 * 1024 * 1024,
    ...limits,
  },
  log: () => {},
});
process.stdout.write(`${relay.url}\n`);
process.once("SIGTERM", () => void relay.close().then(() => process.exit(0)));
