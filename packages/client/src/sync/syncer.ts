/**
 * The one place that keeps a device current with its relays: the sync round (outbox, welcomes,
 * group messages, follow-ups, invite-link requests, settling our own commits), settling one
 * commit right after it is made, delivery for one-shot commands, and the live loop: live
 * subscriptions (`liveSubscriptions.ts`) changed the moment a group, an epoch, an invite link or a
 * join request appears or goes, a sync soon after anything new arrives on them, and a round at
 * jittered times in between. The receive path (`receive.ts`) and welcomes (`welcomes.ts`) are
 * driven from here only, through `sync.ts`.
 *
 * Runs in: Node and browsers.
 */

import type { DeliveryReport, SyncReport } from "../api.ts";
import type { Device } from "../device.ts";
import type { AppService } from "../group/appService.ts";
import { tidyGroup } from "../group/erasure.ts";
import type { GroupRecord } from "../group/groupRecord.ts";
import type { GroupService } from "../group/groupService.ts";
import type { InviteLinks } from "../group/inviteLinks.ts";
import { isTimeRefusal } from "../net/outboxSchedule.ts";
import { RefusalLog } from "../net/refusals.ts";
import { LiveSubscriptions } from "./liveSubscriptions.ts";
import { processGroupEvents } from "./receive.ts";
import { announceSends } from "./sendNotices.ts";
import { fetchTag, followUp, sendNames, syncGroups, syncInbox } from "./sync.ts";
import { TagCursors } from "./tagCursors.ts";

/** How often, on average, the live loop runs a round when nothing new arrives. */
export const LIVE_SYNC_MS = 15_000;
/**
 * Each wait between rounds is `LIVE_SYNC_MS` give or take this share, drawn afresh: rounds of
 * different devices (and a device's requests for its different groups) do not fall in step, and
 * a relay cannot tell a device by a fixed period.
 */
export const LIVE_JITTER = 0.2;
/** How long the live loop waits after something new arrived, so a burst makes one round. */
export const SOON_MS = 300;
/**
 * Rounds started by arrivals keep at least this long (ms) after the previous one ended: a relay
 * that keeps sending new junk under a known tag costs at most every other second, not every moment.
 */
export const ARRIVAL_GAP_MS = 1_000;
/** Change notices after which the live subscriptions may have to change. */
const SUBSCRIPTION_CHANGES = new Set(["groups", "account", "invites"]);

export class Syncer {
  private readonly core: Device;
  private live = false;
  private liveTimer: ReturnType<typeof setInterval> | undefined;
  private soonTimer: ReturnType<typeof setTimeout> | undefined;
  /** The live subscriptions (while live). */
  readonly subscriptions: LiveSubscriptions;
  private offChange: (() => void) | undefined;
  /** Where each routing tag's catch-up starts (`tagCursors.ts`). */
  private readonly cursors: TagCursors;
  private syncing: Promise<SyncReport> | null = null;
  /** When the live loop's last round ended (ms, monotonic: the device clock may be moved), for `ARRIVAL_GAP_MS`. */
  private lastRoundEnd = 0;
  /** Outbox entries every relay refused for good, for `deliver()` and `sync()` to report. */
  private readonly refusals: RefusalLog;
  private deliveredUpTo = 0;

  constructor(
    private readonly groups: GroupService,
    private readonly app: AppService,
    private readonly links: InviteLinks,
  ) {
    this.core = groups.core;
    this.refusals = new RefusalLog(this.core.transport.outbox);
    this.cursors = new TagCursors(() => this.core.nowMs());
    this.subscriptions = new LiveSubscriptions(this.core, groups, () => this.soon());
    announceSends(this.core);
  }

  /** Run in each round once the groups caught up (device links, for one). */
  readonly roundHooks: (() => Promise<void>)[] = [];

  /** True while the live loop runs (`start` until `stop`). */
  get running(): boolean {
    return this.live;
  }

  /** One round under the device lock; concurrent callers (a UI and the live timer) share it. */
  sync(): Promise<SyncReport> {
    this.syncing ??= this.core
      .step(() => this.round())
      .finally(() => {
        this.syncing = null;
      });
    return this.syncing;
  }

