/**
 * `RallyClient` (api.ts) over the client's parts: the account service, the group service and its
 * receiving side, the app service (chat, events, polls) and invite links, sharing one `Device`
 * (store, relay transport, durable outbox). The same code runs in Node over SQLite
 * (`platform/node/nodeClient.ts`, `createNodeClient`) and in a browser worker over IndexedDB
 * (`platform/browser/browserClient.ts`, `createBrowserClient`).
 *
 * Every method that changes state runs under the device's lock (`Device.step`), persists before it
 * resolves, and leaves network sends to the outbox. Methods that make an MLS commit (invite,
 * remove, rename) also wait a little for a relay to take the commit and settle it (the `Syncer`),
 * so the welcome can go out at once when the relays are up; otherwise the next `sync()` finishes
 * the job. Catching up, delivery and the live loop are the `Syncer`'s (sync/syncer.ts); who may
 * change a group is `group/permissions.ts`; this class only puts the parts together.
 *
 * Runs in: Node and browsers.
 */

import { configureMls, engineSelfTest, type MlsCryptoBackend } from "@rally/protocol/mls";
import { KIND_CHAT, loadVerifier } from "@rally/protocol/nostr";
import { readAccountRecord } from "./account/accountRecord.ts";
import { AccountService } from "./account/accountService.ts";
import { DeviceSecurityService } from "./account/deviceSecurity.ts";
import type {
  AccountInfo,
  ChangeListener,
  ChatEntry,
  ChatMessage,
  ChatPageOptions,
  ClockOffset,
  ConnectionState,
  DeliveryReport,
  DeviceInfo,
  DeviceJoining,
  DeviceLinkProgress,
  DeviceSecurity,
  EventInput,
  EventView,
  GroupRef,
  GroupSummary,
  InviteLinkInfo,
  InviteLinkOptions,
  InviteOutcome,
  JoinState,
  Member,
  Npub,
  PendingInvite,
  PendingJoin,
  PollView,
  PublicAnswerView,
  PublicFaceInput,
  PublicFaceView,
  RallyClient,
  RsvpAnswer,
  RsvpStatus,
  SyncReport,
} from "./api.ts";
import { Device, type DeviceOptions } from "./device.ts";
import { rallyError } from "./errors.ts";
import { AppService } from "./group/appService.ts";
import { CHAT_TIMER_KINDS } from "./group/disappearing.ts";
import { tidyGroup } from "./group/erasure.ts";
import type { GroupRecord } from "./group/groupRecord.ts";
import { GroupService } from "./group/groupService.ts";
import { InviteLinks } from "./group/inviteLinks.ts";
import { processKeyUpdates } from "./group/keyUpdates.ts";
import { loadOwedAdds, processOwedAdds, proposeOwedAdds, recordUnusable } from "./group/owedAdds.ts";
import { parsePerson, shortNpub, toNpub } from "./group/people.ts";
import {
  adminsAfter,
  checkDisappearing,
  checkGroupName,
  checkInvite,
  checkRemove,
  checkRename,
} from "./group/permissions.ts";
import { PublicFace } from "./group/publicFace.ts";
import { retryUnsent } from "./group/resend.ts";
import { groupRestamper } from "./group/restamp.ts";
import { groupSummary } from "./group/summaries.ts";
import { overallState } from "./net/relayPool.ts";
import { keys } from "./store/keys.ts";
import { DeviceLinks } from "./sync/deviceLinks.ts";
import { Invitations } from "./sync/invitations.ts";
import { sequencePlaces } from "./sync/places.ts";
import { Rejoin } from "./sync/rejoin.ts";
import { Syncer } from "./sync/syncer.ts";

export interface RallyOptions extends DeviceOptions {
  /** Relays for a new account when the person names none. */
  defaultRelays?: string[];
  /**
   * Native MLS primitives for this platform (Node: `nodeCryptoBackend()` from `platform/node/nodeCrypto.ts`);
   * default: the portable ones. The engine is configured once per process, by the first client opened.
   */
  mlsCrypto?: MlsCryptoBackend;
}

/**
 * Message keys a device keeps for one sender's messages that arrive out of order (RFC 9420 §9.1
 * skipped generations). A fetch returns the messages of one second in no particular order, and one
 * sender may send many in a second (an imported calendar, a burst of answers), so the engine's
 * default of 64 would lose the oldest of a larger burst for good. 1,000 costs at most a few tens of
 * KiB per sender while messages are missing, and nothing once they arrive.
 */
