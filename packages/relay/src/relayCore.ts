/**
 * The relay's protocol engine, independent of sockets: NIP-01 message handling per connection,
 * policies, NIP-42 AUTH, NIP-45 COUNT, the batched writer and live fan-out. `server.ts` binds it to
 * HTTP and WebSockets through the small `Transport` interface.
 *
 * Flow of an EVENT (NIP-01 "From client to relay"): parse and validate shape → per-connection rate
 * limit → policies (size, clock, NIP-40, NIP-70, auth) → id hash and signature → ephemeral kinds
 * are forwarded at once; others are queued to the writer and answered `OK` after their batch commits,
 * then forwarded to matching live subscriptions.
 *
 * NIP-77 sync (`NEG-OPEN`/`NEG-MSG`/`NEG-CLOSE`) reads the same events a REQ with the same filter
 * may read — the same filter rewriting and read policies — as (id, created_at) records, and answers
 * with `negentropyResponder.ts`.
 */
import { randomBytes } from "node:crypto";
import {
  type ClientMessageLimits,
  checkAuthEvent,
  compareNewestFirst,
  computeEventId,
  type EventVerifier,
  eventMessageFromJson,
  eventToJson,
  type Filter,
  isEmptyFilter,
  isEphemeralKind,
  type NostrEvent,
  type PubkeyHex,
  parseClientMessage,
  reason,
  serializeRelayMessage,
} from "@rally/protocol/nostr";
import { nip77 } from "nostr-tools";
import { AddressRates } from "./addressRates.ts";
import { ForeignRelayNames } from "./authHosts.ts";
import { BatchWriter } from "./batchWriter.ts";
import { type CompiledFilter, compileFilter } from "./compiledFilter.ts";
import { InOrder } from "./inOrder.ts";
import type { RelayLimits } from "./limits.ts";
import type { Log } from "./log.ts";
import { RefusalCounts } from "./metrics.ts";
import { answerNegentropy, type NegentropyStorage } from "./negentropyResponder.ts";
import { isNegMessage, parseNegMessage } from "./negMessages.ts";
import { checkFilter, type RelayPolicy, rejectEvent, rewriteFilters } from "./policies/types.ts";
import { QueryQueue } from "./queryQueue.ts";
import { TokenBucket } from "./rateLimit.ts";
import { StorageQuota } from "./storageQuota.ts";
import { type EventStore, QueryTimeoutError, type SaveOutcome, type StoredEvent } from "./store/types.ts";
import { SubscriptionIndex } from "./subscriptionIndex.ts";
import type { VerifyCode, VerifyPool } from "./verifyPool.ts";

/** What the engine needs of a client connection. */
export interface Transport {
  send(text: string): void;
  /** Sends the messages in order, as `send` would one by one, in one write. */
  sendMany?(texts: readonly string[]): void;
  close(code: number, reason: string): void;
  /** Hold writes until `uncork`, so a burst of messages leaves in one system call. */
  cork?(): void;
  uncork?(): void;
  /** The client's address key (`clientAddress.ts`), for per-address limits; kept in memory only. */
  readonly address?: string;
}

export interface RelayCoreOptions {
  store: EventStore;
  limits: RelayLimits;
  policies: readonly RelayPolicy[];
  verifier: EventVerifier;
  /**
   * Hosts (`host[:port]`) this relay is reached under: the only ones a NIP-42 relay tag may name
   * (never a connection's Host header, which the client chooses).
   */
  relayHosts: readonly string[];
  log: Log;
  /** Unix seconds. */
  now?: () => number;
  /** Ephemeral events accepted here, to pass to other relay processes on the same database. */
  shareEphemeral?: (event: NostrEvent, json: string) => void;
  /** Checks clients' events on worker threads; without it they are checked on this thread. */
  verifyPool?: VerifyPool;
  /** Told of each event this process stored (not duplicates), after it is stored. */
  onSaved?: (event: NostrEvent) => void;
}

export interface RelayStats {
  connections: number;
  subscriptions: number;
  eventsReceived: number;
  eventsSaved: number;
  eventsRejected: number;
  batches: number;
}