  /** The round itself; the caller holds the device lock. */
  private async round(): Promise<SyncReport> {
    this.core.requireAccount();
    const live = (await this.groups.records()).filter((r) => r.status === "active");
    await this.core.learnClock(live.flatMap((r) => r.relays));
    const outbox = this.core.transport.outbox;
    const before = new Set((await outbox.list()).filter((e) => e.state === "pending").map((e) => e.id));
    const refusedFrom = this.refusals.mark();
    // Send what is queued first (our commits must be on a relay before we read them back).
    await outbox.flush({ timeoutMs: 1_500 });
    const inbox = await syncInbox(this.groups);
    const groups = await syncGroups(this.groups, this.app, undefined, this.cursors);
    // Deleted messages and those past their group's timer leave the disk (every round, so live
    // mode deletes on time even when nothing arrives). One that fails is tried again next round.
    for (const rec of await this.groups.records()) {
      if (rec.status !== "invited") await tidyGroup(this.core, rec).catch(() => undefined);
    }
    const reachable = inbox.reachable || groups.reachable;
    if (reachable) {
      // Joined through our own invite-link request: say who we are, now that the group is current.
      for (const id of inbox.autoJoined) {
        const rec = await this.groups.record(id);
        if (rec.status === "active") await sendNames(this.groups, this.app, rec);
      }
      await this.links.processRequests();
      for (const hook of this.roundHooks) await hook().catch(() => undefined);
      // Commits made just now (join requests, re-proposals) settle in the same round.
      await this.settleAll();
    }
    const after = await outbox.flush({ timeoutMs: reachable ? 6_000 : 300 });
    const still = new Set((await outbox.list()).filter((e) => e.state === "pending").map((e) => e.id));
    const refused = this.refusals.since(refusedFrom);
    const notSent = new Set(refused.map((r) => r.id));
    return {
      received: groups.received + inbox.invites,
      senderFaults: groups.senderFaults,
      sent: [...before].filter((id) => !still.has(id) && !notSent.has(id)).length,
      pendingOutbox: after.pending,
      failed: refused.length,
      refused: refused.map((r) => r.reason),
      relays: this.relayStatus(),
    };
  }

  /**
   * Catches one group up (or every group) without the rest of a round: fetch, process, follow up.
   * The caller holds the device lock.
   */
  async catchUp(group?: string): Promise<void> {
    await syncGroups(this.groups, this.app, group, this.cursors);
  }

  /** Sends this person's names to a group (after joining it, or renaming). Under the device lock. */
  sendNames(rec: GroupRecord): Promise<void> {
    return sendNames(this.groups, this.app, rec);
  }

  /**
   * Waits for this group's commit to reach a relay, then reads it back so it wins and its welcomes
   * go. The caller holds the device lock; with no relay taking it, the next `sync` finishes the job.
   */
  async settle(id: string, timeoutMs = 8_000): Promise<void> {
    const rec = await this.groups.record(id);
    if (!rec.pending) return;
    const outbox = this.core.transport.outbox;
    await outbox.flush({ timeoutMs });
    const entry = await outbox.get(rec.pending.eventId);
    if (entry && entry.state === "pending") return; // no relay took it yet: `sync` finishes later
    const current = rec.keys[0];
    if (!current) return;
    const { events } = await fetchTag(this.groups, current.tag, rec, this.cursors);
    const res = await processGroupEvents(this.groups, id, events);
    if (res.adopted) await outbox.flush({ timeoutMs });
    // Names after an add, or our change again when another commit won.
    await followUp(this.groups, this.app, id, res);
    if (res.advanced) await syncGroups(this.groups, this.app, id, this.cursors);
  }

  private async settleAll(): Promise<void> {
    for (const rec of await this.groups.records()) {
      if (rec.pending && rec.status === "active") await this.settle(rec.id, 4_000);
    }
  }