export const RETAINED_GENERATIONS = 1_000;
let engineConfigured = false;

function configureEngineOnce(crypto: MlsCryptoBackend | undefined): void {
  if (engineConfigured) return;
  engineConfigured = true;
  configureMls({ retainGenerations: RETAINED_GENERATIONS, ...(crypto ? { crypto } : {}) });
}

export class Rally implements RallyClient {
  readonly core: Device;
  readonly accounts: AccountService;
  private readonly guard: DeviceSecurityService;
  private readonly deviceLinksSvc: DeviceLinks;
  readonly groupsSvc: GroupService;
  readonly app: AppService;
  readonly links: InviteLinks;
  /** The group's public key, profile, published events and answers from the web (admins). */
  readonly face: PublicFace;
  /** Asking back into groups after recovery, and letting others' restored devices in. */
  readonly rejoin: Rejoin;
  readonly syncer: Syncer;
  readonly invitations: Invitations;
  private readonly defaultRelays: string[] | undefined;

  private constructor(options: RallyOptions) {
    this.core = new Device(options);
    this.accounts = new AccountService(this.core);
    this.guard = new DeviceSecurityService(this.core, this.accounts);
    this.groupsSvc = new GroupService(this.core, this.accounts);
    this.app = new AppService(this.groupsSvc);
    this.links = new InviteLinks(this.groupsSvc);
    this.face = new PublicFace(this.groupsSvc, this.app);
    this.syncer = new Syncer(this.groupsSvc, this.app, this.links);
    this.invitations = new Invitations(this.groupsSvc, this.app, this.syncer);
    this.rejoin = new Rejoin(this.groupsSvc);
    this.syncer.roundHooks.push(() => this.rejoin.process());
    this.deviceLinksSvc = new DeviceLinks(this.groupsSvc, (group) => this.syncer.settle(group));
    this.syncer.roundHooks.push(() => this.deviceLinksSvc.process());
    // Key updates after joining and when the tree is wide, so removals stay small (keyUpdates.ts).
    this.syncer.roundHooks.push(() => processKeyUpdates(this.groupsSvc).then(() => undefined));
    // Devices of an invited person that did not fit the invitation's commit (owedAdds.ts).
    this.syncer.roundHooks.push(() => processOwedAdds(this.groupsSvc));
    // Public faces follow the group: rotation, edits of published events, answers from the web.
    this.syncer.roundHooks.push(() => this.face.process());
    this.defaultRelays = options.defaultRelays;
    this.core.transport.anonymous.onStatus(() => this.core.emit("connection"));
    this.core.transport.identity.onStatus(() => this.core.emit("connection"));
    this.core.onLockTaken(() => this.reread());
    this.core.restamp = groupRestamper(this.groupsSvc);
  }

  /**
   * What this engine keeps in memory, read again from the store: another process or tab on the
   * same store may have sent from the outbox or renamed the account since this one last held the
   * device lock. The unlocked secrets stay while the account is the same person.
   */
  private async reread(): Promise<void> {
    const vault = this.core.vault;
    if (vault) {
      const wasLocked = vault.locked;
      await vault.refresh();
      if (vault.locked) {
        // Another process changed the passphrase or erased the device: what was read goes too.
        if (!wasLocked) {
          await this.syncer.stop();
          this.core.account = null;
          this.core.secrets = null;
          this.core.emit("account");
        }
        return;
      }
    }
    await this.core.transport.outbox.refresh();
    const value = await this.core.store.get(keys.account);
    if (value === undefined) return;
    const record = readAccountRecord(value);
    if (this.core.account?.pubkey === record.pubkey) this.core.account = record;
    else await this.accounts.load(null);
  }

  static async open(options: RallyOptions): Promise<Rally> {
    configureEngineOnce(options.mlsCrypto);
    // A removal must end the removed member's access (RFC 9420 §12.4), which a ts-mls without the
    // install-time correction does not do: checked once per process (or worker) before anything
    // touches a group, so the CLI and the web app refuse to run on such a copy.
    try {
      await engineSelfTest();
    } catch (e) {
      await options.store.close().catch(() => {});
      throw e;
    }
    // Every event from a relay is verified once, in the pool: libsecp256k1 (WASM) when it loads.
    const verifier = options.verifyEvent ? null : await loadVerifier();
    const client = new Rally(verifier ? { ...options, verifyEvent: (e) => verifier.verify(e) } : options);
    await client.accounts.load(options.passphrase ?? null);
    return client;
  }