class Subscription {
  /** Live events that arrived while the stored ones were being sent: id → message. */
  pending: Map<string, string> | undefined = new Map();
  constructor(
    readonly conn: Connection,
    readonly id: string,
  ) {}
}

/** One open NIP-77 sync: the relay's records for its filter, built once at `NEG-OPEN`. */
class SyncSession {
  /** Undefined while the records are being read. */
  storage: NegentropyStorage | undefined;
  idleTimer: ReturnType<typeof setTimeout> | undefined;
}

/** Stored events a REQ sends before letting other clients' reads and answers take a turn. */
const SEND_TURN_EVENTS = 250;

/** Largest Negentropy message the relay sends, before hex (nostr-tools' default frame). */
const SYNC_FRAME_BYTES = 60_000;

const unixNow = () => Math.floor(Date.now() / 1000);

/** Why a REQ or COUNT read that used up its time budget is closed. */
const TOO_LONG = reason(
  "error",
  "query took too long; ask for less (since/until, fewer values, a lower limit)",
);

/**
 * The same for a NIP-77 sync, with the reason code NIP-77 gives for a query a relay will not run
 * ("blocked: this query is too big").
 */
const SYNC_TOO_LONG = reason("blocked", "query took too long; narrow the filter, e.g. with since/until");

/** What is left of one request's read time (`RelayLimits.queryBudgetMs`), shared by its reads. */
interface TimeBudget {
  leftMs: number;
}

/** The answer to an older replaceable or addressable event when a newer one is stored. */
const REPLACED = reason("replaced", "have newer event");

export class RelayCore {
  readonly index = new SubscriptionIndex<Subscription>();
  readonly writer: BatchWriter;
  readonly connections = new Set<Connection>();
  readonly messageLimits: ClientMessageLimits;
  readonly now: () => number;
  readonly counters = { eventsReceived: 0, eventsSaved: 0, eventsRejected: 0 };
  /** `OK false` answers by reason prefix (`--metrics`). */
  readonly refusals = new RefusalCounts();
  /** Names sign-ins were made for that this relay does not answer to, told once each to the log. */
  readonly foreignNames = new ForeignRelayNames();
  readonly addressRates: AddressRates;
  readonly quota: StorageQuota;
  /** Store reads take fair turns (`queryQueue.ts`). */
  readonly queries: QueryQueue;
  /**
   * Answers to EVENT and AUTH messages, and what follows from them, in the order the messages
   * arrived while some wait for a worker's signature check (`inOrder.ts`).
   */
  readonly steps: InOrder;

  constructor(readonly options: RelayCoreOptions) {
    const l = options.limits;
    this.writer = new BatchWriter(options.store, l.maxBatch);
    this.now = options.now ?? unixNow;
    this.addressRates = new AddressRates(l.addressEventsPerSecond, l.addressEventBurst);
    this.queries = new QueryQueue(l.querySliceMs);
    this.quota = new StorageQuota(options.store, l.maxAuthorBytes, l.maxStoredBytes, options.log);
    this.steps = new InOrder((error) =>
      options.log(
        `error while answering an event: ${error instanceof Error ? error.message : String(error)}`,
      ),
    );
    this.messageLimits = {
      maxMessageBytes: l.maxMessageBytes,
      maxSubIdLength: l.maxSubIdLength,
      maxFilters: l.maxFilters,
      filter: { maxValues: l.maxFilterValues, maxTagValueLength: 1024 },
      event: { maxTags: l.maxEventTags, maxTagElements: 100 },
    };
  }

  connect(transport: Transport): Connection {
    const conn = new Connection(this, transport);
    this.connections.add(conn);
    conn.start();
    return conn;
  }

  /** Sends a stored or ephemeral event to every live subscription it matches. */
  fanOut(event: NostrEvent, json: string): void {
    const subs = this.index.match(event);
    // A connection with several matching subscriptions gets its copies in one write.
    const corked = subs.length > 1 ? new Set<Connection>() : undefined;
    for (const sub of subs) {
      const msg = eventMessageFromJson(sub.id, json);
      if (sub.pending) sub.pending.set(event.id, msg);
      else {
        if (corked && !corked.has(sub.conn)) {
          corked.add(sub.conn);
          sub.conn.cork();
        }
        sub.conn.send(msg);
      }
    }
    if (corked) for (const conn of corked) conn.uncork();
  }

