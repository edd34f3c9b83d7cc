/**
 * `startRelayServer`: the relay on one HTTP server — WebSocket upgrades for Nostr, NIP-11 for
 * `Accept: application/nostr+json`, and an optional fallback handler so the same port can serve
 * other HTTP (the web app, in `rally serve`).
 *
 * Backpressure (as strfry does for slow readers): when more than `highWaterBytes` are queued to a
 * client, the relay stops reading from it until the queue drains; past `maxQueuedBytes` the client
 * is disconnected rather than buffered without bound. Nothing about clients is logged.
 */

import http, { type IncomingMessage, type ServerResponse, STATUS_CODES } from "node:http";
import https from "node:https";
import type { AddressInfo, Socket } from "node:net";
import type { Duplex } from "node:stream";
import {
  type EventVerifier,
  type Filter,
  isEphemeralKind,
  loadVerifier,
  type NostrEvent,
} from "@rally/protocol/nostr";
import { type WebSocket, WebSocketServer } from "ws";
import { authHosts } from "./authHosts.ts";
import { addressKey, clientAddress } from "./clientAddress.ts";
import { ConnectionCaps } from "./connectionCaps.ts";
import { applyHeaders, rawHttpResponse, securityHeaders } from "./httpSecurity.ts";
import { type RelayLimits, resolveLimits } from "./limits.ts";
import { type Log, stderrLog } from "./log.ts";
import { METRICS_CONTENT_TYPE, renderMetrics } from "./metrics.ts";
import { loadNativeVerifier } from "./nativeVerifier.ts";
import { type RelayInfoOptions, relayInformation } from "./nip11.ts";
import { type DefaultPolicyOptions, defaultPolicies } from "./policies/defaults.ts";
import type { RelayPolicy } from "./policies/types.ts";
import { RelayCore, type RelayStats, type Transport } from "./relayCore.ts";
import type { RetentionRule } from "./retention.ts";
import type { PostgresEventStore } from "./store/postgres.ts";
import { openSqliteEventStore, SqliteEventStore } from "./store/sqlite.ts";
import type { EventStore } from "./store/types.ts";
import { VerifyPool } from "./verifyPool.ts";
import { textFrames } from "./wsFrames.ts";

export interface RelayServerOptions extends DefaultPolicyOptions {
  /** TCP port; 0 picks a free one. Default 7447. */
  port?: number;
  /** Interface to listen on. Default 127.0.0.1. */
  host?: string;
  /** Directory of the SQLite database. Without it (and without `store`), events live in memory. */
  dataDir?: string;
  /** A storage backend to use instead of SQLite in `dataDir`; the caller closes it. */
  store?: EventStore;
  /**
   * A PostgreSQL connection string (`postgres://…`): events are kept there instead of SQLite in
   * `dataDir`. Several relay processes may share one database; each sends the events the others
   * store to its own live subscriptions.
   */
  database?: string;
  limits?: Partial<RelayLimits>;
  /** Replaces the default policy list (see `defaultPolicies`). */
  policies?: RelayPolicy[];
  info?: RelayInfoOptions;
  /** The URL clients use when it differs from the listening one (a proxy); for NIP-42. */
  publicUrl?: string;
  /** More such URLs (`wss://…`, `https://…`): a NIP-42 answer may name any of them. */
  publicUrls?: readonly string[];
  /** Speak TLS (HTTPS and `wss://`) with this PEM certificate chain and key, by Node's own `tls`. */
  tls?: { cert: string | Buffer; key: string | Buffer };
  /** Other HTTP requests: return true when handled. */
  http?: (req: IncomingMessage, res: ServerResponse) => boolean;
  /**
   * Signature backend; default: libsecp256k1 built for this machine when it is (`nativeVerifier.ts`),
   * else WASM when it loads, else pure JS.
   */
  verifier?: EventVerifier | "native" | "wasm" | "js";
  /**
   * Worker threads that check clients' event ids and signatures (`verifyPool.ts`); 0 checks them on
   * the relay's own thread. Default 0.
   */
  verifyWorkers?: number;
  /** A pool made by the caller instead of `verifyWorkers` (tests); the relay closes it. */
  verifyPool?: VerifyPool;
  /**
   * Per-address limits count the last `X-Forwarded-For` entry instead of the socket's address:
   * only behind a reverse proxy that sets it (otherwise anyone could claim any address).
   */
  trustProxy?: boolean;
  /** Retention per kind (`--retain 445=90d`): older events of the kind go at each purge. */
  retain?: readonly RetentionRule[];
  /** How often expired (NIP-40) events are purged, in seconds. Default 60. */
  purgeIntervalSeconds?: number;
  /** Serve Prometheus text metrics at `GET /metrics` on the same port (`metrics.ts`). Default off. */
  metrics?: boolean;
  log?: Log;
  /**
   * Told of each event stored (not duplicates), after it is stored: by this process, and on a
   * database shared with other relay processes, by any of them (as they announce it).
   */
  onSaved?: (event: NostrEvent) => void;
  /** Clock in unix seconds (tests). */
  now?: () => number;
}

