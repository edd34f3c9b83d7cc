/**
 * One relay: a WebSocket that reconnects with backoff, NIP-01 subscriptions that are re-sent after
 * every reconnect, publishes answered by `OK` (or a timeout), and NIP-42 authentication done only
 * when the relay asks for it (`auth-required:` on a `CLOSED` or `OK`), then the refused request is
 * sent again once.
 *
 * Why not nostr-tools' `AbstractRelay`: its types need the DOM `WebSocket` (the client compiles
 * without DOM types), a `CLOSED auth-required:` ends the subscription instead of authenticating and
 * retrying, it does not report a failed connect to publishes waiting for it, and its reconnect
 * resubscribes with filters it rewrites itself. Those are the behaviours Rally's outbox and sync
 * rely on, so this is a small connection of our own that uses nostr-tools for the pieces that fit
 * (`makeAuthEvent`, `matchFilters`, `verifyEvent`).
 *
 * Authenticating only on demand is deliberate: AUTH tells the relay who is behind a connection,
 * and the connections that read and write group traffic should stay anonymous.
 *
 * Runs in: Node and browsers (the WebSocket constructor is a parameter).
 */
import type { EventTemplate, NostrEvent } from "nostr-tools/core";
import type { Filter } from "nostr-tools/filter";
import { matchFilters } from "nostr-tools/filter";
import { makeAuthEvent } from "nostr-tools/nip42";
import { type BackoffPolicy, backoffDelay } from "./backoff.ts";
import {
  authFrame,
  closeFrame,
  eventFrame,
  messagePrefix,
  parseRelayFrame,
  type RelayFrame,
  reqFrame,
} from "./relayFrames.ts";
import {
  type CloseEventLike,
  type ErrorEventLike,
  type MessageEventLike,
  type WebSocketConstructor,
  type WebSocketLike,
  WS_OPEN,
} from "./websocket.ts";

export type ConnectionState = "online" | "connecting" | "offline";

export interface RelayStatus {
  url: string;
  state: ConnectionState;
  /** Why the last connection failed or ended, if it did. */
  error?: string;
  /** Whether this connection has authenticated (NIP-42). */
  authenticated: boolean;
}

export type PublishStatus = "ok" | "duplicate" | "rejected" | "timeout" | "unreachable";

export interface PublishOutcome {
  ok: boolean;
  status: PublishStatus;
  /** The relay's message, or ours for timeouts and connection failures (with a NIP-01 prefix). */
  message: string;
}

export interface LogEntry {
  relay: string;
  level: "warn" | "info";
  message: string;
}

/** Signs a NIP-42 kind-22242 template with the person's key. */
export type AuthSigner = (template: EventTemplate) => Promise<NostrEvent>;

/** What a subscription on one relay reports. */
export interface ConnectionSubHandler {
  /** Filters to send with each REQ; called again at every (re)subscription. */
  filters(): Filter[];
  /** True if this event id was already delivered (skips verifying it again). */
  has(id: string): boolean;
  onEvent(event: NostrEvent): void;
  onEose(): void;
  /** The relay ended the subscription (after authentication, if that was tried). */
  onClosed(reason: string): void;
  /** The connection failed or dropped before this subscription's EOSE. */
  onUnreachable(reason: string): void;
}

export interface RelayConnectionOptions {
  WebSocket: WebSocketConstructor;
  verifyEvent: (event: NostrEvent) => boolean;
  signAuth?: AuthSigner;
  reconnect: BackoffPolicy;
  connectTimeoutMs: number;
  /** How long to wait for a challenge once authentication is needed. */
  authTimeoutMs: number;
  maxFrameChars: number;
  /** A connection that stays open this long resets the reconnect backoff. */
  stableAfterMs: number;
  log: (entry: LogEntry) => void;
  onStatus: (status: RelayStatus) => void;
  random?: () => number;
}

interface SubEntry {
  handler: ConnectionSubHandler;
  filters: Filter[];
  /** REQ sent on the current socket and not answered by EOSE/CLOSED yet. */
  awaitingEose: boolean;
  /** Reached EOSE at least once (on any socket). */
  eosed: boolean;
  /** Waiting for authentication before the REQ is sent again. */
  awaitingAuth: boolean;
  /** Already re-sent once after authenticating; a second auth-required is final. */
  authRetried: boolean;
  closedByRelay: boolean;
}

interface PublishEntry {
  event: NostrEvent;
  waiters: ((o: PublishOutcome) => void)[];
  sent: boolean;
  awaitingAuth: boolean;
  authRetried: boolean;
}

