/**
 * The relay pool: many relays at once (NIP-01), so that one relay being down loses nothing.
 * Publishing sends one event to every relay of a set and resolves with each relay's answer;
 * a subscription reads from every relay of a set, delivers each verified event once (dedup by id),
 * and reports when each relay has sent EOSE, closed it, or could not be reached. Connections
 * reconnect with backoff and resubscribe; NIP-42 authentication is answered on demand with the
 * signer given (see `relayConnection.ts`). A UI can follow each relay's and the overall
 * connection state.
 *
 * Runs in: Node and browsers. Pass `ws`'s `WebSocket` in Node and `globalThis.WebSocket` in a page.
 */
import type { NostrEvent } from "nostr-tools/core";
import type { Filter } from "nostr-tools/filter";
import { verifyEvent as verifyEventPure } from "nostr-tools/pure";
import { type BackoffPolicy, RECONNECT_BACKOFF } from "./backoff.ts";
import {
  type AuthSigner,
  type ConnectionState,
  type LogEntry,
  type PublishOutcome,
  type PublishStatus,
  RelayConnection,
  type RelayStatus,
} from "./relayConnection.ts";
import { MAX_FRAME_CHARS } from "./relayFrames.ts";
import { normalizeRelayUrl } from "./relayUrl.ts";
import type { WebSocketConstructor } from "./websocket.ts";

export type { AuthSigner, ConnectionState, LogEntry, PublishOutcome, PublishStatus, RelayStatus };
export { normalizeRelayUrl };

export interface RelayPoolOptions {
  WebSocket: WebSocketConstructor;
  /** Checks id and signature; defaults to nostr-tools' pure-JS `verifyEvent` (pass the WASM one for speed). */
  verifyEvent?: (event: NostrEvent) => boolean;
  /** Signs NIP-42 AUTH events; without it, `auth-required:` answers are final. */
  signAuth?: AuthSigner;
  reconnect?: BackoffPolicy;
  /** Default 10 s. */
  connectTimeoutMs?: number;
  /** Default time to wait for an `OK`, 10 s. */
  publishTimeoutMs?: number;
  /** Default time to wait for every relay's EOSE, 15 s. */
  eoseTimeoutMs?: number;
  /** Default 5 s. */
  authTimeoutMs?: number;
  /** Incoming frames above this many characters are dropped; default 4 Mi. */
  maxFrameChars?: number;
  /** Where dropped frames and relay notices are reported; defaults to `console.warn` for warnings. */
  log?: (entry: LogEntry) => void;
  random?: () => number;
}

export interface PublishResult extends PublishOutcome {
  relay: string;
}

export type EoseState = "eose" | "closed" | "unreachable" | "timeout";

/** How each relay of a subscription ended its stored events. */
export interface EoseReport {
  relays: { relay: string; state: EoseState; message?: string }[];
  /** True when at least one relay sent EOSE. */
  any: boolean;
}

export interface SubscriptionHandlers {
  /** Each verified event once, with the first relay that delivered it. */
  onEvent(event: NostrEvent, relay: string): void;
  onEose?(relay: string): void;
  onClosed?(relay: string, reason: string): void;
}

export interface SubscribeOptions {
  /**
   * Subscription id sent to relays (max 64 chars, not one already open on this pool); by default
   * 16 random hex characters, which name neither the client nor how many subscriptions came before.
   */
  id?: string;
  eoseTimeoutMs?: number;
  /** Event ids already held (e.g. loaded from the store): not delivered again. */
  skip?: Iterable<string>;
}

/** Filters, or a function of the relay giving them at each (re)subscription (e.g. a moving `since`). */
export type FilterSource = Filter[] | ((relay: string) => Filter[]);

export interface PoolSubscription {
  readonly id: string;
  /** Settles once every relay has sent EOSE, closed, failed or timed out. Never rejects. */
  readonly eose: Promise<EoseReport>;
  close(): void;
}

/** Remembers delivered ids, forgetting the oldest beyond a cap so a long-lived subscription stays bounded. */
const DEDUP_CAP = 100_000;

export class RelayPool {
  private readonly opts: RelayPoolOptions;
  private readonly connections = new Map<string, RelayConnection>();
  private readonly statusListeners = new Set<(status: RelayStatus, overall: ConnectionState) => void>();
  private closed = false;
  /** Ids of the subscriptions open now: each is unique on every connection it is sent on. */
  private readonly liveIds = new Set<string>();

