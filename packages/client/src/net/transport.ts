/**
 * How a Rally device talks to relays. Three kinds of connection, kept apart on purpose so a relay
 * cannot link what it sees on one to the other:
 *
 * - `anonymous`: group messages (kind 445), read and written. Never authenticates (NIP-42), so a
 *   relay does not learn which person reads or writes a routing tag.
 * - `fresh`: what is sent *to* someone — welcomes and join requests (gift wraps) and the
 *   ratchet-tree chunks a welcome points to — each burst on a new unauthenticated connection
 *   after a short random wait (`freshConnection.ts`), not on the one that carries the commits.
 * - `identity`: what only the person may do — publish their NIP-70 protected key packages and
 *   read gift wraps addressed to them (relays serve kind 1059 only to the authenticated recipient).
 *   Authenticates with the person's key, on demand.
 * - one pool per invite link key, authenticated as that key, for admins reading join requests.
 *
 * Sends go through one durable outbox whose publisher routes each event to the right pool.
 *
 * Runs in: Node and browsers (the WebSocket constructor is a parameter).
 */

import { signAuthEvent } from "@rally/protocol/identity";
import { KIND_GIFT_WRAP, KIND_RATCHET_TREE_CHUNK } from "@rally/protocol/nostr";
import type { NostrEvent } from "nostr-tools/core";
import type { Store } from "../store/store.ts";
import { FreshConnections } from "./freshConnection.ts";
import { Outbox, type Publisher } from "./outbox.ts";
import { type EoseReport, type FilterSource, type PublishResult, RelayPool } from "./relayPool.ts";
import type { WebSocketConstructor } from "./websocket.ts";

export interface TransportOptions {
  store: Store;
  WebSocket: WebSocketConstructor;
  /** The person's secret key, when unlocked (AUTH needs it). */
  secretKey: () => Uint8Array | null;
  /**
   * Unix seconds for AUTH events (NIP-42: relays refuse one far from their clock): the time Rally
   * stamps with, the relays' own when the device clock is off. Default: the platform clock.
   */
  now?: () => number;
  verifyEvent?: (event: NostrEvent) => boolean;
  /** How long one fetch waits for every relay's EOSE. */
  eoseTimeoutMs?: number;
  connectTimeoutMs?: number;
  publishTimeoutMs?: number;
  /** Passed to the outbox: a fresh stamp for an event refused for its time (`OutboxOptions.restamp`). */
  restamp?: (event: NostrEvent) => Promise<NostrEvent | null>;
  /** Passed to the outbox: a relay refused an event for its time. */
  onTimeRefusal?: (relay: string) => Promise<void>;
}

export interface FetchResult {
  events: NostrEvent[];
  report: EoseReport;
}

/** NIP-70 protected events must be published by their authenticated author. */
function needsIdentity(event: NostrEvent): boolean {
  return event.tags.some((t) => t.length === 1 && t[0] === "-");
}

/** Sent to someone rather than to a group: leaves on a fresh connection. */
function goesFresh(event: NostrEvent): boolean {
  return event.kind === KIND_GIFT_WRAP || event.kind === KIND_RATCHET_TREE_CHUNK;
}

export class Transport {
  readonly anonymous: RelayPool;
  readonly identity: RelayPool;
  /** Welcomes, join requests and tree chunks, each burst on a connection of its own. */
  readonly fresh: FreshConnections;
  readonly outbox: Outbox;
  private readonly linkPools = new Map<string, RelayPool>();
  private readonly opts: TransportOptions;

  constructor(opts: TransportOptions) {
    this.opts = opts;
    const common = {
      WebSocket: opts.WebSocket,
      ...(opts.verifyEvent ? { verifyEvent: opts.verifyEvent } : {}),
      connectTimeoutMs: opts.connectTimeoutMs ?? 5_000,
      publishTimeoutMs: opts.publishTimeoutMs ?? 8_000,
      eoseTimeoutMs: opts.eoseTimeoutMs ?? 10_000,
      log: () => {},
    };
    this.anonymous = new RelayPool(common);
    this.identity = new RelayPool({
      ...common,
      signAuth: async (template) => {
        const key = opts.secretKey();
        if (!key) throw new Error("the account is locked");
        const relay = template.tags.find((t) => t[0] === "relay")?.[1] ?? "";
        const challenge = template.tags.find((t) => t[0] === "challenge")?.[1] ?? "";
        return signAuthEvent({ relayUrl: relay, challenge, secretKey: key, ...this.authTime() });
      },
    });
    this.fresh = new FreshConnections(() => new RelayPool(common));
    const router: Publisher = {
      publish: (event, relays, options) =>
        needsIdentity(event)
          ? this.identity.publish(event, relays, options)
          : goesFresh(event)
            ? this.fresh.publish(event, relays, options)
            : this.anonymous.publish(event, relays, options),
    };
    this.outbox = new Outbox({
      store: opts.store,
      pool: router,
      publishTimeoutMs: opts.publishTimeoutMs ?? 8_000,
      ...(opts.restamp ? { restamp: opts.restamp } : {}),
      ...(opts.onTimeRefusal ? { onTimeRefusal: opts.onTimeRefusal } : {}),
    });
  }

  private authTime(): { now?: number } {
    return this.opts.now ? { now: this.opts.now() } : {};
  }

  /** A pool authenticated as an invite link's key (for reading its join requests). */
  linkPool(linkSecretKey: Uint8Array, linkPubkey: string): RelayPool {
    let pool = this.linkPools.get(linkPubkey);
    if (pool) return pool;
    const key = Uint8Array.from(linkSecretKey);
    pool = new RelayPool({
      WebSocket: this.opts.WebSocket,
      ...(this.opts.verifyEvent ? { verifyEvent: this.opts.verifyEvent } : {}),
      connectTimeoutMs: this.opts.connectTimeoutMs ?? 5_000,
      eoseTimeoutMs: this.opts.eoseTimeoutMs ?? 10_000,
      log: () => {},
      signAuth: async (template) => {
        const relay = template.tags.find((t) => t[0] === "relay")?.[1] ?? "";
        const challenge = template.tags.find((t) => t[0] === "challenge")?.[1] ?? "";
        return signAuthEvent({ relayUrl: relay, challenge, secretKey: key, ...this.authTime() });
      },
    });
    this.linkPools.set(linkPubkey, pool);
    return pool;
  }

  /** One round of stored events: subscribe, collect until every relay sent EOSE (or failed), close. */
  fetch(
    pool: RelayPool,
    relays: readonly string[],
    filters: FilterSource,
    timeoutMs?: number,
  ): Promise<FetchResult> {
    if (relays.length === 0 || (Array.isArray(filters) && filters.length === 0)) {
      return Promise.resolve({ events: [], report: { relays: [], any: false } });
    }
    const events: NostrEvent[] = [];
    const sub = pool.subscribe(
      relays,
      filters,
      { onEvent: (e) => events.push(e) },
      timeoutMs === undefined ? {} : { eoseTimeoutMs: timeoutMs },
    );
    return sub.eose.then((report) => {
      sub.close();
      return { events, report };
    });
  }

  /** Publishes now, without the outbox (for events that are worthless if not sent at once). */
  publishNow(event: NostrEvent, relays: readonly string[]): Promise<PublishResult[]> {
    return (needsIdentity(event) ? this.identity : this.anonymous).publish(event, relays);
  }

  async close(): Promise<void> {
    await this.outbox.stop();
    this.anonymous.close();
    this.identity.close();
    this.fresh.close();
    for (const p of this.linkPools.values()) p.close();
    this.linkPools.clear();
  }
}