export class RelayConnection {
  readonly url: string;
  private readonly opts: RelayConnectionOptions;
  private ws: WebSocketLike | null = null;
  private state: ConnectionState = "offline";
  private error: string | undefined;
  private closed = false;
  private attempts = 0;
  private openedAt = 0;
  /** When the relay last sent anything on the current socket (ms). */
  private lastFrameAt = 0;
  private reconnectTimer: ReturnType<typeof setTimeout> | undefined;
  private connectTimer: ReturnType<typeof setTimeout> | undefined;
  private readonly subs = new Map<string, SubEntry>();
  private readonly publishes = new Map<string, PublishEntry>();
  // NIP-42 state, reset with each socket.
  private challenge: string | null = null;
  private authenticated = false;
  private authInFlight: string | null = null;
  private authTimer: ReturnType<typeof setTimeout> | undefined;
  private authWanted = false;

  constructor(url: string, opts: RelayConnectionOptions) {
    this.url = url;
    this.opts = opts;
  }

  status(): RelayStatus {
    const s: RelayStatus = { url: this.url, state: this.state, authenticated: this.authenticated };
    if (this.error !== undefined) s.error = this.error;
    return s;
  }

  /** Opens the socket now if it is not open or opening (cancels a pending backoff wait). */
  connect(): void {
    if (this.closed || this.ws) return;
    if (this.reconnectTimer) {
      clearTimeout(this.reconnectTimer);
      this.reconnectTimer = undefined;
    }
    let ws: WebSocketLike;
    try {
      ws = new this.opts.WebSocket(this.url);
    } catch (e) {
      this.onSocketGone(null, `could not connect: ${errorText(e)}`, false);
      return;
    }
    this.ws = ws;
    this.setState("connecting");
    this.connectTimer = setTimeout(() => {
      if (this.ws === ws && ws.readyState !== WS_OPEN) {
        this.onSocketGone(ws, "could not connect: timed out", true);
      }
    }, this.opts.connectTimeoutMs);
    let lastError: string | undefined;
    ws.onopen = () => {
      if (this.ws !== ws) return;
      this.onOpen();
    };
    ws.onmessage = (ev: MessageEventLike) => {
      if (this.ws !== ws) return;
      this.onData(ev.data);
    };
    ws.onerror = (ev: ErrorEventLike) => {
      lastError = ev.message || errorText(ev.error) || "connection error";
    };
    ws.onclose = (ev: CloseEventLike) => {
      if (this.ws !== ws) return;
      const why = this.state === "online" ? "connection closed" : "could not connect";
      const detail = lastError ?? (ev.reason ? ev.reason : ev.code ? `code ${ev.code}` : "");
      this.onSocketGone(ws, detail ? `${why}: ${detail}` : why, false);
    };
  }

  /** Closes for good: pending publishes resolve as unreachable, no more reconnects. */
  close(): void {
    if (this.closed) return;
    this.closed = true;
    clearTimeout(this.reconnectTimer);
    const ws = this.ws;
    if (ws) this.onSocketGone(ws, "closed by the client", true);
    else this.failPublishes("closed by the client");
    this.subs.clear();
  }

  subscribe(subId: string, handler: ConnectionSubHandler): void {
    const entry: SubEntry = {
      handler,
      filters: [],
      awaitingEose: false,
      eosed: false,
      awaitingAuth: false,
      authRetried: false,
      closedByRelay: false,
    };
    this.subs.set(subId, entry);
    if (this.state === "online") this.sendReq(subId, entry);
    else this.connect();
  }

  unsubscribe(subId: string): void {
    const entry = this.subs.get(subId);
    if (!entry) return;
    this.subs.delete(subId);
    if (this.state === "online" && !entry.closedByRelay) this.send(closeFrame(subId));
  }

  /**
   * Sends the event and resolves with the relay's answer. A connection that fails or drops before
   * the answer resolves as `unreachable` (the outbox retries); no answer in time as `timeout`.
   */
  publish(event: NostrEvent, timeoutMs: number): Promise<PublishOutcome> {
    if (this.closed) return Promise.resolve(unreachable("closed by the client"));
    const startedAt = Date.now();
    return new Promise((resolve) => {
      let entry = this.publishes.get(event.id);
      const timer = setTimeout(() => {
        const e = this.publishes.get(event.id);
        if (!e) return;
        e.waiters = e.waiters.filter((w) => w !== waiter);
        if (e.waiters.length === 0) this.publishes.delete(event.id);
        resolve({
          ok: false,
          status: "timeout",
          message: `error: no answer from the relay in ${timeoutMs} ms`,
        });
        // Not one frame since we sent: the socket looks open but is dead (a phone changed
        // networks, a NAT forgot us). Browsers cannot ping, so start a fresh connection instead
        // of showing "online" while nothing goes through.
        if (this.ws && this.state === "online" && this.lastFrameAt < startedAt) {
          this.onSocketGone(this.ws, "connection stalled: the relay stopped answering", true);
        }
      }, timeoutMs);
      const waiter = (o: PublishOutcome) => {
        clearTimeout(timer);
        resolve(o);
      };
      if (entry) {
        entry.waiters.push(waiter);
        return;
      }
      entry = { event, waiters: [waiter], sent: false, awaitingAuth: false, authRetried: false };
      this.publishes.set(event.id, entry);
      if (this.state === "online") {
        entry.sent = true;
        this.send(eventFrame(event));
      } else {
        this.connect();
      }
    });
  }

