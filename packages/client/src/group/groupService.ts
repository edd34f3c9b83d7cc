/**
 * The group service (DESIGN.md "How data flows"): creates groups, sends inner messages, and makes
 * the commits that change a group — adding people, removing them, changing the group data,
 * committing others' requests to leave — after Marmot MIP-02/03 with Rally's transport:
 *
 * 1. The commit is built on the current state; the state it leads to is kept *beside* the current
 *    one (pending), and the kind 445 event carrying it goes to every group relay through the
 *    durable outbox — state and outbox entry in one atomic write.
 * 2. When a later fetch finds the commit stored on a relay and no earlier commit for the same epoch
 *    (the engine's ordering rule: earliest created_at, then lowest id), the pending state becomes
 *    the current one and only then are the welcomes queued (gift-wrapped to each invitee's inbox
 *    relays): an invitee never joins a state that might lose.
 * 3. If another commit for that epoch wins, the pending state is dropped, the winner is applied,
 *    and the change is proposed again on top of it (`receive.ts`).
 *
 * The caller holds `core.exclusive` around every method that changes state.
 *
 * Runs in: Node and browsers.
 */

import {
  type Rumor as AppRumor,
  clipUtf8,
  hasMsTag,
  nextStamp,
  RALLY_INNER_KINDS,
  rumorMs,
  type Stamp,
  withMs,
} from "@rally/protocol/app";
import {
  type CommitOutput,
  commitPendingProposals,
  createGroup,
  encrypt,
  type GroupState,
  groupData,
  groupId,
  isMlsEngineError,
  MAX_DEVICES_PER_PERSON,
  members as mlsMembers,
  parseKeyPackage,
  proposeLeave,
  removeDevices,
  removeMembers,
  selfUpdate,
  updateGroupData,
  type Welcome,
} from "@rally/protocol/mls";
import { KIND_INBOX_RELAYS, KIND_KEY_PACKAGE } from "@rally/protocol/nostr";
import {
  encodeInnerRumor,
  inboxRelaysFilter,
  keyPackageFilter,
  MAX_INVITER_NAME_BYTES,
  MarmotError,
  parseInboxRelaysEvent,
  parseKeyPackageEvent,
  sealRatchetTree,
  wrapGroupMessage,
  wrapWelcome,
} from "@rally/protocol/wire";
import type { NostrEvent } from "nostr-tools/core";
import type { AccountService } from "../account/accountService.ts";
import type { Device } from "../device.ts";
import { asRallyError, rallyError } from "../errors.ts";
import { Outbox } from "../net/outbox.ts";
import { keys } from "../store/keys.ts";
import type { WriteOp } from "../store/store.ts";
import { fitAdd, TreeTooWide } from "./addBatches.ts";
import { filedAt, type RumorEnvelope, storedRumorOf, withFloor } from "./appViews.ts";
import { changeKindsOf } from "./changeKinds.ts";
import {
  type GroupRecord,
  type Intent,
  type Invitee,
  isLive,
  type PendingCommit,
  withEpochKey,
} from "./groupRecord.ts";
import { welcomeAnswer } from "./joinRequests.ts";
import {
  dropPendingOps,
  dropStateOps,
  epochKey,
  loadState,
  pendingStateOps,
  secretOf,
  stateOps,
} from "./mlsStore.ts";
import { leftNoticeOps } from "./notices.ts";
import { owedAfterAdd, type UnusableDevice, unusableWords } from "./owedAddsRecord.ts";
import { shortNpub, toNpub } from "./people.ts";

/** Why a device beyond the most a person may have in a group is not added. */
export const TOO_MANY_DEVICES = `too many devices (a person may have at most ${MAX_DEVICES_PER_PERSON} in a group)`;

export class GroupService {
  /**
   * At most this many devices in one add commit, below what fits a relay (addBatches.ts); for
   * checking that the devices left over are added by the following commits.
   */
  addLimit: number | undefined = undefined;

  constructor(
    readonly core: Device,
    readonly account: AccountService,
  ) {}

  // --- records ---

  async records(): Promise<GroupRecord[]> {
    const rows = await this.core.store.list<GroupRecord>(keys.groupPrefix);
    return rows.map((r) => r.value);
  }

  async record(id: string): Promise<GroupRecord> {
    const rec = await this.core.store.get<GroupRecord>(keys.group(id));
    if (!rec) throw rallyError("unknown-group", `There is no group "${id}" on this device.`);
    return rec;
  }