  /**
   * Takes an event handed over inside this process (a page served by the same node) exactly as if a
   * client had sent it: the same policies, id and signature checks, stored by the same writer, then
   * sent to the live subscriptions it matches. Resolves with NIP-01's accepted flag and message.
   */
  async ingest(event: NostrEvent): Promise<{ accepted: boolean; message: string }> {
    this.counters.eventsReceived++;
    const refuse = (message: string) => {
      this.counters.eventsRejected++;
      this.refusals.count(message);
      return { accepted: false, message };
    };
    const json = eventToJson(event);
    const rejection = rejectEvent(this.options.policies, event, {
      authed: new Set<PubkeyHex>(),
      now: this.now(),
      bytes: Buffer.byteLength(json),
    });
    if (rejection !== undefined) return refuse(rejection);
    if (computeEventId(event) !== event.id)
      return refuse(reason("invalid", "event id does not match the event's content"));
    if (!this.options.verifier.verify(event)) return refuse(reason("invalid", "bad signature"));
    if (isEphemeralKind(event.kind)) {
      this.fanOut(event, json);
      this.options.shareEphemeral?.(event, json);
      return { accepted: true, message: "" };
    }
    const overQuota = this.quota.take(event.pubkey, json.length);
    if (overQuota !== undefined) return refuse(overQuota);
    const outcome = await this.writer.write(event);
    if (outcome.status !== "saved") this.quota.giveBack(event.pubkey, json.length);
    if (outcome.status === "deleted") return refuse(reason("blocked", "its author has deleted this event"));
    if (outcome.status === "superseded") {
      this.refusals.count(REPLACED);
      return { accepted: false, message: REPLACED };
    }
    if (outcome.status === "saved") {
      this.counters.eventsSaved++;
      this.options.onSaved?.(event);
      this.fanOut(event, outcome.json);
    }
    return {
      accepted: true,
      message: outcome.status === "saved" ? "" : reason("duplicate", "already have it"),
    };
  }

  stats(): RelayStats {
    return {
      connections: this.connections.size,
      subscriptions: this.index.size,
      ...this.counters,
      batches: this.writer.batches,
    };
  }

  /** The id and signature check on this thread (without a pool, and for a failed worker's events). */
  checkHere(event: NostrEvent): VerifyCode {
    if (computeEventId(event) !== event.id) return 1;
    return this.options.verifier.verify(event) ? 0 : 2;
  }

  /** Stops taking events, commits what is queued. Connections are closed by the server. */
  async close(): Promise<void> {
    // Events still being checked are answered (and stored) before the writer stops.
    await this.steps.idle();
    await this.writer.close();
    await this.options.verifyPool?.close();
  }
}

export class Connection {
  readonly authed = new Set<PubkeyHex>();
  readonly challenge = randomBytes(16).toString("hex");
  readonly subs = new Map<string, Subscription>();
  /** NIP-77 syncs by subscription id ("a separate namespace from REQ subscription IDs"). */
  readonly syncs = new Map<string, SyncSession>();
  private readonly eventBucket: TokenBucket;
  private readonly reqBucket: TokenBucket;
  /** Shared with every connection from the same address. */
  private readonly addressBucket: TokenBucket;
  private closed = false;

  constructor(
    private readonly core: RelayCore,
    private readonly transport: Transport,
  ) {
    const l = core.options.limits;
    this.eventBucket = new TokenBucket(l.eventsPerSecond, l.eventBurst);
    this.reqBucket = new TokenBucket(l.reqsPerSecond, l.reqBurst);
    this.addressBucket = core.addressRates.attach(transport.address ?? "");
  }

  start(): void {
    // NIP-42: the relay may send a challenge at any time; sending it up front lets clients answer
    // before their first restricted request instead of after a refusal.
    this.sendChallenge();
  }

  private sendChallenge(): void {
    this.send(serializeRelayMessage({ type: "AUTH", challenge: this.challenge }));
  }