  // --- socket events ---

  private onOpen(): void {
    clearTimeout(this.connectTimer);
    this.openedAt = Date.now();
    this.error = undefined;
    this.setState("online");
    for (const [id, entry] of this.subs) {
      if (!entry.closedByRelay) this.sendReq(id, entry);
    }
    for (const entry of this.publishes.values()) {
      entry.sent = true;
      this.send(eventFrame(entry.event));
    }
  }

  private onSocketGone(ws: WebSocketLike | null, reason: string, closeSocket: boolean): void {
    clearTimeout(this.connectTimer);
    clearTimeout(this.authTimer);
    if (ws && closeSocket) {
      // No-ops rather than null: `ws` reports closing a socket that is still connecting as an
      // "error" event, and an error event with no listener would end the process.
      const ignore = () => {};
      ws.onopen = ws.onmessage = ws.onclose = ws.onerror = ignore;
      try {
        ws.close();
      } catch {
        // Closing a socket that never opened may throw in some implementations; it is gone anyway.
      }
    }
    if (ws && this.ws !== ws) return;
    this.ws = null;
    const wasStable = this.openedAt > 0 && Date.now() - this.openedAt >= this.opts.stableAfterMs;
    this.openedAt = 0;
    if (wasStable) this.attempts = 0;
    this.challenge = null;
    this.authenticated = false;
    this.authInFlight = null;
    this.authWanted = false;
    this.error = reason;
    this.failPublishes(reason);
    for (const entry of this.subs.values()) {
      entry.awaitingAuth = false;
      entry.awaitingEose = false;
      // A subscription still waiting for its first EOSE learns that this relay failed it; one
      // that is live just waits for the next socket, where it is sent again. One the relay closed
      // stays closed on this relay.
      if (!entry.eosed && !entry.closedByRelay) entry.handler.onUnreachable(reason);
    }
    this.setState("offline");
    if (!this.closed) {
      const delay = backoffDelay(this.attempts, this.opts.reconnect, this.opts.random);
      this.attempts++;
      this.reconnectTimer = setTimeout(() => {
        this.reconnectTimer = undefined;
        this.connect();
      }, delay);
    }
  }

  private onData(data: unknown): void {
    this.lastFrameAt = Date.now();
    const parsed = parseRelayFrame(data, this.opts.maxFrameChars);
    if (!parsed.ok) {
      this.opts.log({ relay: this.url, level: "warn", message: `dropped a frame: ${parsed.reason}` });
      return;
    }
    this.onFrame(parsed.frame);
  }

  private onFrame(frame: RelayFrame): void {
    switch (frame.type) {
      case "EVENT": {
        const entry = this.subs.get(frame.subId);
        if (!entry) return; // a late event for a subscription we closed: normal, not an error
        const { event } = frame;
        if (!matchFilters(entry.filters, event)) {
          this.drop(`event ${event.id} does not match subscription ${frame.subId}`);
          return;
        }
        if (entry.handler.has(event.id)) return;
        if (!this.opts.verifyEvent(event)) {
          this.drop(`event ${event.id} has a bad id or signature`);
          return;
        }
        entry.handler.onEvent(event);
        return;
      }
      case "EOSE": {
        const entry = this.subs.get(frame.subId);
        if (!entry?.awaitingEose) return;
        entry.awaitingEose = false;
        entry.eosed = true;
        entry.handler.onEose();
        return;
      }
      case "CLOSED": {
        const entry = this.subs.get(frame.subId);
        if (!entry) return;
        entry.awaitingEose = false;
        if (messagePrefix(frame.message) === "auth-required" && this.opts.signAuth && !entry.authRetried) {
          entry.awaitingAuth = true;
          this.requestAuth();
          return;
        }
        entry.closedByRelay = true;
        entry.handler.onClosed(frame.message);
        return;
      }
      case "OK": {
        if (this.authInFlight === frame.eventId) {
          this.onAuthAnswer(frame.ok, frame.message);
          return;
        }
        const entry = this.publishes.get(frame.eventId);
        if (!entry) return;
        const prefix = messagePrefix(frame.message);
        if (!frame.ok && prefix === "auth-required" && this.opts.signAuth && !entry.authRetried) {
          entry.awaitingAuth = true;
          this.requestAuth();
          return;
        }
        this.publishes.delete(frame.eventId);
        // NIP-01 answers a duplicate with OK true; treat a relay that says false the same way. An
        // older version of a replaceable or addressable event, refused because the relay holds a
        // newer one (`replaced:`, as strfry and Rally's relay say), is delivered as far as this
        // author is concerned: their newer version is what readers get, and sending it again
        // cannot change the answer.
        const outcome: PublishOutcome =
          prefix === "duplicate" || prefix === "replaced"
            ? { ok: true, status: "duplicate", message: frame.message }
            : frame.ok
              ? { ok: true, status: "ok", message: frame.message }
              : { ok: false, status: "rejected", message: frame.message };
        for (const w of entry.waiters) w(outcome);
        return;
      }
      case "AUTH": {
        this.challenge = frame.challenge;
        if (this.authWanted && !this.authInFlight) void this.sendAuth();
        return;
      }
      case "NOTICE":
        this.opts.log({ relay: this.url, level: "info", message: `notice: ${frame.message}` });
        return;
      case "COUNT":
        return;
    }
  }