  constructor(opts: RelayPoolOptions) {
    this.opts = opts;
  }

  /** Opens connections to these relays now (otherwise they open on first use). */
  connect(relays: Iterable<string>): void {
    for (const url of relays) this.connection(normalizeRelayUrl(url))?.connect();
  }

  /**
   * Reconnects every relay that is down now, skipping its backoff wait — for when the device says
   * the network is back (the browser's `online` event, a phone waking up).
   */
  retryNow(): void {
    for (const c of this.connections.values()) c.connect();
  }

  /** Sends `event` to every relay in `relays` and resolves with each relay's answer (never rejects). */
  async publish(
    event: NostrEvent,
    relays: Iterable<string>,
    options: { timeoutMs?: number } = {},
  ): Promise<PublishResult[]> {
    const timeoutMs = options.timeoutMs ?? this.opts.publishTimeoutMs ?? 10_000;
    const seen = new Set<string>();
    const work: Promise<PublishResult>[] = [];
    for (const raw of relays) {
      let url: string;
      try {
        url = normalizeRelayUrl(raw);
      } catch (e) {
        work.push(
          Promise.resolve({ relay: raw, ok: false, status: "unreachable", message: `error: ${errMsg(e)}` }),
        );
        continue;
      }
      if (seen.has(url)) continue;
      seen.add(url);
      const conn = this.connection(url);
      if (!conn) {
        work.push(Promise.resolve({ relay: url, ...closedOutcome() }));
        continue;
      }
      work.push(conn.publish(event, timeoutMs).then((o) => ({ relay: url, ...o })));
    }
    return Promise.all(work);
  }

  /** Subscribes on every relay in `relays`; events arrive through `handlers` until `close()`. */
  subscribe(
    relays: Iterable<string>,
    filters: FilterSource,
    handlers: SubscriptionHandlers,
    options: SubscribeOptions = {},
  ): PoolSubscription {
    const id = options.id ?? this.freshId();
    // NIP-01: "an arbitrary, non-empty string of max length 64 chars".
    if (id.length === 0 || id.length > 64) throw new Error("a subscription id must have 1 to 64 characters");
    // A second REQ with the same id would replace the first on the relay (NIP-01).
    if (this.liveIds.has(id)) throw new Error(`a subscription with id ${id} is already open`);
    this.liveIds.add(id);
    const delivered = new Set<string>(options.skip ?? []);
    const states = new Map<string, { state: EoseState | "pending"; message?: string }>();
    const conns: RelayConnection[] = [];
    let settle: (r: EoseReport) => void = () => {};
    let settled = false;
    let active = true;
    const eose = new Promise<EoseReport>((resolve) => {
      settle = resolve;
    });
    const finish = () => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      const list = [...states].map(([relay, s]) => {
        const r: { relay: string; state: EoseState; message?: string } = {
          relay,
          state: s.state === "pending" ? "timeout" : s.state,
        };
        if (s.message !== undefined) r.message = s.message;
        return r;
      });
      settle({ relays: list, any: list.some((r) => r.state === "eose") });
    };
    const mark = (relay: string, state: EoseState, message?: string) => {
      const s = states.get(relay);
      if (s?.state !== "pending") return;
      s.state = state;
      if (message !== undefined) s.message = message;
      if ([...states.values()].every((x) => x.state !== "pending")) finish();
    };
    const timer = setTimeout(finish, options.eoseTimeoutMs ?? this.opts.eoseTimeoutMs ?? 15_000);

    for (const raw of relays) {
      let url: string;
      try {
        url = normalizeRelayUrl(raw);
      } catch (e) {
        states.set(raw, { state: "closed", message: `error: ${errMsg(e)}` });
        handlers.onClosed?.(raw, `error: ${errMsg(e)}`);
        continue;
      }
      if (states.has(url)) continue;
      states.set(url, { state: "pending" });
      const conn = this.connection(url);
      if (!conn) {
        states.set(url, { state: "closed", message: closedOutcome().message });
        continue;
      }
      conns.push(conn);
      conn.subscribe(id, {
        filters: () => (typeof filters === "function" ? filters(url) : filters),
        has: (eventId) => delivered.has(eventId),
        onEvent: (event) => {
          if (!active || delivered.has(event.id)) return;
          delivered.add(event.id);
          if (delivered.size > DEDUP_CAP) {
            const oldest = delivered.values().next().value;
            if (oldest !== undefined) delivered.delete(oldest);
          }
          this.guard(url, () => handlers.onEvent(event, url));
        },
        onEose: () => {
          if (!active) return;
          mark(url, "eose");
          this.guard(url, () => handlers.onEose?.(url));
        },
        onClosed: (reason) => {
          if (!active) return;
          mark(url, "closed", reason);
          this.guard(url, () => handlers.onClosed?.(url, reason));
        },
        onUnreachable: (reason) => {
          if (!active) return;
          mark(url, "unreachable", reason);
        },
      });
    }
    if ([...states.values()].every((x) => x.state !== "pending")) finish();