  /**
   * NIP-42: "the AUTH message from the relay could be sent right as the client connects or it can
   * be sent immediately before the CLOSED is sent" — both: the same challenge again just before an
   * `auth-required:` answer, for a client that was not listening when it connected.
   */
  private beforeRefusal(message: string): void {
    if (message.startsWith("auth-required:")) this.sendChallenge();
  }

  send(text: string): void {
    if (!this.closed) this.transport.send(text);
  }

  /** Several messages in order, in one write where the transport can. */
  sendMany(texts: readonly string[]): void {
    if (this.closed || texts.length === 0) return;
    const t = this.transport;
    if (t.sendMany) {
      t.sendMany(texts);
      return;
    }
    this.cork();
    for (const text of texts) t.send(text);
    this.uncork();
  }

  cork(): void {
    this.transport.cork?.();
  }

  uncork(): void {
    this.transport.uncork?.();
  }

  private ok(id: string, accepted: boolean, message: string): void {
    if (!accepted) {
      this.beforeRefusal(message);
      this.core.refusals.count(message);
    }
    this.send(JSON.stringify(["OK", id, accepted, message]));
  }

  private closedSub(subId: string, message: string): void {
    this.beforeRefusal(message);
    this.send(JSON.stringify(["CLOSED", subId, message]));
  }

  private notice(message: string): void {
    this.send(JSON.stringify(["NOTICE", message]));
  }

  /** Handles one client message; `bytes` is its size on the wire. Never throws. */
  handle(text: string, bytes: number): void {
    if (isNegMessage(text)) {
      this.handleSync(text, bytes);
      return;
    }
    const parsed = parseClientMessage(text, this.core.messageLimits, bytes);
    if (!parsed.ok) {
      const e = parsed.error;
      if (e.type === "EVENT" && e.eventId) {
        const id = e.eventId;
        this.core.counters.eventsRejected++;
        this.core.steps.run(() => this.ok(id, false, e.reason));
      } else if (e.type === "AUTH" && e.eventId) {
        const id = e.eventId;
        this.core.steps.run(() => this.ok(id, false, e.reason));
      } else if ((e.type === "REQ" || e.type === "COUNT") && e.subId) this.closedSub(e.subId, e.reason);
      else this.core.steps.run(() => this.notice(e.reason));
      return;
    }
    const m = parsed.value;
    switch (m.type) {
      case "EVENT":
        this.onEvent(m.event);
        return;
      case "REQ":
        void this.onReq(m.subId, m.filters);
        return;
      case "COUNT":
        void this.onCount(m.subId, m.filters);
        return;
      case "CLOSE":
        this.unsubscribe(m.subId);
        return;
      case "AUTH":
        this.onAuth(m.event);
        return;
    }
  }

  private onEvent(event: NostrEvent): void {
    const core = this.core;
    core.counters.eventsReceived++;
    const refuse = (why: string) => {
      core.counters.eventsRejected++;
      core.steps.run(() => this.ok(event.id, false, why));
    };
    if (!this.eventBucket.take()) {
      refuse(
        reason("rate-limited", `slow down: at most ${core.options.limits.eventsPerSecond} events per second`),
      );
      return;
    }
    if (!this.addressBucket.take()) {
      refuse(
        reason(
          "rate-limited",
          `slow down: at most ${core.options.limits.addressEventsPerSecond} events per second from one address`,
        ),
      );
      return;
    }
    const json = eventToJson(event);
    const bytes = Buffer.byteLength(json);
    const rejection = rejectEvent(core.options.policies, event, {
      authed: this.authed,
      now: core.now(),
      bytes,
    });
    if (rejection !== undefined) {
      refuse(rejection);
      return;
    }
    const pool = core.options.verifyPool;
    if (!pool) {
      this.afterCheck(event, json, core.checkHere(event));
      return;
    }
    // Checked on a worker; what follows from it (the answer, storing, fan-out) waits for its turn.
    const turn = core.steps.reserve();
    pool.check(json, (code) =>
      turn(() => this.afterCheck(event, json, code === 3 ? core.checkHere(event) : code)),
    );
  }