  /** For one-shot commands: try to deliver everything queued for up to `timeoutMs`. */
  async deliver(timeoutMs = 5_000): Promise<DeliveryReport> {
    const outbox = this.core.transport.outbox;
    // The steps before wrote their entries straight to the store: read it, not the outbox's memory.
    await outbox.refresh();
    const queued = (await outbox.list()).filter((e) => e.state === "pending");
    const before = new Set(queued.map((e) => e.id));
    await this.core.learnClock(queued.flatMap((e) => Object.keys(e.relays)));
    let r = await outbox.flush({ timeoutMs: Math.min(1_500, timeoutMs) });
    // Keep waiting only while some relay is up: an unreachable one will not answer in seconds.
    if (r.pending > 0 && timeoutMs > 1_500 && this.anyRelayOnline()) {
      r = await outbox.flush({ timeoutMs: timeoutMs - 1_500 });
    }
    const entries = await outbox.list();
    const still = new Set(entries.filter((e) => e.state === "pending").map((e) => e.id));
    // Refused for good by every relay: never "sent", and never counted as such.
    const refused = this.refusals.since(this.deliveredUpTo);
    this.deliveredUpTo = this.refusals.mark();
    const unreachable = new Map<string, string>();
    const clockRefused = new Set<string>();
    for (const e of entries) {
      if (e.state !== "pending") continue;
      for (const [url, d] of Object.entries(e.relays)) {
        if (d.status !== "pending" || !d.message) continue;
        if (isTimeRefusal(d.message)) clockRefused.add(url);
        else unreachable.set(url, d.message);
      }
    }
    return {
      sent: [...before].filter((id) => !still.has(id) && !refused.some((e) => e.id === id)).length,
      pending: r.pending,
      failed: refused.length,
      refused: refused.map((e) => e.reason),
      unreachable: [...unreachable].map(([url, error]) => ({ url, error })),
      clockRefused: [...clockRefused],
      clock: this.core.clockOffset(),
    };
  }

  /**
   * Live mode: the outbox sends by itself, the live subscriptions follow every change at once, a
   * round runs now, soon after anything new arrives, and at jittered times in between. After
   * `stop`, the same again (connections that dropped meanwhile reconnect as they are used).
   */
  async start(): Promise<void> {
    if (this.live) return;
    this.live = true;
    this.core.live = true;
    await this.core.transport.outbox.start();
    // A new group, a new epoch (a commit of anyone's applied), a new or revoked invite link, a
    // join request sent: each is announced, and is listened for from that moment.
    this.offChange = this.core.onChange((change) => {
      if (SUBSCRIPTION_CHANGES.has(change.kind)) void this.subscriptions.update();
    });
    void this.subscriptions.start();
    this.arm();
    this.tick();
  }

  /**
   * Ends live mode: timers, live subscriptions and the outbox's own sending; waits for a round
   * under way. The connections stay usable (a later `start`, `sync` or `deliver` uses them); the
   * client's `close` releases them.
   */
  async stop(): Promise<void> {
    this.live = false;
    this.core.live = false;
    clearInterval(this.liveTimer);
    clearTimeout(this.soonTimer);
    this.offChange?.();
    this.offChange = undefined;
    await this.subscriptions.stop();
    await this.syncing?.catch(() => undefined);
    // Started again while this stop waited: the outbox keeps sending for the new live loop.
    if (this.live) return;
    await this.core.transport.outbox.stop();
  }

  /**
   * The next round between arrivals, after a freshly drawn wait. An interval re-armed each time
   * rather than a timeout: it is the loop's only interval, so a test can hold it still (fake
   * `setInterval`) while sockets and every other timer run, and show that nothing waits for it.
   */
  private arm(): void {
    clearInterval(this.liveTimer);
    if (!this.live) return;
    const wait = LIVE_SYNC_MS * (1 - LIVE_JITTER + 2 * LIVE_JITTER * Math.random());
    this.liveTimer = setInterval(() => {
      this.arm();
      this.tick();
    }, wait);
  }

  private tick(): void {
    if (!this.live) return;
    void this.sync()
      .catch(() => undefined)
      .then(() => {
        this.lastRoundEnd = performance.now();
        return this.subscriptions.update();
      });
  }

  /** A round soon: several events arriving together make one. */
  private soon(): void {
    if (!this.live) return;
    clearTimeout(this.soonTimer);
    const wait = Math.max(SOON_MS, this.lastRoundEnd + ARRIVAL_GAP_MS - performance.now());
    this.soonTimer = setTimeout(() => this.tick(), wait);
  }

  /** Each relay once, connected when either pool (anonymous, identity) is, with the last error. */
  private relayStatus(): SyncReport["relays"] {
    const by = new Map<string, { url: string; connected: boolean; error?: string }>();
    for (const s of [...this.core.transport.anonymous.status(), ...this.core.transport.identity.status()]) {
      const prev = by.get(s.url);
      const connected = (prev?.connected ?? false) || s.state === "online";
      const entry: { url: string; connected: boolean; error?: string } = { url: s.url, connected };
      const error = s.error ?? prev?.error;
      if (!connected && error !== undefined) entry.error = error;
      by.set(s.url, entry);
    }
    return [...by.values()];
  }

  private anyRelayOnline(): boolean {
    return [...this.core.transport.anonymous.status(), ...this.core.transport.identity.status()].some(
      (s) => s.state === "online",
    );
  }
}