  /** A step under the device lock once the relays' time is known (`Device.step`). */
  private run<T>(fn: () => Promise<T>, relays: readonly string[] | null = []): Promise<T> {
    return this.core.step(fn, relays);
  }

  /** How far this device's clock is from the relays' (positive: ahead), once learned; null before. */
  async clockOffset(): Promise<ClockOffset | null> {
    return this.core.clockOffset();
  }

  // --- account ---

  async account(): Promise<AccountInfo | null> {
    if (this.core.vault?.locked) {
      throw rallyError("locked", "This device is locked: unlock it with its passphrase first.");
    }
    return this.accounts.info();
  }

  createAccount(input: { name: string; relays?: string[] }): Promise<AccountInfo> {
    return this.run(
      () =>
        this.accounts.create({
          name: input.name,
          ...(input.relays?.length
            ? { relays: input.relays }
            : this.defaultRelays
              ? { relays: this.defaultRelays }
              : {}),
        }),
      input.relays ?? this.defaultRelays,
    );
  }

  recoverAccount(input: { words: string; relays?: string[]; name?: string }): Promise<AccountInfo> {
    return this.run(
      () =>
        this.accounts.recover({
          words: input.words,
          ...(input.name !== undefined ? { name: input.name } : {}),
          ...(input.relays?.length
            ? { relays: input.relays }
            : this.defaultRelays
              ? { relays: this.defaultRelays }
              : {}),
        }),
      input.relays ?? this.defaultRelays,
    );
  }

  recoveryWords(): Promise<string> {
    return this.run(() => this.accounts.words(), null);
  }

  unlock(passphrase: string): Promise<void> {
    return this.run(async () => {
      await this.guard.unlock(passphrase);
    }, null);
  }

  lock(): Promise<void> {
    return this.run(async () => {
      await this.syncer.stop();
      this.guard.lock();
    }, null);
  }

  security(): Promise<DeviceSecurity> {
    return this.guard.security();
  }

  setDuressPassphrase(passphrase: string | null): Promise<void> {
    return this.run(() => this.guard.setDuress(passphrase), null);
  }

  setAutoLock(minutes: number | null): Promise<void> {
    return this.run(() => this.guard.setAutoLock(minutes), null);
  }

  async erase(): Promise<void> {
    await this.syncer.stop();
    await this.run(() => this.guard.erase(), null);
    await this.close();
  }

  rememberInviteLink(link: string | null): Promise<void> {
    return this.run(() => this.guard.rememberInviteLink(link), null);
  }

  rememberedInviteLink(): Promise<string | null> {
    return this.run(() => this.guard.rememberedInviteLink(), null);
  }

  setName(name: string): Promise<void> {
    return this.run(async () => {
      await this.accounts.setName(name);
      // Names travel only inside groups: tell each group.
      for (const rec of await this.groupsSvc.records()) {
        if (rec.status === "active") await this.syncer.sendNames(rec);
      }
    });
  }

  setRelays(relays: string[]): Promise<void> {
    return this.run(() => this.accounts.setRelays(relays));
  }

  setPassphrase(passphrase: string | null, current?: string): Promise<void> {
    return this.run(
      () =>
        this.core.vault
          ? this.guard.setPassphrase(passphrase, current)
          : this.accounts.setPassphrase(passphrase),
      null,
    );
  }

  // --- devices ---

  linkDevice(
    options: { expiresInSeconds?: number; confirm?: boolean } = {},
  ): Promise<{ link: string; expiresAt: number }> {
    return this.run(() => this.deviceLinksSvc.make(options), null);
  }

  confirmDeviceLink(code: string): Promise<{ name: string }> {
    return this.run(() => this.deviceLinksSvc.confirm(code));
  }

  refuseDeviceLinks(): Promise<number> {
    return this.run(() => this.deviceLinksSvc.refuse(), null);
  }

  deviceLinks(): Promise<DeviceLinkProgress[]> {
    return this.deviceLinksSvc.made();
  }

  addDevice(link: string, name: string): Promise<void> {
    return this.run(() => this.deviceLinksSvc.begin(link, name));
  }

  deviceJoining(): Promise<DeviceJoining | null> {
    return this.deviceLinksSvc.joining();
  }

