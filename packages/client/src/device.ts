/**
 * The shared heart of one Rally device: its store, its relay transport, the unlocked account (in
 * memory only), a change emitter for UIs, the clock, and one lock that serialises every change to
 * group state — MLS states are values that must be read, advanced and written back in order.
 * That lock is two deep: a promise chain orders this engine's own steps, and the device lock
 * (`deviceLock.ts`) keeps every other process or tab on the same store out for the whole step.
 *
 * Runs in: Node and browsers.
 */

import type { NostrEvent } from "nostr-tools/core";
import type { AccountRecord, AccountSecrets } from "./account/accountRecord.ts";
import type { ChangeListener, ClockOffset } from "./api.ts";
import { type DeviceLock, inProcessDeviceLock } from "./deviceLock.ts";
import { asRallyError, rallyError } from "./errors.ts";
import { RelayClock } from "./net/relayClock.ts";
import { Transport } from "./net/transport.ts";
import type { WebSocketConstructor } from "./net/websocket.ts";
import type { Store } from "./store/store.ts";
import type { Vault } from "./store/vault.ts";

export interface DeviceOptions {
  /** The device's store: a `Vault` (everything sealed under the data key) or, in tests, a bare store. */
  store: Store | Vault;
  WebSocket: WebSocketConstructor;
  /** Opens a passphrase-protected account at start. */
  passphrase?: string | null;
  /** Base of invite link URLs (`https://host/`); default: the http(s) form of the group's first relay. */
  origin?: string;
  /**
   * The device's clock, unix milliseconds (tests may pass one set wrong). Rally stamps with the
   * relays' time instead when this clock is more than a minute off theirs (`Device.nowMs`).
   */
  nowMs?: () => number;
  /** How long one fetch waits for relays (ms). */
  fetchTimeoutMs?: number;
  /** Checks an incoming event's id and signature (default: nostr-tools' pure JS; pass the WASM one). */
  verifyEvent?: (event: import("nostr-tools/core").NostrEvent) => boolean;
  /**
   * The lock shared with every other engine on the same store (Node: `sqliteDeviceLock`, browsers:
   * `webDeviceLock`); default: none beyond this engine's own order, for a store nothing else opens.
   */
  deviceLock?: DeviceLock;
}

export type ChangeKind = Parameters<ChangeListener>[0]["kind"];

export class Device {
  readonly store: Store;
  /** The store as a vault (protection, lock, erase), or null for a bare store. */
  readonly vault: Vault | null;
  readonly transport: Transport;
  readonly options: DeviceOptions;
  account: AccountRecord | null = null;
  secrets: AccountSecrets | null = null;
  private readonly listeners = new Set<ChangeListener>();
  private chain: Promise<unknown> = Promise.resolve();
  readonly deviceLock: DeviceLock;
  private readonly rereads: (() => Promise<void>)[] = [];
  /** What this device learned of the relays' time (`net/relayClock.ts`). */
  readonly clock: RelayClock;
  /**
   * Makes a fresh copy of an outbox event a relay refused for its time, stamped with the current
   * (corrected) time, or null when that event must go unchanged; set by the group layer.
   */
  restamp: ((event: NostrEvent) => Promise<NostrEvent | null>) | null = null;

  constructor(options: DeviceOptions) {
    this.options = options;
    this.store = options.store;
    this.vault = isVault(options.store) ? options.store : null;
    this.deviceLock = options.deviceLock ?? inProcessDeviceLock();
    this.clock = new RelayClock({ nowMs: () => this.deviceNowMs(), onChange: () => this.emit("connection") });
    this.transport = new Transport({
      store: options.store,
      WebSocket: options.WebSocket,
      secretKey: () => this.secrets?.secretKey ?? null,
      now: () => this.now(),
      restamp: (event) => this.restamp?.(event) ?? Promise.resolve(null),
      onTimeRefusal: (relay) => this.clock.refused(relay),
      ...(options.fetchTimeoutMs ? { eoseTimeoutMs: options.fetchTimeoutMs } : {}),
      ...(options.verifyEvent ? { verifyEvent: options.verifyEvent } : {}),
    });
  }