  private afterCheck(event: NostrEvent, json: string, code: VerifyCode): void {
    const core = this.core;
    const refuse = (why: string) => {
      core.counters.eventsRejected++;
      core.steps.run(() => this.ok(event.id, false, why));
    };
    if (code === 1) {
      refuse(reason("invalid", "event id does not match the event's content"));
      return;
    }
    if (code !== 0) {
      refuse(reason("invalid", "bad signature"));
      return;
    }
    if (isEphemeralKind(event.kind)) {
      // NIP-01: ephemeral events are not expected to be stored, only forwarded.
      core.fanOut(event, json);
      core.options.shareEphemeral?.(event, json);
      this.ok(event.id, true, "");
      return;
    }
    const overQuota = core.quota.take(event.pubkey, json.length);
    if (overQuota !== undefined) {
      refuse(overQuota);
      return;
    }
    core.writer.write(event).then(
      (outcome) => {
        if (outcome.status !== "saved") core.quota.giveBack(event.pubkey, json.length);
        core.steps.run(() => this.answerSave(event, outcome));
      },
      (error: unknown) => {
        core.quota.giveBack(event.pubkey, json.length);
        core.options.log(
          `storage error while saving an event: ${error instanceof Error ? error.message : String(error)}`,
        );
        refuse(reason("error", "could not save the event; try again"));
      },
    );
  }

  private answerSave(event: NostrEvent, outcome: SaveOutcome): void {
    switch (outcome.status) {
      case "saved":
        this.core.counters.eventsSaved++;
        this.core.options.onSaved?.(event);
        this.ok(event.id, true, "");
        this.core.fanOut(event, outcome.json);
        return;
      case "duplicate":
        this.ok(event.id, true, reason("duplicate", "already have this event"));
        return;
      case "superseded":
        // As strfry answers: not stored, and a client sending it again would get the same answer;
        // the newer version (same author, same slot) is what readers get.
        this.ok(event.id, false, REPLACED);
        return;
      case "deleted":
        this.core.counters.eventsRejected++;
        this.ok(event.id, false, reason("blocked", "its author has deleted this event"));
        return;
    }
  }

  /** Policy decisions for each filter, or the reason to refuse the request. */
  private decide(filters: readonly Filter[]): { hide: number[][] } | { reject: string } {
    const ctx = { authed: this.authed, now: this.core.now() };
    const hide: number[][] = [];
    for (const f of filters) {
      const d = checkFilter(this.core.options.policies, f, ctx);
      if ("reject" in d) return d;
      hide.push(d.hideKinds);
    }
    return { hide };
  }

  /**
   * One store read in its turn (`queryQueue.ts`), given a deadline of what is left of the request's
   * time budget; what the read held the event loop for is taken off the budget, and for a store
   * that reads off this thread (PostgreSQL) the wall time until it settles, so a request's reads
   * share one budget there too. A read past it fails with `QueryTimeoutError`, also from a store
   * that could not stop part-way (its answer comes too late to be sent).
   */
  private budgetedRead<T>(budget: TimeBudget, read: (deadline: number) => Promise<T>): Promise<T> {
    return this.core.queries.run(this.transport.address ?? "", async () => {
      const started = performance.now();
      const reading = read(started + budget.leftMs);
      // A synchronous store reads within the call: the time until the promise settles would also
      // count others' work queued before it.
      const called = performance.now();
      budget.leftMs -= called - started;
      if (budget.leftMs < 0) {
        reading.catch(() => {});
        throw new QueryTimeoutError();
      }
      if (!this.core.options.store.readsOffThread) return reading;
      let found: T;
      try {
        found = await reading;
      } finally {
        budget.leftMs -= performance.now() - called;
      }
      if (budget.leftMs < 0) throw new QueryTimeoutError();
      return found;
    });
  }