  devices(): Promise<DeviceInfo[]> {
    return this.run(() => this.deviceLinksSvc.devices(), null);
  }

  setDeviceName(name: string): Promise<void> {
    return this.run(() => this.deviceLinksSvc.rename(name), null);
  }

  revokeDevice(id: string): Promise<number> {
    return this.run(() => this.deviceLinksSvc.revoke(id));
  }

  exportBackup(passphrase: string): Promise<string> {
    return this.run(() => this.accounts.exportBackup(passphrase), null);
  }

  // --- network ---

  async sync(): Promise<SyncReport> {
    // A device being linked has no account until its other device answers: that step comes first.
    if (!this.core.account && !this.core.vault?.locked && (await this.deviceLinksSvc.joining())) {
      await this.run(() => this.deviceLinksSvc.process());
      if (!this.core.account) {
        // Not answered yet: what this device asked goes out, and there is nothing else to do.
        const flushed = await this.core.transport.outbox.flush({ timeoutMs: 3_000 });
        return {
          received: 0,
          senderFaults: 0,
          sent: 0,
          pendingOutbox: flushed.pending,
          failed: 0,
          refused: [],
          relays: [],
        };
      }
    }
    const report = await this.syncer.sync();
    const notes = this.rejoin.notes;
    return notes.length > 0 ? { ...report, notes: [...notes] } : report;
  }

  /** For one-shot commands: try to deliver everything queued for up to `timeoutMs`. */
  deliver(timeoutMs = 5_000): Promise<DeliveryReport> {
    return this.syncer.deliver(timeoutMs);
  }

  start(): Promise<void> {
    return this.syncer.start();
  }

  stop(): Promise<void> {
    return this.syncer.stop();
  }

  connection(): ConnectionState {
    return overallState([
      ...this.core.transport.anonymous.status(),
      ...this.core.transport.identity.status(),
    ]);
  }

  onChange(listener: ChangeListener): () => void {
    return this.core.onChange(listener);
  }

  // --- groups ---

  /** A group id from an id, a unique id prefix or a unique name (the CLI's GROUP argument). */
  async resolveGroup(ref: string): Promise<GroupRef> {
    return (await this.groupsSvc.resolve(ref)).id;
  }

  private summary(rec: GroupRecord): Promise<GroupSummary & { epoch: number }> {
    return groupSummary(this.core, rec);
  }

  async groups(): Promise<GroupSummary[]> {
    const recs = (await this.groupsSvc.records()).filter((r) => r.status !== "invited");
    const out: GroupSummary[] = [];
    for (const rec of recs) out.push(await this.summary(rec));
    // Groups asked back into after recovery, until they are joined.
    for (const r of await this.rejoin.waiting()) {
      if (out.some((g) => g.id === r.group.id)) continue;
      out.push({
        id: r.group.id,
        name: r.group.name,
        description: "",
        members: 0,
        admin: r.group.admins.includes(this.core.account?.pubkey ?? ""),
        relays: [...r.group.relays],
        unread: 0,
        lastActivity: null,
        status: "rejoining",
        disappearAfter: null,
      });
    }
    return out.sort((a, b) => (b.lastActivity ?? 0) - (a.lastActivity ?? 0) || (a.name < b.name ? -1 : 1));
  }

  createGroup(input: { name: string; description?: string; relays?: string[] }): Promise<GroupSummary> {
    return this.run(async () => {
      checkGroupName(input.name);
      const rec = await this.groupsSvc.create(input);
      return this.summary(rec);
    });
  }

  updateGroup(group: GroupRef, patch: { name?: string; description?: string }): Promise<void> {
    return this.run(async () => {
      if (patch.name !== undefined) checkGroupName(patch.name);
      checkRename(await this.groupsSvc.activeRecord(group), this.groupsSvc.me());
      await this.groupsSvc.propose(group, { type: "data", patch });
      await this.syncer.settle(group);
    });
  }

  /** Makes someone an admin of a group, or no longer one (admins only; a group keeps at least one). */
  setAdmin(group: GroupRef, npub: Npub, admin: boolean): Promise<void> {
    return this.run(async () => {
      const pubkey = parsePerson(npub);
      const rec = await this.groupsSvc.activeRecord(group);
      const admins = adminsAfter(rec, this.groupsSvc.me(), pubkey, admin);
      if (rec.pending) await this.syncer.settle(group);
      await this.groupsSvc.propose(group, { type: "data", patch: { admins } });
      await this.syncer.settle(group);
    });
  }