  /** An active group (the only kind one can change or send to). */
  async activeRecord(id: string): Promise<GroupRecord> {
    const rec = await this.record(id);
    if (rec.status === "invited") {
      throw rallyError(
        "not-member",
        `You have not accepted the invitation to "${rec.name}" yet (rally invites).`,
      );
    }
    if (rec.status !== "active") {
      const why = rec.status === "removed" ? "you were removed from it" : "you left it";
      throw rallyError("not-member", `You are no longer in "${rec.name}": ${why}.`);
    }
    return rec;
  }

  putRecord(rec: GroupRecord): WriteOp {
    return { op: "put", key: keys.group(rec.id), value: rec };
  }

  me(): string {
    return this.core.requireAccount().pubkey;
  }

  /**
   * The record brought up to date with a state's group data, members and epoch keys. `since`: when
   * the state's epoch began (see EpochKey); without it, what the record knew of that epoch stays.
   */
  async refreshed(rec: GroupRecord, state: GroupState, since?: number): Promise<GroupRecord> {
    const data = groupData(state);
    const fresh = await epochKey(state);
    const began = since ?? rec.keys.find((k) => k.epoch === fresh.epoch)?.since;
    const key = began === undefined ? fresh : { ...fresh, since: began };
    const members = mlsMembers(state).map((m) => m.pubkey);
    // The admin set is always admins ∩ members: a removed admin's entry lingers in the group data
    // until the next data change (ts-mls cannot carry both in one commit) and grants nothing.
    const present = new Set(members);
    const admins = data.admins.filter((a) => present.has(a)).sort();
    return {
      ...rec,
      name: data.name,
      description: data.description,
      admins,
      relays: data.relays.length > 0 ? data.relays : rec.relays,
      disappearAfter: data.disappearAfter ?? null,
      members,
      epoch: key.epoch,
      keys: withEpochKey(rec.keys, key),
      adminsByEpoch: { ...rec.adminsByEpoch, [String(key.epoch)]: admins },
    };
  }

  // --- creating ---

  async create(input: { name: string; description?: string; relays?: string[] }): Promise<GroupRecord> {
    const account = this.core.requireAccount();
    const device = await this.account.keyPackages.identity();
    const relays = input.relays && input.relays.length > 0 ? input.relays : account.relays;
    let state: GroupState;
    try {
      state = await createGroup(device, {
        name: input.name.trim(),
        description: input.description ?? "",
        relays,
      });
    } catch (e) {
      throw asRallyError(e, "bad-input");
    }
    const now = this.core.now();
    const base: GroupRecord = {
      v: 1,
      id: groupId(state),
      status: "active",
      name: "",
      description: "",
      admins: [],
      relays,
      members: [],
      epoch: 0,
      keys: [],
      adminsByEpoch: {},
      removedAt: {},
      joinedAt: now,
      lastActivity: now,
      lastRead: now,
      pending: null,
      invite: null,
      endedAt: null,
    };
    const rec = await this.refreshed(base, state, now);
    await this.core.store.batch([...stateOps(rec.id, state, "all"), this.putRecord(rec)]);
    this.core.emit("groups", rec.id);
    return rec;
  }

  // --- sending inner messages ---

  /**
   * Encrypts one inner message for the group and queues it. The rumor is stamped first with the
   * milliseconds within its second (`ms` tag, protocol order.ts), never at or below this device's
   * last stamp, so what one device sends keeps its order even within one millisecond; a rumor that
   * already carries the tag is sent as it is. Returns the kind 445 event id and the rumor as sent
   * (its id changes with the tag).
   */
  async sendRumor(id: string, built: AppRumor): Promise<{ eventId: string; rumor: AppRumor }> {
    const rec = await this.activeRecord(id);
    const { rumor, stamp } = await this.stamped(built);
    const state = await loadState(this.core.store, id);
    const key = rec.keys[0];
    if (!key) throw rallyError("internal", "This group has no keys for its current state.");
    let out: Awaited<ReturnType<typeof encrypt>>;
    try {
      out = await encrypt(state, encodeInnerRumor(rumor, RALLY_INNER_KINDS));
    } catch (e) {
      throw asRallyError(e, "bad-input");
    }
    const now = this.core.now();
    // Disappearing messages: relays drop the message when the timer runs out (NIP-40).
    const timer = rec.disappearAfter ?? null;
    const event = wrapGroupMessage({
      exporterSecret: secretOf(key),
      mlsMessage: out.message,
      now,
      ...(timer === null ? {} : { expiration: now + timer }),
    });
    // Filed no earlier than the current epoch began, as every other device files it.
    const envelope: RumorEnvelope = withFloor({ r: rumor, e: rec.epoch, o: event.id }, key.since);
    const ops: WriteOp[] = [
      ...stateOps(id, out.state, out.persist),
      { op: "putRumor", rumor: storedRumorOf(id, envelope) },
      ...(stamp ? [{ op: "put" as const, key: keys.lastStamp, value: stamp }] : []),
      { op: "markSeen", group: id, ids: [event.id], at: this.core.now() },
      Outbox.prepare(event, rec.relays, { label: `group ${id}`, now: this.core.nowMs() }).op,
      this.putRecord({ ...rec, lastActivity: Math.max(rec.lastActivity ?? 0, filedAt(envelope)) }),
    ];
    await this.core.store.batch(ops);
    this.core.wakeOutbox();
    for (const change of changeKindsOf([rumor.kind])) this.core.emit(change, id);
    return { eventId: event.id, rumor };
  }

