/**
 * Event id and signature checks on worker threads, so a relay uses every core for the costliest part
 * of taking an event (a Schnorr verification is most of the relay thread's time per event).
 *
 * Events are gathered for one turn of the event loop and posted as one message per worker (joined
 * JSON text: one string is cheaper to pass between threads than objects), so the cost of passing
 * messages is paid per batch, not per event. A worker that fails or exits is replaced; the events it
 * held are answered with code 3 (check it on the relay thread), so none is lost or answered twice.
 */
import { Worker } from "node:worker_threads";
import { nativeSchnorrPath } from "./nativeVerifier.ts";
import { VERIFY_WORKER_SOURCE } from "./verifyWorkerSource.ts";

/** 0: valid; 1: the id is not the hash of the event; 2: bad signature; 3: check it on the relay thread. */
export type VerifyCode = 0 | 1 | 2 | 3;

interface Item {
  json: string;
  done: (code: VerifyCode) => void;
}

interface Slot {
  worker: Worker;
  inFlight: Map<number, Item[]>;
  events: number;
  /** Set once it failed: its batches have been handed to the relay thread. */
  gone: boolean;
}

export interface VerifyPoolOptions {
  /** Worker threads (at least 1). */
  size: number;
  backend: "native" | "wasm" | "js";
  /** Events per posted batch at most. */
  maxBatch?: number;
  /**
   * When every worker already holds at least this many events, part of a new batch is answered 3
   * (checked on the relay thread) so that thread's core helps instead of waiting. Default
   * `maxBatch / 2`; Infinity never helps.
   */
  helpAbove?: number;
  log?: (line: string) => void;
}

/** Where this module would load a package from, for the worker to load the very same copy. */
const moduleUrl = (specifier: string): string => import.meta.resolve(specifier);

export class VerifyPool {
  private readonly slots: Slot[] = [];
  private pending: Item[] = [];
  private flushQueued = false;
  private seq = 0;
  private closed = false;
  private readonly maxBatch: number;
  private readonly helpAbove: number;
  private readonly workerData: { backend: string; wasmUrl: string; pureUrl: string; nativePath: string };
  /** Batches posted and events checked, for the bench and tests. */
  readonly stats = { batches: 0, events: 0, replaced: 0, checkedHere: 0, helped: 0 };
  private idleWaiters: (() => void)[] = [];

  constructor(private readonly options: VerifyPoolOptions) {
    this.maxBatch = options.maxBatch ?? 512;
    this.helpAbove = options.helpAbove ?? this.maxBatch / 2;
    this.workerData = {
      backend: options.backend,
      wasmUrl: options.backend === "wasm" ? moduleUrl("nostr-wasm") : "",
      pureUrl: moduleUrl("nostr-tools/pure"),
      nativePath: options.backend === "native" ? (nativeSchnorrPath() ?? "") : "",
    };
    for (let i = 0; i < Math.max(1, options.size); i++) this.slots.push(this.spawn());
  }

  get size(): number {
    return this.slots.length;
  }

  /** Events posted or waiting to be posted, not yet answered. */
  get inFlight(): number {
    let n = this.pending.length;
    for (const s of this.slots) n += s.events;
    return n;
  }

  /** Checks one event (its NIP-01 JSON); `done` is called once, never synchronously. */
  check(json: string, done: (code: VerifyCode) => void): void {
    this.pending.push({ json, done });
    if (this.pending.length >= this.maxBatch) this.flush(false);
    else if (!this.flushQueued) {
      this.flushQueued = true;
      // After the sockets' messages of this turn have been read: they all go in one batch.
      setImmediate(() => this.flush(true));
    }
  }

  /** For tests: ends one worker as a crash would (its events are then checked here). */
  crashOne(): Promise<number> {
    const slot = this.slots.find((s) => s.events > 0) ?? this.slots[0]!;
    return slot.worker.terminate();
  }

  /** Waits until every event handed in has been answered, then ends the workers. */
  async close(): Promise<void> {
    while (this.inFlight > 0) await new Promise<void>((r) => this.idleWaiters.push(r));
    this.closed = true;
    await Promise.all(this.slots.map((s) => s.worker.terminate()));
  }

  private flush(mayHelp: boolean): void {
    this.flushQueued = false;
    let busiest = Number.POSITIVE_INFINITY;
    for (const s of this.slots) busiest = Math.min(busiest, s.events);
    if (mayHelp && busiest >= this.helpAbove && this.pending.length > 1) {
      // The workers are behind: the relay thread takes the newest third of this turn's events (in
      // turn, after the older ones the workers hold), so both cores stay busy.
      const help = this.pending.splice(this.pending.length - Math.ceil(this.pending.length / 3));
      this.stats.helped += help.length;
      for (const item of help) item.done(3);
    }
    while (this.pending.length > 0) {
      const batch = this.pending.splice(0, this.maxBatch);
      // The least busy worker: batches differ in size and workers in how far they are.
      let slot = this.slots[0]!;
      for (const s of this.slots) if (s.events < slot.events) slot = s;
      const seq = ++this.seq;
      slot.inFlight.set(seq, batch);
      slot.events += batch.length;
      this.stats.batches++;
      slot.worker.postMessage({ seq, events: batch.map((i) => i.json).join("\n") });
    }
  }

  private spawn(): Slot {
    const worker = new Worker(VERIFY_WORKER_SOURCE, { eval: true, workerData: this.workerData });
    // A relay that is stopping does not wait on its workers; close() ends them when it is done.
    worker.unref();
    const slot: Slot = { worker, inFlight: new Map(), events: 0, gone: false };
    worker.on("message", (msg: { seq: number; codes: Uint8Array }) => {
      const batch = slot.inFlight.get(msg.seq);
      if (!batch) return;
      slot.inFlight.delete(msg.seq);
      slot.events -= batch.length;
      this.stats.events += batch.length;
      for (let i = 0; i < batch.length; i++) batch[i]!.done(msg.codes[i] as VerifyCode);
      this.settled();
    });
    worker.on("error", (error) => this.lost(slot, `a signature worker failed: ${error.message}`));
    worker.on("exit", (code) => this.lost(slot, `a signature worker exited (code ${code})`));
    return slot;
  }

  /** A worker is gone: its batches are checked here, and another takes its place. */
  private lost(slot: Slot, why: string): void {
    if (slot.gone) return;
    slot.gone = true;
    const i = this.slots.indexOf(slot);
    if (this.closed || i < 0) return;
    this.options.log?.(`${why}; starting another and checking its events on the relay thread`);
    this.stats.replaced++;
    this.slots[i] = this.spawn();
    const batches = [...slot.inFlight.values()];
    slot.inFlight.clear();
    slot.events = 0;
    for (const batch of batches)
      for (const item of batch) {
        this.stats.checkedHere++;
        item.done(3);
      }
    this.settled();
  }

  private settled(): void {
    if (this.inFlight > 0 || this.idleWaiters.length === 0) return;
    const waiters = this.idleWaiters;
    this.idleWaiters = [];
    for (const w of waiters) w();
  }
}