  setDisappearing(group: GroupRef, seconds: number | null): Promise<void> {
    return this.run(async () => {
      const rec = await this.groupsSvc.activeRecord(group);
      const disappearAfter = checkDisappearing(rec, this.groupsSvc.me(), seconds);
      if ((rec.disappearAfter ?? null) === disappearAfter) return;
      if (rec.pending) await this.syncer.settle(group);
      await this.groupsSvc.propose(group, { type: "data", patch: { disappearAfter } });
      await this.syncer.settle(group);
    });
  }

  /**
   * Before a group is read: when its timer has run out for something, delete it first (under the
   * device lock), so what is shown is what the disk holds.
   */
  private async expireBeforeReading(group: GroupRef): Promise<GroupRecord> {
    const rec = await this.groupsSvc.record(group);
    const timer = rec.disappearAfter ?? null;
    if (timer === null) return rec;
    const due = await this.core.store.countRumors({
      group: rec.id,
      kinds: [...CHAT_TIMER_KINDS],
      until: this.core.now() - timer,
    });
    if (due === 0) return rec;
    await this.run(async () => {
      await tidyGroup(this.core, await this.groupsSvc.record(group));
    });
    return this.groupsSvc.record(group);
  }

  async members(group: GroupRef): Promise<Member[]> {
    const rec = await this.groupsSvc.record(group);
    const snap = await this.app.snapshot(rec);
    return rec.members.map((pk) => ({
      npub: toNpub(pk),
      pubkey: pk,
      name: snap.names.get(pk) ?? shortNpub(pk),
      admin: rec.admins.includes(pk),
    }));
  }

  invite(group: GroupRef, npub: Npub): Promise<InviteOutcome> {
    return this.run(async () => {
      const pubkey = parsePerson(npub);
      const rec = await this.groupsSvc.activeRecord(group);
      checkInvite(rec, this.groupsSvc.me(), pubkey);
      if (rec.pending) await this.syncer.settle(group);
      // Every device of theirs not in the group yet (a recovered or second device joins this way).
      const found = await this.groupsSvc.findDevices(await this.groupsSvc.record(group), pubkey);
      const invitees = found.invitees;
      if (invitees.length === 0) {
        throw rallyError("bad-input", `${toNpub(pubkey)} is already in "${rec.name}".`);
      }
      const unusable = found.unusable.map((u) => ({ reason: u.reason }));
      const pending = await this.groupsSvc.propose(group, { type: "add", invitees });
      let devices = pending.intent.type === "add" ? pending.intent.invitees.length : 0;
      await this.syncer.settle(group);
      // One commit takes as many devices as fit a relay; the others follow in the next commits,
      // each once the one before has settled (owedAdds.ts). Offline, the next sync goes on.
      for (;;) {
        const next = await proposeOwedAdds(this.groupsSvc, group).catch(() => null);
        if (!next) break;
        unusable.push(...next.unusable.filter((u) => u.pubkey === pubkey).map((u) => ({ reason: u.reason })));
        // Devices of other people owed to the group, given up on meanwhile: a notice each, as a sync would.
        for (const other of new Set(next.unusable.map((u) => u.pubkey).filter((p) => p !== pubkey))) {
          await recordUnusable(
            this.groupsSvc,
            group,
            other,
            next.unusable.filter((u) => u.pubkey === other),
          );
        }
        if (!next.proposed) break;
        const now = (await this.groupsSvc.record(group)).pending;
        if (now?.intent.type === "add")
          devices += now.intent.invitees.filter((i) => i.pubkey === pubkey).length;
        await this.syncer.settle(group);
        if ((await this.groupsSvc.record(group)).pending) break;
      }
      const waiting = (await loadOwedAdds(this.core.store, group)).filter(
        (o) => o.invitee.pubkey === pubkey,
      ).length;
      if (unusable.length > 0) await recordUnusable(this.groupsSvc, group, pubkey, unusable);
      return { devices, waiting, unusable };
    });
  }

  remove(group: GroupRef, npub: Npub): Promise<void> {
    return this.run(async () => {
      const pubkey = parsePerson(npub);
      const rec = await this.groupsSvc.activeRecord(group);
      checkRemove(rec, this.groupsSvc.me(), pubkey);
      if (rec.pending) await this.syncer.settle(group);
      await this.groupsSvc.propose(group, { type: "remove", pubkeys: [pubkey] });
      await this.syncer.settle(group);
    });
  }