  private async onReq(subId: string, asked: Filter[]): Promise<void> {
    const core = this.core;
    const limits = core.options.limits;
    const filters = rewriteFilters(core.options.policies, asked, { authed: this.authed, now: core.now() });
    if (!this.reqBucket.take()) {
      this.unsubscribe(subId);
      this.closedSub(
        subId,
        reason("rate-limited", `slow down: at most ${limits.reqsPerSecond} requests per second`),
      );
      return;
    }
    if (!this.subs.has(subId) && this.subs.size >= limits.maxSubscriptions) {
      this.closedSub(
        subId,
        reason("blocked", `too many open subscriptions (limit ${limits.maxSubscriptions}); close one first`),
      );
      return;
    }
    const decision = this.decide(filters);
    if ("reject" in decision) {
      this.unsubscribe(subId);
      this.closedSub(subId, decision.reject);
      return;
    }
    // NIP-01: a REQ with an id already in use replaces that subscription.
    this.unsubscribe(subId);
    const sub = new Subscription(this, subId);
    const compiled: CompiledFilter[] = [];
    filters.forEach((f, i) => {
      if (!isEmptyFilter(f)) compiled.push(compileFilter(f, decision.hide[i]));
    });
    this.subs.set(subId, sub);
    // Live first, then stored: nothing committed in between is missed; duplicates are dropped below.
    core.index.add(sub, compiled);

    const sent = new Set<string>();
    /** Messages of the current turn, sent in one write. */
    let batch: string[] = [];
    try {
      // Bound what one REQ holds in memory, a budget its filters share in turn; the rest of the
      // history is a later REQ away (NIP-01: "Returning fewer events is acceptable").
      let budget = limits.maxQueuedBytes / 4;
      let queried = 0;
      let rows: StoredEvent[] = [];
      // The REQ's time budget, shared by its filters: each read is stopped at what is left of it.
      const time: TimeBudget = { leftMs: limits.queryBudgetMs };
      for (let i = 0; i < filters.length && budget > 0; i++) {
        const f = filters[i]!;
        const limit = Math.min(f.limit ?? limits.maxLimit, limits.maxLimit);
        if (limit === 0 || isEmptyFilter(f)) continue;
        const found = await this.budgetedRead(time, (deadline) =>
          core.options.store.query(
            { ...f, limit },
            { now: core.now(), hideKinds: decision.hide[i]!, maxBytes: budget, deadline },
          ),
        );
        if (this.subs.get(subId) !== sub) return; // closed or replaced meanwhile
        for (const row of found) budget -= row.json.length;
        queried++;
        rows = rows.length === 0 ? found : rows.concat(found);
      }
      // Each filter's rows come newest first; the union of several is put in the same NIP-01 order.
      if (queried > 1) rows.sort(compareNewestFirst);
      const prefix = `["EVENT",${JSON.stringify(subId)},`;
      for (const row of rows) {
        if (sent.has(row.id)) continue;
        sent.add(row.id);
        batch.push(`${prefix}${row.json}]`);
        if (batch.length === SEND_TURN_EVENTS) {
          // A large answer is sent in turns as it is read in turns: framing and writing thousands
          // of events would otherwise hold every other client as long as a read would.
          this.sendMany(batch);
          batch = [];
          await core.queries.run(this.transport.address ?? "", async () => undefined);
          if (this.subs.get(subId) !== sub) return; // closed or replaced meanwhile
        }
      }
    } catch (error) {
      const tooLong = error instanceof QueryTimeoutError;
      if (!tooLong)
        core.options.log(
          `storage error while querying: ${error instanceof Error ? error.message : String(error)}`,
        );
      if (this.subs.get(subId) === sub) {
        this.unsubscribe(subId);
        this.closedSub(
          subId,
          tooLong ? TOO_LONG : reason("error", "could not read stored events; try again"),
        );
      }
      return;
    }
    const pending = sub.pending;
    sub.pending = undefined;
    if (pending) for (const [id, msg] of pending) if (!sent.has(id)) batch.push(msg);
    batch.push(JSON.stringify(["EOSE", subId]));
    this.sendMany(batch);
  }