  /** The rumor with its `ms` tag, and the stamp to remember (none when it came with a tag). */
  private async stamped(rumor: AppRumor): Promise<{ rumor: AppRumor; stamp: Stamp | null }> {
    if (hasMsTag(rumor)) return { rumor, stamp: null };
    const last = await this.core.store.get<Stamp>(keys.lastStamp);
    const known = last && Number.isSafeInteger(last.created_at) && Number.isInteger(last.ms) ? last : null;
    const stamp = nextStamp(rumor.created_at, this.core.nowMs(), known);
    const out = withMs(rumor, stamp.ms);
    // Kept only when it moves forward: a rumor dated in the past must not pull the stamp back.
    const keep =
      known === null ||
      out.created_at > known.created_at ||
      (out.created_at === known.created_at && rumorMs(out) > known.ms);
    return { rumor: out, stamp: keep ? stamp : null };
  }

  // --- commits ---

  /**
   * Finds a person's devices to add: the newest valid key package of each of their slots (one slot
   * per device) on the group's and our relays, leaving out devices already in the group, with their
   * inbox relays. Empty when every device they publish is already a member.
   */
  async fetchInvitees(rec: GroupRecord, pubkey: string): Promise<Invitee[]> {
    return (await this.findDevices(rec, pubkey)).invitees;
  }