  leave(group: GroupRef): Promise<void> {
    return this.run(async () => {
      const rec = await this.groupsSvc.record(group);
      // The request to leave is an MLS proposal, valid only in the epoch it is made in: made from a
      // device that is behind, no member could commit it. Catch up first (offline: as it stands).
      if (rec.status === "active") await this.syncer.catchUp(rec.id).catch(() => undefined);
      await this.groupsSvc.leave(rec.id);
    });
  }

  invites(): Promise<PendingInvite[]> {
    return this.invitations.list();
  }

  acceptInvite(id: string): Promise<GroupSummary> {
    return this.run(async () => this.summary(await this.groupsSvc.record(await this.invitations.accept(id))));
  }

  declineInvite(id: string): Promise<void> {
    return this.run(() => this.invitations.decline(id));
  }

  /** Drops every invitation from this person, now and later (their welcomes are ignored). */
  blockInviter(person: Npub): Promise<{ dropped: number }> {
    return this.run(async () => ({ dropped: await this.invitations.block(parsePerson(person)) }));
  }

  // --- invite links ---

  createInviteLink(group: GroupRef, options: InviteLinkOptions): Promise<InviteLinkInfo> {
    return this.run(() => this.links.create(group, options));
  }

  inviteLinks(group: GroupRef): Promise<InviteLinkInfo[]> {
    return this.links.list(group);
  }

  revokeInviteLink(group: GroupRef, linkId: string): Promise<void> {
    return this.run(() => this.links.revoke(group, linkId));
  }

  join(link: string): Promise<JoinState> {
    return this.run(() => this.links.join(link)).then((state) => {
      // Live: the answer may come on the link's relays; listen there from now on.
      void this.syncer.subscriptions.update();
      return state;
    });
  }

  /** How an earlier `join(link)` is going, without sending anything. */
  joinState(link: string): Promise<JoinState | null> {
    return this.links.joinState(link);
  }

  pendingJoins(group: GroupRef): Promise<PendingJoin[]> {
    return this.links.pending(group);
  }

  approveJoin(group: GroupRef, requestId: string): Promise<void> {
    return this.run(async () => {
      await this.links.approve(group, requestId);
      await this.syncer.settle(group);
    });
  }

  // --- chat ---

  sendChat(group: GroupRef, text: string, options: { replyTo?: string } = {}): Promise<ChatMessage> {
    return this.run(() => this.app.sendChat(group, text, options.replyTo));
  }

  async chat(group: GroupRef, options: ChatPageOptions = {}): Promise<ChatMessage[]> {
    return this.app.chat(await this.expireBeforeReading(group), options);
  }

  async chatHistory(group: GroupRef, options: ChatPageOptions = {}): Promise<ChatEntry[]> {
    return this.app.chatHistory(await this.expireBeforeReading(group), options);
  }

  react(group: GroupRef, messageId: string, emoji: string): Promise<void> {
    return this.run(() => this.app.react(group, messageId, emoji));
  }

  deleteMessage(group: GroupRef, messageId: string): Promise<void> {
    return this.run(async () => {
      await this.app.deleteMessage(group, messageId);
      // Off this device's disk at once, not only out of the view (erasure.ts).
      await tidyGroup(this.core, await this.groupsSvc.record(group));
    });
  }

  markRead(group: GroupRef): Promise<void> {
    return this.run(async () => {
      const rec = await this.groupsSvc.record(group);
      const newest = await this.core.store.rumors({ group, kinds: [KIND_CHAT], limit: 1 });
      const lastRead = Math.max(rec.lastRead, newest[0]?.created_at ?? 0, this.core.now());
      await this.core.store.batch([this.groupsSvc.putRecord({ ...rec, lastRead })]);
      this.core.emit("groups", group);
    });
  }

  /** Queues again what every relay refused in this group, or that one message of ours; how many. */
  retry(group: GroupRef, messageId?: string): Promise<number> {
    return this.run(async () => {
      const again = await retryUnsent(this.groupsSvc, this.app, group, messageId);
      // Their rows go back from "not sent" to "waiting to send".
      if (again > 0) {
        this.core.emit("chat", group);
        this.core.emit("events", group);
        this.core.emit("polls", group);
      }
      return again;
    });
  }

  // --- events ---