  // --- NIP-42 ---

  private requestAuth(): void {
    if (this.authInFlight) return;
    this.authWanted = true;
    if (this.challenge) {
      void this.sendAuth();
      return;
    }
    clearTimeout(this.authTimer);
    this.authTimer = setTimeout(() => {
      if (!this.authInFlight) this.onAuthAnswer(false, "auth-required: the relay sent no challenge");
    }, this.opts.authTimeoutMs);
  }

  private async sendAuth(): Promise<void> {
    const sign = this.opts.signAuth;
    const challenge = this.challenge;
    const ws = this.ws;
    if (!sign || !challenge || !ws) return;
    clearTimeout(this.authTimer);
    let signed: NostrEvent;
    try {
      this.authInFlight = "signing";
      signed = await sign(makeAuthEvent(this.url, challenge));
    } catch (e) {
      this.authInFlight = null;
      this.onAuthAnswer(false, `auth-required: could not sign the authentication: ${errorText(e)}`);
      return;
    }
    if (this.ws !== ws || this.state !== "online") return;
    this.authInFlight = signed.id;
    this.send(authFrame(signed));
    this.authTimer = setTimeout(() => {
      if (this.authInFlight === signed.id)
        this.onAuthAnswer(false, "auth-required: the relay did not answer AUTH");
    }, this.opts.authTimeoutMs);
  }

  private onAuthAnswer(ok: boolean, message: string): void {
    clearTimeout(this.authTimer);
    this.authInFlight = null;
    this.authWanted = false;
    if (ok) {
      this.authenticated = true;
      this.opts.onStatus(this.status());
    } else {
      this.opts.log({ relay: this.url, level: "warn", message: `authentication refused: ${message}` });
    }
    for (const [id, entry] of this.subs) {
      if (!entry.awaitingAuth) continue;
      entry.awaitingAuth = false;
      entry.authRetried = true;
      if (ok) this.sendReq(id, entry);
      else {
        entry.closedByRelay = true;
        entry.handler.onClosed(message);
      }
    }
    for (const [id, entry] of this.publishes) {
      if (!entry.awaitingAuth) continue;
      entry.awaitingAuth = false;
      entry.authRetried = true;
      if (ok) this.send(eventFrame(entry.event));
      else {
        this.publishes.delete(id);
        for (const w of entry.waiters) w({ ok: false, status: "rejected", message });
      }
    }
  }

  // --- helpers ---

  private sendReq(subId: string, entry: SubEntry): void {
    let filters: Filter[];
    try {
      filters = entry.handler.filters();
    } catch (e) {
      entry.closedByRelay = true;
      entry.handler.onClosed(`error: bad filters: ${errorText(e)}`);
      return;
    }
    entry.filters = filters;
    entry.awaitingEose = true;
    this.send(reqFrame(subId, filters));
  }

  private send(frame: string): void {
    const ws = this.ws;
    if (!ws || ws.readyState !== WS_OPEN) return;
    try {
      ws.send(frame);
    } catch (e) {
      this.onSocketGone(ws, `connection closed: ${errorText(e)}`, true);
    }
  }

  private failPublishes(reason: string): void {
    const entries = [...this.publishes.values()];
    this.publishes.clear();
    for (const entry of entries) for (const w of entry.waiters) w(unreachable(reason));
  }

  private drop(reason: string): void {
    this.opts.log({ relay: this.url, level: "warn", message: `dropped a frame: ${reason}` });
  }

  private setState(state: ConnectionState): void {
    this.state = state;
    this.opts.onStatus(this.status());
  }
}

function unreachable(reason: string): PublishOutcome {
  return { ok: false, status: "unreachable", message: `error: ${reason}` };
}

function errorText(e: unknown): string {
  if (e instanceof Error) return e.message;
  if (typeof e === "string") return e;
  return "";
}