/**
 * The relay as the process that runs it sees it: for pages served on the same port, which read
 * stored events and hand in events people post through a web form.
 */
export interface LocalRelay {
  /** Stored events matching the filter, newest first, as the relay itself reads them (no read policy). */
  query(filter: Filter, options?: { maxBytes?: number }): Promise<NostrEvent[]>;
  /** Takes an event as if a client had sent it: checked, stored, sent to live subscriptions. */
  publish(event: NostrEvent): Promise<{ accepted: boolean; message: string }>;
  /** The relay's clock, unix seconds. */
  now(): number;
}

export interface RelayServer {
  /** `ws://host:port` */
  url: string;
  port: number;
  host: string;
  /** How clients' signatures are checked: libsecp256k1 built for this machine, in WASM, or pure JS. */
  signatures: EventVerifier["backend"];
  /** Reading and publishing from inside the process (pages on the same port). */
  local: LocalRelay;
  stats(): RelayStats;
  /** Stops listening, commits queued events, closes every connection and the store it opened. */
  close(): Promise<void>;
}

/** A store other relay processes write to too (PostgreSQL), told apart without loading its module. */
function sharedWithOtherProcesses(store: EventStore): store is PostgresEventStore {
  return typeof (store as Partial<PostgresEventStore>).watchOthers === "function";
}

function acceptsNostrJson(req: IncomingMessage): boolean {
  return (req.headers.accept ?? "").toLowerCase().includes("application/nostr+json");
}

const CORS = {
  "Access-Control-Allow-Origin": "*",
  "Access-Control-Allow-Headers": "*",
  "Access-Control-Allow-Methods": "GET, OPTIONS",
};

/**
 * Answers on the raw socket of an upgrade request or of one Node could not parse, where no
 * `ServerResponse` exists, with the same security headers as every other response; the socket is
 * closed once the answer is written (as `ws` does for the upgrades it refuses).
 */
function answerRaw(
  socket: Duplex,
  status: number,
  security: Readonly<Record<string, string>>,
  body: string,
  headers: Readonly<Record<string, string>> = {},
): void {
  socket.once("finish", () => socket.destroy());
  socket.end(rawHttpResponse(status, security, body, headers));
}

/** Statuses Node itself gives a request it cannot parse (`http` server's own `clientError` answers). */
function clientErrorStatus(code: string | undefined): number {
  if (code === "HPE_HEADER_OVERFLOW") return 431;
  if (code === "HPE_CHUNK_EXTENSIONS_OVERFLOW") return 413;
  if (code === "ERR_HTTP_REQUEST_TIMEOUT") return 408;
  return 400;
}