  /**
   * `fetchInvitees`, and besides the devices that cannot be added: a slot whose key packages all
   * fail to read, are signed for another account or have expired (a device not in the group).
   */
  async findDevices(
    rec: GroupRecord,
    pubkey: string,
  ): Promise<{ invitees: Invitee[]; unusable: UnusableDevice[] }> {
    const relays = [...new Set([...rec.relays, ...this.core.requireAccount().relays])];
    const { events, report } = await this.core.transport.fetch(this.core.transport.anonymous, relays, [
      keyPackageFilter([pubkey]),
      inboxRelaysFilter([pubkey]),
    ]);
    if (!report.any) {
      throw rallyError(
        "unreachable",
        `Could not reach any relay (${relays.join(", ")}) to find ${shortNpub(pubkey)}. Check that a relay is running, then try again.`,
      );
    }
    const inGroup = new Set(
      mlsMembers(await loadState(this.core.store, rec.id))
        .filter((m) => m.pubkey === pubkey)
        .flatMap((m) => m.devices.map((d) => d.signaturePublicKey)),
    );
    const bySlot = new Map<string, { event: NostrEvent; createdAt: number; device: string }>();
    // Per slot (per event when even the slot cannot be read): why its newest key package failed.
    const failed = new Map<string, { createdAt: number; reason: string }>();
    const okSlots = new Set<string>();
    const fail = (slot: string, createdAt: number, reason: string) => {
      const seen = failed.get(slot);
      if (!seen || createdAt > seen.createdAt) failed.set(slot, { createdAt, reason });
    };
    // The newest event of each slot, empty or not, across every relay: a device that was revoked
    // had its slot emptied by a newer event (`KeyPackages.withdraw`), and a relay that
    // missed it still serves the old key package, which must not bring the device back.
    const newest = new Map<string, number>();
    const emptied = new Set<string>();
    for (const e of events) {
      if (e.pubkey !== pubkey || e.kind !== KIND_KEY_PACKAGE) continue;
      const slot = e.tags.find((t) => t[0] === "d")?.[1];
      if (typeof slot !== "string") continue;
      if (e.created_at > (newest.get(slot) ?? -1)) newest.set(slot, e.created_at);
      if (e.content === "") emptied.add(`${slot}:${e.created_at}`);
    }
    let inbox: string[] | undefined;
    let inboxAt = -1;
    for (const e of events) {
      if (e.pubkey !== pubkey) continue;
      if (e.kind === KIND_KEY_PACKAGE && e.content === "") continue; // an emptied slot: nothing to add
      if (e.kind === KIND_INBOX_RELAYS) {
        try {
          const parsed = parseInboxRelaysEvent(e);
          if (parsed.createdAt > inboxAt) {
            inbox = parsed.relays;
            inboxAt = parsed.createdAt;
          }
        } catch {
          // a malformed relay list: another may be fine
        }
        continue;
      }
      let kp: ReturnType<typeof parseKeyPackageEvent>;
      try {
        kp = parseKeyPackageEvent(e);
      } catch {
        fail(`event ${e.id}`, e.created_at, "its key package event could not be read");
        continue;
      }
      // Replaced since, or emptied in the same second (an empty event wins a tie: withdrawing is final).
      if (kp.createdAt < (newest.get(kp.slot) ?? kp.createdAt) || emptied.has(`${kp.slot}:${kp.createdAt}`))
        continue;
      try {
        const info = await parseKeyPackage(kp.keyPackage);
        if (info.pubkey !== pubkey) {
          // a key package must bind its author's own key
          fail(kp.slot, kp.createdAt, "its key package is signed for another account");
          continue;
        }
        if (info.notAfter < this.core.now()) {
          // An old key package of a device that is in the group already is no loss.
          if (inGroup.has(info.signaturePublicKey)) okSlots.add(kp.slot);
          else fail(kp.slot, kp.createdAt, "its key package has expired");
          continue;
        }
        const best = bySlot.get(kp.slot);
        if (!best || kp.createdAt > best.createdAt) {
          bySlot.set(kp.slot, { event: e, createdAt: kp.createdAt, device: info.signaturePublicKey });
        }
      } catch {
        fail(kp.slot, kp.createdAt, "its key package could not be read or verified");
      }
    }
    // A slot with a usable key package is fine whatever its older ones were.
    const unusable: UnusableDevice[] = [...failed]
      .filter(([slot]) => !bySlot.has(slot) && !okSlots.has(slot))
      .map(([, f]) => ({ pubkey, reason: f.reason }));
    const devices = new Set<string>();
    const out: Invitee[] = [];
    // As many devices as a person may have in a group (the limit a member adding their own devices
    // keeps to, permissions.ts), the newest first: the others are named as not added.
    const room = Math.max(0, MAX_DEVICES_PER_PERSON - inGroup.size);
    for (const found of [...bySlot.values()].sort((a, b) => b.createdAt - a.createdAt)) {
      if (inGroup.has(found.device) || devices.has(found.device)) continue;
      devices.add(found.device);
      if (out.length >= room) {
        unusable.push({ pubkey, reason: TOO_MANY_DEVICES });
        continue;
      }
      out.push({
        pubkey,
        keyPackageEvent: found.event,
        inbox: inbox ?? parseKeyPackageEvent(found.event).relays,
      });
    }
    if (out.length === 0 && inGroup.size === 0) {
      if (unusable.length > 0) {
        throw rallyError(
          "no-key-package",
          `${toNpub(pubkey)} cannot be added: none of their devices' key packages on ${relays.join(", ")} can be used (${unusableWords(unusable)}). Ask them to open Rally or run "rally sync" so their devices publish new ones, then try again.`,
        );
      }
      throw rallyError(
        "no-key-package",
        `${toNpub(pubkey)} has no Rally account on ${relays.join(", ")} yet. Ask them to create one with one of these relays (rally account create --relay …) and try again.`,
      );
    }
    return { invitees: out, unusable };
  }