  private async onCount(subId: string, asked: Filter[]): Promise<void> {
    const core = this.core;
    const filters = rewriteFilters(core.options.policies, asked, { authed: this.authed, now: core.now() });
    if (!this.reqBucket.take()) {
      this.closedSub(
        subId,
        reason("rate-limited", `slow down: at most ${core.options.limits.reqsPerSecond} requests per second`),
      );
      return;
    }
    const decision = this.decide(filters);
    if ("reject" in decision) {
      this.closedSub(subId, decision.reject);
      return;
    }
    const live: Filter[] = [];
    const hideKindsByFilter: number[][] = [];
    filters.forEach((f, i) => {
      if (isEmptyFilter(f)) return;
      live.push(f);
      hideKindsByFilter.push(decision.hide[i]!);
    });
    try {
      // Each filter hides what its own read-policy decision says (one may be the asker's inbox).
      // The same time budget as a REQ's, answered the same way when used up.
      const count = await this.budgetedRead({ leftMs: core.options.limits.queryBudgetMs }, (deadline) =>
        core.options.store.count(live, { now: core.now(), hideKindsByFilter, deadline }),
      );
      this.send(JSON.stringify(["COUNT", subId, { count }]));
    } catch (error) {
      if (error instanceof QueryTimeoutError) {
        this.closedSub(subId, TOO_LONG);
        return;
      }
      core.options.log(
        `storage error while counting: ${error instanceof Error ? error.message : String(error)}`,
      );
      this.closedSub(subId, reason("error", "could not count stored events; try again"));
    }
  }

  /** NIP-77: "After a NEG-ERR is issued, the subscription is considered to be closed." */
  private negErr(subId: string, message: string): void {
    this.closeSync(subId);
    this.beforeRefusal(message);
    this.send(JSON.stringify(["NEG-ERR", subId, message]));
  }

  private handleSync(text: string, bytes: number): void {
    const parsed = parseNegMessage(text, this.core.messageLimits, bytes);
    if (!parsed.ok) {
      const e = parsed.error;
      if (e.subId !== undefined) this.negErr(e.subId, e.reason);
      else this.notice(e.reason);
      return;
    }
    const m = parsed.value;
    switch (m.type) {
      case "NEG-OPEN":
        // Whatever fails after the store read (a record it cannot take, a closed socket) is logged,
        // never left as an unhandled rejection that would end the process.
        this.onSyncOpen(m.subId, m.filter, m.message).catch((error: unknown) =>
          this.core.options.log(
            `sync failed to open: ${error instanceof Error ? error.message : String(error)}`,
          ),
        );
        return;
      case "NEG-MSG":
        this.onSyncMessage(m.subId, m.message);
        return;
      case "NEG-CLOSE":
        this.closeSync(m.subId);
        return;
    }
  }

  private async onSyncOpen(subId: string, asked: Filter, message: string): Promise<void> {
    const core = this.core;
    const limits = core.options.limits;
    // "If a NEG-OPEN is issued for a currently open subscription ID, the existing subscription is
    // first closed."
    this.closeSync(subId);
    if (!this.reqBucket.take()) {
      this.negErr(
        subId,
        reason("rate-limited", `slow down: at most ${limits.reqsPerSecond} requests per second`),
      );
      return;
    }
    if (this.syncs.size >= limits.maxSyncSessions) {
      this.negErr(
        subId,
        reason("blocked", `too many open syncs (limit ${limits.maxSyncSessions}); close one first`),
      );
      return;
    }
    // Exactly what a REQ with this filter may read: the same rewriting and read policies.
    const filters = rewriteFilters(core.options.policies, [asked], { authed: this.authed, now: core.now() });
    const decision = this.decide(filters);
    if ("reject" in decision) {
      this.negErr(subId, decision.reject);
      return;
    }
    const session = new SyncSession();
    this.syncs.set(subId, session);
    const cap = limits.maxSyncRecords;
    const records = new Map<string, number>();
    // A REQ's time budget, shared by the reads of the sync's filter.
    const time: TimeBudget = { leftMs: limits.queryBudgetMs };
    try {
      for (let i = 0; i < filters.length; i++) {
        const f = filters[i]!;
        if (isEmptyFilter(f) || f.limit === 0) continue;
        // One more than the cap tells a set that is too large from one that just fits.
        const limit = Math.min(f.limit ?? cap + 1, cap + 1);
        const keys = await this.budgetedRead(time, (deadline) =>
          core.options.store.queryKeys(
            { ...f, limit },
            { now: core.now(), hideKinds: decision.hide[i]!, deadline },
          ),
        );
        if (this.syncs.get(subId) !== session) return; // closed or replaced meanwhile
        for (const k of keys) records.set(k.id, k.created_at);
        if (records.size > cap) {
          // NIP-77: "Relays can optionally reject queries that would require them to process too
          // many records".
          this.negErr(
            subId,
            reason(
              "blocked",
              `too many records to sync (limit ${cap}); narrow the filter, e.g. with since/until`,
            ),
          );
          return;
        }
      }
    } catch (error) {
      const tooLong = error instanceof QueryTimeoutError;
      if (!tooLong)
        core.options.log(
          `storage error while reading a sync's records: ${error instanceof Error ? error.message : String(error)}`,
        );
      if (this.syncs.get(subId) === session)
        this.negErr(
          subId,
          tooLong ? SYNC_TOO_LONG : reason("error", "could not read stored events; try again"),
        );
      return;
    }
    const storage = new nip77.NegentropyStorageVector();
    for (const [id, createdAt] of records) storage.insert(createdAt, id);
    storage.seal();
    session.storage = storage;
    this.answerSync(subId, session, storage, message);
  }