export async function startRelayServer(options: RelayServerOptions = {}): Promise<RelayServer> {
  const limits = resolveLimits(options.limits);
  const log = options.log ?? stderrLog;
  const ownStore = options.store === undefined;
  const store: EventStore =
    options.store ??
    (options.database
      ? // Loaded only here: the PostgreSQL client costs an SQLite relay about 5 MB of memory.
        await (await import("./store/postgres.ts")).openPostgresEventStore(options.database, { log })
      : options.dataDir
        ? openSqliteEventStore(options.dataDir)
        : new SqliteEventStore(":memory:"));
  const verifier =
    typeof options.verifier === "object"
      ? options.verifier
      : options.verifier === undefined || options.verifier === "native"
        ? (loadNativeVerifier() ?? (await loadVerifier("wasm")))
        : await loadVerifier(options.verifier);
  const policies = options.policies ?? defaultPolicies(limits, options);
  const publicUrls = [...(options.publicUrl ? [options.publicUrl] : []), ...(options.publicUrls ?? [])];
  const secure = options.tls !== undefined;
  // Filled once listening: the public URLs and the listening address (`authHosts.ts`).
  const relayHosts: string[] = [];
  const baseHeaders = securityHeaders({
    hsts: secure || publicUrls.some((u) => /^(wss|https):/i.test(u.trim())),
  });
  const core = new RelayCore({
    store,
    limits,
    policies,
    verifier,
    relayHosts,
    log,
    ...(options.onSaved ? { onSaved: options.onSaved } : {}),
    ...(options.now ? { now: options.now } : {}),
    ...(sharedWithOtherProcesses(store) ? { shareEphemeral: store.announce } : {}),
    ...(options.verifyPool
      ? { verifyPool: options.verifyPool }
      : (options.verifyWorkers ?? 0) > 0
        ? { verifyPool: new VerifyPool({ size: options.verifyWorkers ?? 0, backend: verifier.backend, log }) }
        : {}),
  });
  const retain = options.retain ?? [];
  if (retain.length > 0 && store.purgeKindBefore === undefined)
    throw new Error("this event store cannot delete events by age; start without --retain");
  await core.quota.start();
  const info = JSON.stringify(
    relayInformation(options.info ?? {}, limits, options.authRequired === true, {
      ...(options.acceptKinds ? { acceptKinds: options.acceptKinds } : {}),
      retention: retain,
    }),
  );

  // Responses under way per connection, counted from each request until its response closes
  // (keyed on the request's socket: a pipelined response waiting its turn has no `res.socket` yet).
  // A malformed request, or an upgrade refused, after them on the same connection must not be
  // answered in the middle of one (Node's own rule for its `clientError` answer): that connection
  // is closed instead.
  const responding = new WeakMap<Duplex, number>();
  const busy = (socket: Duplex): boolean => (responding.get(socket) ?? 0) > 0;
  const handle = (req: IncomingMessage, res: ServerResponse): void => {
    const socket = req.socket;
    responding.set(socket, (responding.get(socket) ?? 0) + 1);
    res.once("close", () => {
      const left = (responding.get(socket) ?? 1) - 1;
      if (left > 0) responding.set(socket, left);
      else responding.delete(socket);
    });
    applyHeaders(res, baseHeaders);
    if (req.method === "OPTIONS") {
      res.writeHead(204, CORS).end();
      return;
    }
    if ((req.method === "GET" || req.method === "HEAD") && acceptsNostrJson(req)) {
      // The relay's own clock, by which it judges `created_at` (RFC 9110 §6.6.1 `Date`): clients
      // whose clock is off learn from it to stamp inside the window; pages may read it only when
      // CORS exposes it.
      res
        .writeHead(200, {
          ...CORS,
          "Access-Control-Expose-Headers": "Date",
          "Cache-Control": "no-store",
          Date: new Date(core.now() * 1000).toUTCString(),
          "Content-Type": "application/nostr+json",
        })
        .end(req.method === "GET" ? info : undefined);
      return;
    }
    if (options.metrics && req.method === "GET" && req.url === "/metrics") {
      void serveMetrics(res);
      return;
    }
    try {
      if (options.http?.(req, res)) return;
    } catch (error) {
      log(`error in the HTTP handler: ${error instanceof Error ? error.message : String(error)}`);
      if (!res.headersSent) res.writeHead(500, { "Content-Type": "text/plain; charset=utf-8" });
      res.end("Internal error\n");
      return;
    }
    if (req.method === "GET" && (req.url === "/" || req.url === "")) {
      res
        .writeHead(200, { "Content-Type": "text/plain; charset=utf-8" })
        .end(`Rally relay. Connect with a Nostr client at ${url}\n`);
      return;
    }
    res.writeHead(404, { "Content-Type": "text/plain; charset=utf-8" }).end("Not found\n");
  };
  const startedAt = performance.now();
  const serveMetrics = async (res: ServerResponse): Promise<void> => {
    let storeBytes: number | undefined;
    try {
      storeBytes = await store.storedBytes?.();
    } catch {
      storeBytes = undefined; // a figure missing from one scrape, not a failed scrape
    }
    let sendBufferBytes = 0;
    for (const ws of sockets) sendBufferBytes += ws.bufferedAmount;
    const stats = core.stats();
    res.writeHead(200, { "Content-Type": METRICS_CONTENT_TYPE, "Cache-Control": "no-store" }).end(
      renderMetrics({
        eventsReceived: stats.eventsReceived,
        eventsStored: stats.eventsSaved,
        refused: core.refusals.entries(),
        writeBatches: stats.batches,
        connections: stats.connections,
        subscriptions: stats.subscriptions,
        writeQueue: core.writer.pending,
        sendBufferBytes,
        storeBytes,
        uptimeSeconds: (performance.now() - startedAt) / 1000,
      }),
    );
  };
  const server = options.tls
    ? https.createServer({ cert: options.tls.cert, key: options.tls.key }, handle)
    : http.createServer(handle);
  // A request Node cannot parse: answered as Node would, with the security headers.
  server.on("clientError", (error: NodeJS.ErrnoException, socket: Duplex) => {
    if (!socket.writable || busy(socket)) {
      socket.destroy();
      return;
    }
    const status = clientErrorStatus(error.code);
    answerRaw(socket, status, baseHeaders, `${STATUS_CODES[status] ?? "Bad Request"}\n`);
  });

  // Frames above our limit are still read (up to this cap) to answer them with OK/CLOSED; beyond
  // it, `ws` closes the connection with 1009 (message too big).
  const hardCap = limits.maxMessageBytes * 2 + 64 * 1024;
  const wss = new WebSocketServer({ noServer: true, maxPayload: hardCap, perMessageDeflate: false });
  // An upgrade request `ws` finds malformed: answered here rather than by `ws` (which would write
  // its own bare response), with the statuses and headers `ws` uses plus the security headers.
  wss.on("wsClientError", (error: Error, socket: Duplex, req: IncomingMessage) => {
    if (busy(socket)) {
      socket.destroy();
      return;
    }
    if (req.method !== "GET") {
      answerRaw(socket, 405, baseHeaders, `${error.message}\n`, { Allow: "GET" });
      return;
    }
    const version = req.headers["sec-websocket-version"];
    answerRaw(
      socket,
      400,
      baseHeaders,
      `${error.message}\n`,
      version === "13" || version === "8" ? {} : { "Sec-WebSocket-Version": "13, 8" },
    );
  });
  const sockets = new Set<WebSocket>();

  const caps = new ConnectionCaps(limits.maxConnections, limits.maxConnectionsPerAddress);
  server.on("upgrade", (req, socket, head) => {
    // Refused before the WebSocket exists, so a flood costs no per-connection state: clients see
    // a failed connect (an error, not a close after open) and back off as for an unreachable relay.
    const address = addressKey(
      clientAddress(req.socket.remoteAddress, req.headers["x-forwarded-for"], options.trustProxy === true),
    );
    const admitted = caps.admit(address);
    if (!admitted.ok) {
      if (busy(socket)) {
        socket.destroy();
        return;
      }
      // With when to try again (RFC 9110 §10.2.3).
      answerRaw(socket, 503, baseHeaders, `${admitted.why}; try again later\n`, { "Retry-After": "10" });
      return;
    }
    socket.once("close", () => caps.release(address));
    wss.handleUpgrade(req, socket, head, (ws) => {
      sockets.add(ws);
      attach(ws, socket as Socket, address);
    });
  });

  function attach(ws: WebSocket, socket: Socket, address: string): void {
    let paused = false;
    const resumeWhenDrained = () => {
      if (ws.readyState !== ws.OPEN) return;
      if (ws.bufferedAmount <= limits.highWaterBytes / 2) {
        paused = false;
        ws.resume();
      } else {
        // The ping callback runs once everything queued before it has been written out.
        ws.ping(undefined, undefined, resumeWhenDrained);
      }
    };
    /** After a write: close a client that reads too slowly, pause one that falls behind. */
    const checkQueued = () => {
      const queued = ws.bufferedAmount;
      if (queued > limits.maxQueuedBytes) {
        ws.close(1008, "too slow: too many unread messages");
        ws.terminate();
      } else if (!paused && queued > limits.highWaterBytes) {
        paused = true;
        ws.pause();
        ws.ping(undefined, undefined, resumeWhenDrained);
      }
    };
    const transport: Transport = {
      address,
      send(text) {
        if (ws.readyState !== ws.OPEN) return;
        ws.send(text);
        checkQueued();
      },
      sendMany(texts) {
        if (ws.readyState !== ws.OPEN) return;
        // Straight to the socket, one write for them all (`wsFrames.ts`); `ws` writes to the same
        // socket synchronously and queues nothing of its own without compression, so frames stay in
        // order, and `bufferedAmount` (the socket's queue) counts these bytes too.
        socket.write(textFrames(texts));
        checkQueued();
      },
      close(code, why) {
        ws.close(code, why);
      },
      // The TCP socket under this WebSocket: corking it batches the frames written meanwhile.
      cork: () => socket.cork(),
      uncork: () => socket.uncork(),
    };
    const conn = core.connect(transport);
    ws.on("message", (data, isBinary) => {
      const buf = Array.isArray(data)
        ? Buffer.concat(data)
        : Buffer.isBuffer(data)
          ? data
          : Buffer.from(data);
      void isBinary;
      try {
        conn.handle(buf.toString("utf8"), buf.length);
      } catch (error) {
        // A bug must not take the relay down for everyone: answer and keep going.
        log(`error handling a message: ${error instanceof Error ? error.message : String(error)}`);
        transport.send(JSON.stringify(["NOTICE", "error: internal error"]));
      }
    });
    ws.on("error", () => {
      // e.g. a frame over the hard cap; `ws` closes the socket itself.
    });
    ws.on("close", () => {
      sockets.delete(ws);
      conn.dispose();
    });
  }

  const port = options.port ?? 7447;
  const host = options.host ?? "127.0.0.1";
  await new Promise<void>((resolve, reject) => {
    server.once("error", reject);
    server.listen(port, host, () => {
      server.off("error", reject);
      resolve();
    });
  }).catch(async (error: unknown) => {
    // Signature workers would keep the process from ending.
    await core.options.verifyPool?.close();
    throw error;
  });
  const actualPort = (server.address() as AddressInfo).port;
  const urlHost = host.includes(":") ? `[${host}]` : host;
  const url = `${secure ? "wss" : "ws"}://${urlHost}:${actualPort}`;
  // Events other relay processes store in the same database go to this one's live subscriptions,
  // and to `onSaved` as this one's own would (a stored event, ephemeral ones aside): what a process
  // keeps track of (a node's public keys) must not depend on which process took the event.
  if (sharedWithOtherProcesses(store))
    await store.watchOthers((event, json) => {
      if (!isEphemeralKind(event.kind)) options.onSaved?.(event);
      core.fanOut(event, json);
    });
  relayHosts.push(
    ...authHosts({
      publicUrls,
      host,
      port: actualPort,
      secure,
      ...(options.tls ? { certificate: options.tls.cert } : {}),
    }),
  );

  const purgeEvery = (options.purgeIntervalSeconds ?? 60) * 1000;
  const purge = async () => {
    try {
      await store.purgeExpired(core.now());
      for (const rule of retain) {
        // In steps, so a large backlog does not hold the database (and every client) at once.
        while ((await store.purgeKindBefore?.(rule.kind, core.now() - rule.seconds, 2000)) === 2000)
          await new Promise((r) => setImmediate(r));
      }
      core.quota.refresh();
    } catch (error) {
      log(
        `storage error while purging expired events: ${error instanceof Error ? error.message : String(error)}`,
      );
    }
  };
  if (retain.length > 0) void purge(); // what is already past its age goes at start
  const purgeTimer = setInterval(() => void purge(), purgeEvery);
  purgeTimer.unref();

  let closing: Promise<void> | undefined;
  return {
    url,
    port: actualPort,
    host,
    signatures: verifier.backend,
    local: {
      async query(filter, opts = {}) {
        const stored = await store.query(filter, { now: core.now(), ...opts });
        return stored.map((e) => JSON.parse(e.json) as NostrEvent);
      },
      publish: (event) => core.ingest(event),
      now: () => core.now(),
    },
    stats: () => core.stats(),
    close() {
      closing ??= (async () => {
        clearInterval(purgeTimer);
        wss.close();
        const stopped = new Promise<void>((r) => server.close(() => r()));
        // Commit every event already queued so each one that got (or will get) OK is on disk.
        await core.close();
        for (const ws of sockets) ws.close(1001, "relay shutting down");
        server.closeAllConnections();
        await stopped;
        if (ownStore) await store.close();
      })();
      return closing;
    },
  };
}