  /**
   * Builds the commit for `intent` on the current state and queues it; the welcomes wait in the
   * pending record until the commit wins. Throws when another commit of ours is still unsettled.
   *
   * An add takes as many of its invitees, in order, as fit one commit (addBatches.ts): the pending
   * record's intent names those it took. The rest are kept on disk in the same write (owedAdds.ts)
   * and added by the next commits; devices that asked through an invite link are retried by their
   * join requests instead (inviteLinks.ts).
   */
  async propose(id: string, wanted: Intent): Promise<PendingCommit> {
    let intent = wanted;
    let rec = await this.activeRecord(id);
    let unsent = false;
    if (rec.pending) {
      // Every relay refused the earlier commit for good: it will never settle, so forget it.
      const entry = await this.core.transport.outbox.get(rec.pending.eventId);
      if (entry?.state === "failed") {
        rec = { ...rec, pending: null };
        await this.core.store.batch([...dropPendingOps(id), this.putRecord(rec)]);
      }
      unsent = entry?.state === "pending";
    }
    if (rec.pending) {
      // The caller holds the device lock, so no other command is changing this group right now: the
      // earlier change is either still in the outbox, or on a relay and not yet read back.
      throw rallyError(
        "forbidden",
        unsent
          ? `An earlier change to "${rec.name}" has not reached a relay yet. Run "rally sync" when a relay is reachable, then try again.`
          : `An earlier change to "${rec.name}" reached a relay but is not confirmed yet. Run "rally sync", then try again.`,
      );
    }
    const { secretKey } = this.core.requireSecrets();
    const state = await loadState(this.core.store, id);
    const key = rec.keys[0];
    if (!key) throw rallyError("internal", "This group has no keys for its current state.");
    const now = this.core.now();
    let out: CommitOutput & { welcomes?: Welcome[]; ratchetTree?: Uint8Array };
    let inline = true;
    try {
      switch (intent.type) {
        case "add": {
          const packages = intent.invitees.map((i) => parseKeyPackageEvent(i.keyPackageEvent).keyPackage);
          const fitted = await fitAdd(state, packages, {
            members: mlsMembers(state).reduce((n, m) => n + m.devices.length, 0),
            relays: rec.relays,
            ...(intent.retire ? { retire: intent.retire } : {}),
            ...(this.addLimit !== undefined ? { limit: this.addLimit } : {}),
          });
          inline = fitted.inline;
          out = fitted.out;
          if (fitted.count < intent.invitees.length)
            intent = { ...intent, invitees: intent.invitees.slice(0, fitted.count) };
          break;
        }
        case "update":
          out = await selfUpdate(state);
          break;
        case "remove":
          out = await removeMembers(state, intent.pubkeys as Parameters<typeof removeMembers>[1]);
          break;
        case "removeDevices":
          out = await removeDevices(state, intent.devices);
          break;
        case "data":
          out = await updateGroupData(state, intent.patch as Parameters<typeof updateGroupData>[1]);
          break;
        case "proposals":
          out = await commitPendingProposals(state);
          break;
      }
    } catch (e) {
      if (e instanceof TreeTooWide) {
        throw rallyError(
          "forbidden",
          `"${rec.name}" cannot take more people right now: its newest members have not updated their keys yet, and until they do a removal would be too large for the relays (${e.pathCommitBytes} bytes). Their devices do this by themselves when they next sync; try again later.`,
        );
      }
      if (isMlsEngineError(e, "not-admin")) {
        throw rallyError("not-admin", `Only an admin of "${rec.name}" can do that. ${e.message}`);
      }
      throw asRallyError(e, "bad-input");
    }
    const commitEvent = wrapGroupMessage({ exporterSecret: secretOf(key), mlsMessage: out.commit, now });
    const welcomes: PendingCommit["welcomes"] = [];
    let treeChunks: NostrEvent[] = [];
    if (intent.type === "add" && out.welcomes) {
      const tree = !inline && out.ratchetTree ? sealRatchetTree({ tree: out.ratchetTree, now }) : undefined;
      treeChunks = tree?.events ?? [];
      const byRef = new Map<string, Invitee>();
      for (const i of intent.invitees) {
        byRef.set((await parseKeyPackage(parseKeyPackageEvent(i.keyPackageEvent).keyPackage)).ref, i);
      }
      for (const w of out.welcomes) {
        const invitee = byRef.get(w.keyPackageRef);
        if (!invitee) continue;
        // A welcome answering a join request proves it (inviteLinks.ts); the name lets the invitee
        // see who invited them without fetching anything.
        const answer = invitee.via ? await welcomeAnswer(this.core.store, id, invitee.via) : undefined;
        const wrap = wrapWelcome({
          welcome: w.welcome,
          keyPackageEventId: invitee.keyPackageEvent.id,
          relays: rec.relays,
          ...(tree ? { ratchetTree: tree.ref } : {}),
          ...(answer ? { answer } : {}),
          // A name may be 100 characters; a welcome carries at most 100 bytes of it.
          ...(this.core.account?.name
            ? { inviterName: clipUtf8(this.core.account.name, MAX_INVITER_NAME_BYTES) }
            : {}),
          inviterSecretKey: secretKey,
          inviteePubkey: w.pubkey,
          now,
        });
        welcomes.push({ event: wrap, relays: invitee.inbox, pubkey: w.pubkey });
      }
    }
    const owedOps =
      intent.type === "add" && wanted.type === "add"
        ? await owedAfterAdd(
            this.core.store,
            id,
            intent.invitees,
            wanted.invitees.slice(intent.invitees.length),
          )
        : [];
    const pending: PendingCommit = {
      eventId: commitEvent.id,
      createdAt: now,
      baseEpoch: rec.epoch,
      intent,
      welcomes,
      treeChunks,
    };
    await this.core.store.batch([
      ...pendingStateOps(id, out.state),
      this.putRecord({ ...rec, pending }),
      ...owedOps,
      Outbox.prepare(commitEvent, rec.relays, { label: `group ${id} commit`, now: this.core.nowMs() }).op,
    ]);
    this.core.wakeOutbox();
    return pending;
  }