    return {
      id,
      eose,
      close: () => {
        if (!active) return;
        active = false;
        this.liveIds.delete(id);
        for (const c of conns) c.unsubscribe(id);
        finish();
      },
    };
  }

  /**
   * A subscription id that tells a relay nothing: 64 random bits as 16 hex characters, from the
   * platform's CSPRNG. No client name and no counter, so ids do not say which software asks, nor
   * link a device's subscriptions through how many came before (review F17). Unique among the
   * subscriptions open on this pool, so unique on each connection.
   */
  private freshId(): string {
    const bytes = new Uint8Array(8);
    for (;;) {
      globalThis.crypto.getRandomValues(bytes);
      const id = Array.from(bytes, (b) => b.toString(16).padStart(2, "0")).join("");
      if (!this.liveIds.has(id)) return id;
    }
  }

  /** Each relay's connection state. */
  status(): RelayStatus[] {
    return [...this.connections.values()].map((c) => c.status());
  }

  /** Online if any relay is; connecting if none is but one is trying; offline otherwise. */
  state(): ConnectionState {
    return overallState(this.status());
  }

  /** Calls `listener` on every relay state change, with the overall state; returns an unsubscribe. */
  onStatus(listener: (status: RelayStatus, overall: ConnectionState) => void): () => void {
    this.statusListeners.add(listener);
    return () => this.statusListeners.delete(listener);
  }

  /** Closes every connection; pending publishes resolve as unreachable. */
  close(): void {
    this.closed = true;
    for (const c of this.connections.values()) c.close();
    this.connections.clear();
    this.statusListeners.clear();
  }

  /**
   * Runs a caller's callback so that its exception cannot escape into the socket's event handler
   * (in Node that would be an uncaught exception and end the process); it is logged instead.
   */
  private guard(relay: string, fn: () => void): void {
    try {
      fn();
    } catch (e) {
      this.log({ relay, level: "warn", message: `a subscriber failed: ${errMsg(e)}` });
    }
  }

  private log(entry: LogEntry): void {
    if (this.opts.log) this.opts.log(entry);
    else if (entry.level === "warn") console.warn(`relay ${entry.relay}: ${entry.message}`);
  }

  private connection(url: string): RelayConnection | undefined {
    if (this.closed) return undefined;
    let conn = this.connections.get(url);
    if (conn) return conn;
    const log = (e: LogEntry) => this.log(e);
    const connOpts: ConstructorParameters<typeof RelayConnection>[1] = {
      WebSocket: this.opts.WebSocket,
      verifyEvent: this.opts.verifyEvent ?? verifyEventPure,
      reconnect: this.opts.reconnect ?? RECONNECT_BACKOFF,
      connectTimeoutMs: this.opts.connectTimeoutMs ?? 10_000,
      authTimeoutMs: this.opts.authTimeoutMs ?? 5_000,
      maxFrameChars: this.opts.maxFrameChars ?? MAX_FRAME_CHARS,
      stableAfterMs: 10_000,
      log,
      onStatus: (status) => {
        const overall = this.state();
        for (const l of this.statusListeners) this.guard(status.url, () => l(status, overall));
      },
    };
    if (this.opts.signAuth) connOpts.signAuth = this.opts.signAuth;
    if (this.opts.random) connOpts.random = this.opts.random;
    conn = new RelayConnection(url, connOpts);
    this.connections.set(url, conn);
    return conn;
  }
}

export function overallState(statuses: RelayStatus[]): ConnectionState {
  if (statuses.some((s) => s.state === "online")) return "online";
  if (statuses.some((s) => s.state === "connecting")) return "connecting";
  return "offline";
}

function closedOutcome(): PublishOutcome {
  return { ok: false, status: "unreachable", message: "error: the relay pool is closed" };
}

function errMsg(e: unknown): string {
  return e instanceof Error ? e.message : String(e);
}