  private onSyncMessage(subId: string, message: string): void {
    const session = this.syncs.get(subId);
    if (!session) {
      this.negErr(subId, "closed: no open sync with this id; send NEG-OPEN first");
      return;
    }
    if (!session.storage) {
      this.negErr(subId, reason("invalid", "wait for the relay's answer to NEG-OPEN before sending NEG-MSG"));
      return;
    }
    if (!this.reqBucket.take()) {
      const limits = this.core.options.limits;
      this.negErr(
        subId,
        reason("rate-limited", `slow down: at most ${limits.reqsPerSecond} requests per second`),
      );
      return;
    }
    this.answerSync(subId, session, session.storage, message);
  }

  private answerSync(subId: string, session: SyncSession, storage: NegentropyStorage, message: string): void {
    const answer = answerNegentropy(storage, message, SYNC_FRAME_BYTES);
    if (!answer.ok) {
      this.negErr(subId, reason("invalid", answer.error));
      return;
    }
    this.send(JSON.stringify(["NEG-MSG", subId, answer.value]));
    // NIP-77: "relays may choose to time-out inactive queries to recover memory resources".
    clearTimeout(session.idleTimer);
    const idle = this.core.options.limits.syncIdleSeconds;
    session.idleTimer = setTimeout(() => {
      if (this.syncs.get(subId) === session)
        this.negErr(subId, `closed: no message for ${idle} seconds; open the sync again to go on`);
    }, idle * 1000);
    session.idleTimer.unref?.();
  }

  private closeSync(subId: string): void {
    const session = this.syncs.get(subId);
    if (!session) return;
    clearTimeout(session.idleTimer);
    this.syncs.delete(subId);
  }

  private onAuth(event: NostrEvent): void {
    const core = this.core;
    const check = checkAuthEvent(event, {
      challenge: this.challenge,
      relayHosts: core.options.relayHosts,
      now: core.now(),
    });
    if (!check.ok) {
      if (check.error.includes("relay tag")) {
        const line = core.foreignNames.note(event.tags.find((t) => t[0] === "relay")?.[1]);
        if (line) core.options.log(line);
      }
      core.steps.run(() => this.ok(event.id, false, reason("invalid", check.error)));
      return;
    }
    // Checked here (sign-ins are rare), so the events after it see it at once, as without a pool.
    if (core.checkHere(event) !== 0) {
      core.steps.run(() => this.ok(event.id, false, reason("invalid", "bad signature")));
      return;
    }
    this.authed.add(event.pubkey);
    core.steps.run(() => this.ok(event.id, true, ""));
  }

  private unsubscribe(subId: string): void {
    const sub = this.subs.get(subId);
    if (!sub) return;
    this.core.index.remove(sub);
    this.subs.delete(subId);
  }

  /** The socket went away: drop its subscriptions. Writes it queued still commit. */
  dispose(): void {
    this.closed = true;
    for (const sub of this.subs.values()) this.core.index.remove(sub);
    this.subs.clear();
    for (const id of [...this.syncs.keys()]) this.closeSync(id);
    if (this.core.connections.delete(this)) this.core.addressRates.detach(this.transport.address ?? "");
  }
}