  /** Outbox writes that send a won commit's ratchet tree and welcomes (welcomes after the tree). */
  welcomeOps(rec: GroupRecord, pending: PendingCommit): WriteOp[] {
    const nowMs = this.core.nowMs();
    const ops: WriteOp[] = [];
    const chunkIds: string[] = [];
    for (const chunk of pending.treeChunks) {
      ops.push(Outbox.prepare(chunk, rec.relays, { label: `group ${rec.id} tree`, now: nowMs }).op);
      chunkIds.push(chunk.id);
    }
    for (const w of pending.welcomes) {
      ops.push(
        Outbox.prepare(w.event, w.relays, {
          label: `welcome ${w.pubkey}`,
          after: [pending.eventId, ...chunkIds],
          now: nowMs,
        }).op,
      );
    }
    return ops;
  }

  /** Leaves a group: a request to be removed (committed by another member), then forgets its keys. */
  async leave(id: string): Promise<void> {
    const rec = await this.record(id);
    if (rec.status === "left" || rec.status === "removed") return;
    if (rec.status === "active" || rec.status === "invited") {
      try {
        const state = await loadState(this.core.store, id);
        const key = rec.keys[0];
        if (key && rec.members.length > 1) {
          const { proposal } = await proposeLeave(state);
          const event = wrapGroupMessage({
            exporterSecret: secretOf(key),
            mlsMessage: proposal,
            now: this.core.now(),
          });
          await this.core.store.batch([
            Outbox.prepare(event, rec.relays, { label: `group ${id} leave`, now: this.core.nowMs() }).op,
            { op: "markSeen", group: id, ids: [event.id], at: this.core.now() },
          ]);
        }
      } catch (e) {
        if (!(e instanceof MarmotError) && !isMlsEngineError(e)) throw asRallyError(e);
      }
    }
    await this.core.store.batch([
      ...dropStateOps(id),
      ...leftNoticeOps({ group: id, me: this.me(), epoch: rec.epoch, at: this.core.now() }),
      this.putRecord({ ...rec, status: "left", keys: [], pending: null, endedAt: this.core.now() }),
    ]);
    this.core.wakeOutbox();
    this.core.emit("groups", id);
  }

  /** A group by id, or by a unique name (case-insensitive); lists ids when a name is ambiguous. */
  async resolve(ref: string): Promise<GroupRecord> {
    const text = ref.trim();
    const all = (await this.records()).filter((r) => r.status !== "invited" || r.id === text);
    const byId = all.find((r) => r.id === text.toLowerCase());
    if (byId) return byId;
    const prefixed = /^[0-9a-f]{8,}$/i.test(text)
      ? all.filter((r) => r.id.startsWith(text.toLowerCase()))
      : [];
    if (prefixed.length === 1) return prefixed[0]!;
    const named = all.filter((r) => r.name.toLowerCase() === text.toLowerCase());
    const live = named.filter(isLive);
    const candidates = live.length > 0 ? live : named;
    if (candidates.length === 1) return candidates[0]!;
    if (candidates.length > 1) {
      throw rallyError(
        "ambiguous-group",
        `More than one group is called "${text}": use its id instead — ${candidates.map((r) => `${r.id} (${r.members.length} members)`).join(", ")}.`,
      );
    }
    throw rallyError(
      "unknown-group",
      `There is no group "${text}" on this device. "rally group list" shows your groups.`,
    );
  }
}
