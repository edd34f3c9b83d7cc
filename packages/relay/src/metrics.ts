/**
 * The relay's figures in Prometheus' text exposition format (version 0.0.4: `# HELP`, `# TYPE`,
 * then `name{label="value"} number` lines), served at `GET /metrics` when the relay runs with
 * `--metrics`.
 *
 * Only totals: no address, key, event id or subscription id ever becomes a label, so a scrape
 * tells how busy the relay is and nothing about who uses it. Refusals are counted by their NIP-01
 * prefix, from a fixed list, so a client cannot grow the set of series by inventing prefixes.
 */

/** NIP-01's machine-readable prefixes (and strfry's `replaced`); anything else counts as `other`. */
const REASON_PREFIXES = new Set([
  "auth-required",
  "blocked",
  "duplicate",
  "error",
  "invalid",
  "mute",
  "pow",
  "rate-limited",
  "replaced",
  "restricted",
]);

/** Refusals (`OK false`) counted by reason prefix. */
export class RefusalCounts {
  private readonly counts = new Map<string, number>();

  count(message: string): void {
    const colon = message.indexOf(":");
    const prefix = colon > 0 ? message.slice(0, colon) : "";
    const key = REASON_PREFIXES.has(prefix) ? prefix : "other";
    this.counts.set(key, (this.counts.get(key) ?? 0) + 1);
  }

  entries(): [string, number][] {
    return [...this.counts].sort(([a], [b]) => (a < b ? -1 : 1));
  }
}

/** One reading of the relay, as `renderMetrics` prints it. */
export interface MetricsSnapshot {
  eventsReceived: number;
  eventsStored: number;
  refused: readonly (readonly [reason: string, count: number])[];
  writeBatches: number;
  connections: number;
  subscriptions: number;
  /** Events waiting for the batch writer's next commit. */
  writeQueue: number;
  /** Bytes queued to clients and not yet written to their sockets, all connections together. */
  sendBufferBytes: number;
  /** Bytes the store takes on disk, when the store can tell. */
  storeBytes: number | undefined;
  uptimeSeconds: number;
}

type Kind = "counter" | "gauge";

function family(name: string, kind: Kind, help: string, samples: string[]): string[] {
  return [`# HELP ${name} ${help}`, `# TYPE ${name} ${kind}`, ...samples];
}

export function renderMetrics(m: MetricsSnapshot): string {
  const lines = [
    ...family("rally_relay_events_received_total", "counter", "Events clients sent.", [
      `rally_relay_events_received_total ${m.eventsReceived}`,
    ]),
    ...family("rally_relay_events_stored_total", "counter", "Events newly stored.", [
      `rally_relay_events_stored_total ${m.eventsStored}`,
    ]),
    ...family(
      "rally_relay_events_refused_total",
      "counter",
      "Events answered OK false, by NIP-01 reason prefix.",
      m.refused.map(([reason, n]) => `rally_relay_events_refused_total{reason="${reason}"} ${n}`),
    ),
    ...family("rally_relay_write_batches_total", "counter", "Transactions the batch writer committed.", [
      `rally_relay_write_batches_total ${m.writeBatches}`,
    ]),
    ...family("rally_relay_connections_open", "gauge", "WebSocket connections open.", [
      `rally_relay_connections_open ${m.connections}`,
    ]),
    ...family("rally_relay_subscriptions_open", "gauge", "Live subscriptions open.", [
      `rally_relay_subscriptions_open ${m.subscriptions}`,
    ]),
    ...family("rally_relay_write_queue_events", "gauge", "Events waiting for the next commit.", [
      `rally_relay_write_queue_events ${m.writeQueue}`,
    ]),
    ...family(
      "rally_relay_send_buffer_bytes",
      "gauge",
      "Bytes queued to clients, not yet written to their sockets.",
      [`rally_relay_send_buffer_bytes ${m.sendBufferBytes}`],
    ),
    ...(m.storeBytes === undefined
      ? []
      : family("rally_relay_store_bytes", "gauge", "Bytes the event store takes on disk.", [
          `rally_relay_store_bytes ${m.storeBytes}`,
        ])),
    ...family("rally_relay_uptime_seconds", "gauge", "Seconds since the relay started.", [
      `rally_relay_uptime_seconds ${m.uptimeSeconds.toFixed(3)}`,
    ]),
  ];
  return `${lines.join("\n")}\n`;
}

/** The exposition format's media type. */
export const METRICS_CONTENT_TYPE = "text/plain; version=0.0.4; charset=utf-8";