  /** Unix seconds, as `nowMs`. */
  now(): number {
    return Math.floor(this.nowMs() / 1000);
  }

  /**
   * The time Rally stamps with (unix ms): the device's clock, or the relays' time when the device
   * is more than a minute off theirs — so what it sends falls inside every relay's window and is
   * filed where it belongs, whatever the device's clock says.
   */
  nowMs(): number {
    return this.deviceNowMs() + this.clock.correctionMs();
  }

  /** The device's own clock, uncorrected. */
  deviceNowMs(): number {
    return (this.options.nowMs ?? Date.now)();
  }

  /**
   * Asks the account's relays (and `relays`) for their time, those not asked yet in this process
   * or an hour ago: a few seconds at most, and nothing but the device's own clock when none answers.
   */
  learnClock(relays: readonly string[] = []): Promise<void> {
    return this.clock.learn([...(this.account?.relays ?? []), ...relays]);
  }

  /** How far this device's clock is from the relays' (positive: ahead), once learned; null before. */
  clockOffset(): ClockOffset | null {
    const e = this.clock.estimate();
    return e ? { seconds: Math.round(e.aheadMs / 1000), relays: e.relays } : null;
  }

  /**
   * Runs a step under the lock (`exclusive`), once the relays' time is known (`learnClock`, also
   * from `relays`): what the step stamps then falls inside the relays' window even when this
   * device's clock is off. `relays` null: a step that sends nothing, which asks no relay. Whatever
   * it throws reaches the caller as a `RallyError`.
   */
  async step<T>(fn: () => Promise<T>, relays: readonly string[] | null = []): Promise<T> {
    if (relays) await this.learnClock(relays);
    return this.exclusive(async () => {
      try {
        return await fn();
      } catch (e) {
        throw asRallyError(e);
      }
    });
  }

  /** The account, or a plain-words error when this device has none yet. */
  requireAccount(): AccountRecord {
    if (this.vault?.locked) {
      throw rallyError("locked", "This device is locked: unlock it with its passphrase first.");
    }
    if (!this.account) {
      throw rallyError(
        "no-account",
        'There is no account on this device yet. Create one with "rally account create --name NAME".',
      );
    }
    return this.account;
  }

  /** The unlocked secrets (throws when the account is missing or locked). */
  requireSecrets(): AccountSecrets {
    this.requireAccount();
    if (!this.secrets)
      throw rallyError("locked", "This account is protected by a passphrase: unlock it first.");
    return this.secrets;
  }

  /** True while the client runs live (`start()`): the outbox then sends by itself. */
  live = false;

  /**
   * Tells a running outbox that new entries were stored. One-shot runs (the CLI) send with an
   * explicit flush instead, so nothing re-reads the outbox after every single write.
   */
  wakeOutbox(): void {
    if (this.live) void this.transport.outbox.wake();
  }

  /**
   * Runs `fn` after every earlier exclusive task of this engine has finished, holding the device
   * lock all the while (one writer of group state per device). Another engine may have written
   * since this one last held the lock, so what this engine keeps in memory is read again first.
   */
  exclusive<T>(fn: () => Promise<T>): Promise<T> {
    const step = () => this.locked(fn);
    const run = this.chain.then(step, step);
    this.chain = run.catch(() => undefined);
    return run;
  }

  /** Registers what to read again from the store each time the device lock is taken. */
  onLockTaken(reread: () => Promise<void>): void {
    this.rereads.push(reread);
  }

  private async locked<T>(fn: () => Promise<T>): Promise<T> {
    const release = await this.deviceLock.acquire();
    try {
      for (const reread of this.rereads) await reread();
      return await fn();
    } finally {
      await release();
    }
  }

  onChange(listener: ChangeListener): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  emit(kind: ChangeKind, group?: string): void {
    for (const l of [...this.listeners]) {
      try {
        l(group === undefined ? { kind } : { kind, group });
      } catch {
        // A UI listener's failure must not break the engine.
      }
    }
  }
}

function isVault(store: Store | Vault): store is Vault {
  return typeof (store as Partial<Vault>).unlock === "function";
}