  createEvent(group: GroupRef, input: EventInput): Promise<EventView> {
    return this.run(() => this.app.createEvent(group, input));
  }

  editEvent(group: GroupRef, eventId: string, patch: Partial<EventInput>): Promise<EventView> {
    return this.run(async () => {
      const view = await this.app.editEvent(group, eventId, patch);
      await this.face.afterEventChange(group);
      return view;
    });
  }

  cancelEvent(group: GroupRef, eventId: string): Promise<void> {
    return this.run(async () => {
      await this.app.cancelEvent(group, eventId);
      await this.face.afterEventChange(group);
    });
  }

  cancelOccurrence(
    group: GroupRef,
    eventId: string,
    occurrence: string,
  ): Promise<{ occurrence: string; event: EventView }> {
    return this.run(async () => {
      const cancelled = await this.app.cancelOccurrence(group, eventId, occurrence);
      await this.face.afterEventChange(group);
      return cancelled;
    });
  }

  moveOccurrence(
    group: GroupRef,
    eventId: string,
    occurrence: string,
    to: { start: string; end?: string },
  ): Promise<{ occurrence: string; event: EventView }> {
    return this.run(async () => {
      const moved = await this.app.moveOccurrence(group, eventId, occurrence, to);
      await this.face.afterEventChange(group);
      return moved;
    });
  }

  rsvp(
    group: GroupRef,
    eventId: string,
    status: RsvpStatus,
    guests?: number,
    options: { occurrence?: string } = {},
  ): Promise<RsvpAnswer> {
    return this.run(async () => {
      const sent = await this.app.rsvp(group, eventId, status, guests ?? 0, options.occurrence);
      // A host's own answer never comes back from a relay as news: confirm its place right away.
      await this.groupsSvc
        .record(group)
        .then((rec) => sequencePlaces(this.groupsSvc, this.app, rec))
        .catch(() => undefined);
      return sent;
    });
  }

  async events(group?: GroupRef): Promise<(EventView & { group: GroupRef })[]> {
    const recs =
      group === undefined
        ? (await this.groupsSvc.records()).filter((r) => r.status !== "invited")
        : [await this.groupsSvc.record(group)];
    return this.app.events(recs);
  }

  async eventIcs(group: GroupRef, eventId?: string): Promise<string> {
    return this.app.eventIcs(await this.groupsSvc.record(group), eventId);
  }

  importIcs(group: GroupRef, ics: string): Promise<EventView[]> {
    return this.run(() => this.app.importIcs(group, ics));
  }

  // --- public face ---

  setPublicFace(
    group: GroupRef,
    input: PublicFaceInput | { off: true },
  ): Promise<{ npub: string; url: string }> {
    return this.run(() => this.face.setFace(group, input));
  }

  publishEvent(group: GroupRef, eventId: string): Promise<{ naddr: string; url: string }> {
    return this.run(() => this.face.publish(group, eventId));
  }

  unpublishEvent(group: GroupRef, eventId: string): Promise<void> {
    return this.run(() => this.face.unpublish(group, eventId));
  }

  publicFace(group: GroupRef): Promise<PublicFaceView | null> {
    return this.face.view(group);
  }

  eventAnswers(group: GroupRef, eventId: string): Promise<PublicAnswerView[]> {
    return this.face.answers(group, eventId);
  }

  decideAnswer(
    group: GroupRef,
    eventId: string,
    answerId: string,
    decision: "approved" | "refused",
  ): Promise<void> {
    return this.run(() => this.face.decide(group, eventId, answerId, decision));
  }

  // --- polls ---

  createPoll(
    group: GroupRef,
    input: { question: string; options: string[]; dates?: boolean; multiple?: boolean },
  ): Promise<PollView> {
    return this.run(() => this.app.createPoll(group, input));
  }

  vote(group: GroupRef, pollId: string, optionIds: string[]): Promise<void> {
    return this.run(() => this.app.vote(group, pollId, optionIds));
  }

  async polls(group: GroupRef): Promise<PollView[]> {
    return this.app.polls(await this.groupsSvc.record(group));
  }

  /** Releases connections, the store and the device lock's file. */
  async close(): Promise<void> {
    await this.syncer.stop();
    await this.core.transport.close();
    await this.core.store.close();
    this.core.deviceLock.close();
  }
}

/** A client over any store and WebSocket (tests, other hosts). */
export function createRallyClient(options: RallyOptions): Promise<Rally> {
  return Rally.open(options);
}
