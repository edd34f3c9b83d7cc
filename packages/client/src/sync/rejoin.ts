/**
 * Coming back into every group after losing every device (docs/PROTOCOL.md "Account backup").
 *
 * The recovered device's side: once, after `recover`, it empties the key package slots of the
 * person's other devices (they are lost, or seized: no later invitation may add them), reads the
 * account backup from the person's relays and, for each group listed, sends a rejoin request (its key package, signed as
 * the person) gift-wrapped to each admin the backup names other than the person, on their inbox
 * relays and the group's relays. The group shows as "rejoining" until the welcome that answers the
 * request (it carries `rejoinAnswer` over the request's secret nonce) is joined automatically.
 *
 * Every other device's side, each sync round: it reads rejoin requests among the gift wraps to its
 * person, and lets the device in when this device may — it is an admin of the group and a device
 * of another person (a device of the person asking is one they are recovering from: lost, or
 * seized) — and the person asking already has leaves in the group. The one commit adds the
 * new key package and removes the person's other leaves (the lost devices); members see "Alice's
 * device was restored".
 *
 * Runs in: Node and browsers. Called from the sync round, under `core.exclusive`.
 */
import { isAdmin, members as mlsMembers, parseKeyPackage } from "@rally/protocol/mls";
import { KIND_GIFT_WRAP, type PubkeyHex } from "@rally/protocol/nostr";
import {
  type BackupGroup,
  inboxRelaysFilter,
  openRejoinRequest,
  parseInboxRelaysEvent,
  parseKeyPackageEvent,
  type RejoinRequest,
  rejoinAnswer,
  wrapRejoinRequest,
} from "@rally/protocol/wire";
import type { NostrEvent } from "nostr-tools/core";
import { RECOVERED_NAME } from "../account/accountService.ts";
import type { GroupRecord } from "../group/groupRecord.ts";
import type { GroupService } from "../group/groupService.ts";
import type { JoinSent } from "../group/inviteLinks.ts";
import type { JoinRequestRecord } from "../group/joinRequests.ts";
import { loadState } from "../group/mlsStore.ts";
import { bytesToHex } from "../hex.ts";
import { Outbox } from "../net/outbox.ts";
import { keys } from "../store/keys.ts";
import type { WriteOp } from "../store/store.ts";
import { BACKUP_READ_KEY, backupOf, fetchBackup, publishBackup } from "./groupBackup.ts";

/** kv `rejoin/<group>`: a group this recovered device asked back into. */
export const rejoinKey = (group: string) => `rejoin/${group}`;
export const REJOIN_PREFIX = "rejoin/";
/** kv `rejoinask/<group>/<request>`: someone's rejoin request this device may answer. */
const askKey = (group: string, request: string) => `rejoinask/${group}/${request}`;
const ASK_PREFIX = "rejoinask/";
/** The `seen` collection of gift wraps read for rejoin requests. */
const SEEN = "rejoin";
const CURSOR = "rejoinread/cursor";
/** NIP-59 wraps carry a created_at up to two days in the past. */
const WRAP_SLACK_SECONDS = 3 * 24 * 3600;
/**
 * A request older than this is not answered: an old wrap published again must not swap a person's
 * current devices for a key package of a device they have since lost.
 */
export const REJOIN_MAX_AGE_SECONDS = 14 * 24 * 3600;
/** kv record of a device being linked (`deviceLinks.ts`): such a device is not a restored one. */
const LINKED_DEVICE_KEY = "devicejoin";
/** The link id join-request records carry for a rejoin (the welcome reads its answer there). */
const REJOIN_LINK = "rejoin";

export interface RejoinRecord {
  v: 1;
  group: BackupGroup;
  requestedAt: number;
  keyPackageEventId: string;
}

interface AskRecord {
  v: 1;
  group: string;
  request: RejoinRequest;
  receivedAt: number;
}

export const NO_BACKUP_NOTE =
  "No backup of your groups was found on your relays; groups come back when someone invites you again.";
export const OTHER_WORDS_NOTE =
  "A backup of your groups is on your relays, but it was made under other recovery words: it was ignored. Groups come back when someone invites you again.";

export class Rejoin {
  /** Plain-words notes of the last round (no backup, a backup under other words, how many asked). */
  notes: string[] = [];

  constructor(private readonly svc: GroupService) {}

  private get core() {
    return this.svc.core;
  }

  /** One round: ask back in (recovered device), answer others' requests, keep the backup current. */
  async process(): Promise<void> {
    this.notes = [];
    if (!this.core.secrets) return;
    await this.askBackIn();
    await this.readRequests();
    await this.answer();
    await this.tidy();
    const account = this.core.requireAccount();
    // A recovered device must read the old backup before it may replace it.
    if (!account.recovered || (await this.core.store.get(BACKUP_READ_KEY)) !== undefined) {
      const rejoining = (await this.waiting()).map((r) => r.group);
      await publishBackup(this.core, backupOf(this.core, await this.svc.records(), rejoining));
    }
  }

  /** Groups asked back into and not joined yet. */
  async waiting(): Promise<RejoinRecord[]> {
    const rows = await this.core.store.list<RejoinRecord>(REJOIN_PREFIX);
    const out: RejoinRecord[] = [];
    for (const r of rows) {
      if (!r.value?.group) continue;
      const rec = await this.core.store.get<GroupRecord>(keys.group(r.value.group.id));
      if (rec?.status !== "active") out.push(r.value);
    }
    return out;
  }

  // --- the recovered device ---

  private async askBackIn(): Promise<void> {
    const account = this.core.requireAccount();
    if (!account.recovered || (await this.core.store.get(BACKUP_READ_KEY)) !== undefined) return;
    // A device linked by another device of the person gets its account from the words too, but its
    // groups come from that device: asking back in would have admins retire the person's devices.
    // Only one that was answered (its joining record got the words); a link that went nowhere,
    // followed by `recover`, is a recovery.
    const joining = await this.core.store.get<{ state?: string }>(LINKED_DEVICE_KEY);
    if (joining?.state === "ready") {
      await this.core.store.batch([
        { op: "put", key: BACKUP_READ_KEY, value: { at: this.core.now(), linked: true } },
      ]);
      return;
    }
    const found = await fetchBackup(this.core);
    if (found.state === "unreachable") return; // next round
    // Every device of the person but this one is lost (or seized): their key packages go, so that
    // no later invitation adds them back — on the account's relays and on every relay the backup
    // names, which inviters read too. Once, with the backup read; no relay answering: next round.
    const backupRelays =
      found.state === "found"
        ? [...found.backup.relays, ...found.backup.groups.flatMap((g) => g.relays)]
        : [];
    try {
      await this.svc.account.keyPackages.withdraw(() => true, backupRelays);
    } catch {
      return;
    }
    const now = this.core.now();
    if (found.state !== "found") {
      this.notes.push(found.state === "none" ? NO_BACKUP_NOTE : OTHER_WORDS_NOTE);
      await this.core.store.batch([{ op: "put", key: BACKUP_READ_KEY, value: { at: now, found: false } }]);
      return;
    }
    const { backup } = found;
    const { secretKey } = this.core.requireSecrets();
    const kp = await this.svc.account.keyPackages.current();
    const me = account.pubkey;
    const groups = [];
    const noAdmin: string[] = [];
    for (const g of backup.groups) {
      const rec = await this.core.store.get<GroupRecord>(keys.group(g.id));
      if (rec?.status === "active") continue;
      // Only another person's admin device answers: with none, nobody could (PROTOCOL.md 17).
      if (g.admins.some((a) => a !== me)) groups.push(g);
      else noAdmin.push(g.name);
    }
    // Where each recipient reads gift wraps: their inbox relays (kind 10050), else the group's.
    // Admins other than the person: a device of the person's own that still answers is one of the
    // devices the person is recovering from — lost, or seized — and must not be the one to decide.
    const people = [...new Set(groups.flatMap((g) => g.admins))].filter((p) => p !== me);
    const lookIn = [...new Set([...account.relays, ...groups.flatMap((g) => g.relays)])];
    const inboxes = new Map<string, { relays: string[]; at: number }>();
    if (lookIn.length > 0 && people.length > 0) {
      const { events } = await this.core.transport.fetch(this.core.transport.anonymous, lookIn, [
        inboxRelaysFilter(people),
      ]);
      for (const e of events) {
        try {
          const parsed = parseInboxRelaysEvent(e);
          const had = inboxes.get(e.pubkey);
          if (!had || parsed.createdAt > had.at)
            inboxes.set(e.pubkey, { relays: parsed.relays, at: parsed.createdAt });
        } catch {
          // someone's malformed list: their group's relays serve instead
        }
      }
    }
    const ops: WriteOp[] = [];
    const nowMs = this.core.nowMs();
    for (const g of groups) {
      const nonce = bytesToHex(globalThis.crypto.getRandomValues(new Uint8Array(32)));
      const answer = rejoinAnswer(nonce, g.id, me, kp.eventId);
      const inbox = [...new Set([...account.relays, ...g.relays])].slice(0, 8);
      for (const to of new Set(g.admins.filter((a) => a !== me))) {
        const wrap = wrapRejoinRequest({
          group: g.id,
          personSecretKey: secretKey,
          keyPackageEvent: kp.event,
          inboxRelays: inbox,
          nonce,
          recipientPubkey: to,
          now,
        });
        const relays = [...new Set([...(inboxes.get(to)?.relays ?? []), ...g.relays])];
        ops.push(Outbox.prepare(wrap, relays, { label: `rejoin request ${g.id}`, now: nowMs }).op);
      }
      const sent: JoinSent = {
        linkPubkey: `rejoin-${g.id}`,
        name: g.name,
        relays: inbox,
        keyPackageEventId: kp.eventId,
        requestedAt: now,
        state: "waiting",
        groupId: null,
        answer,
      };
      const record: RejoinRecord = { v: 1, group: g, requestedAt: now, keyPackageEventId: kp.eventId };
      ops.push({ op: "put", key: keys.joinSent(sent.linkPubkey), value: sent });
      ops.push({ op: "put", key: rejoinKey(g.id), value: record });
    }
    let next = account;
    if (account.name === RECOVERED_NAME && backup.name) next = { ...account, name: backup.name };
    ops.push({ op: "put", key: BACKUP_READ_KEY, value: { at: now, found: true } });
    if (next !== account) ops.push({ op: "put", key: keys.account, value: next });
    await this.core.store.batch(ops);
    if (next !== account) {
      this.core.account = next;
      this.core.emit("account");
    }
    this.core.wakeOutbox();
    if (groups.length > 0) {
      this.notes.push(
        `Found a backup of ${groups.length} group(s) on your relays; asked their admins to let this device back in.`,
      );
    }
    if (noAdmin.length > 0) {
      this.notes.push(
        `Nobody but you is an admin of ${noAdmin.map((n) => `"${n}"`).join(", ")}, so nobody can let this device back in there: link it from a device still in the group (rally device link), or ask a member to invite you again once someone is an admin.`,
      );
    }
    this.core.emit("groups");
  }

  /** Forgets rejoin records of groups joined since. */
  private async tidy(): Promise<void> {
    const ops: WriteOp[] = [];
    for (const r of await this.core.store.list<RejoinRecord>(REJOIN_PREFIX)) {
      if (!r.value?.group) continue;
      const rec = await this.core.store.get<GroupRecord>(keys.group(r.value.group.id));
      if (rec?.status === "active") ops.push({ op: "delete", key: r.key });
    }
    if (ops.length > 0) await this.core.store.batch(ops);
  }

  // --- the devices that let it back in ---

  /** Reads new rejoin requests among the gift wraps to the person; keeps those this device may answer. */
  private async readRequests(): Promise<void> {
    const account = this.core.requireAccount();
    const { secretKey } = this.core.requireSecrets();
    const cursor = await this.core.store.get<number>(CURSOR);
    const started = this.core.now();
    const filter: { kinds: number[]; "#p": string[]; since?: number } = {
      kinds: [KIND_GIFT_WRAP],
      "#p": [account.pubkey],
    };
    if (cursor !== undefined) filter.since = Math.max(0, cursor - WRAP_SLACK_SECONDS);
    const { events, report } = await this.core.transport.fetch(this.core.transport.identity, account.relays, [
      filter,
    ]);
    const seen = await this.core.store.seen(
      SEEN,
      events.map((e) => e.id),
    );
    const ops: WriteOp[] = [];
    const ids: string[] = [];
    for (const wrap of events as NostrEvent[]) {
      if (seen.has(wrap.id)) continue;
      ids.push(wrap.id);
      let req: RejoinRequest;
      try {
        req = openRejoinRequest(wrap, secretKey);
      } catch {
        continue; // a welcome, someone else's kind of wrap, or forged: not ours to answer
      }
      if (req.requestedAt < started - REJOIN_MAX_AGE_SECONDS) continue;
      const rec = await this.core.store.get<GroupRecord>(keys.group(req.group));
      if (rec?.status !== "active") continue;
      const ask: AskRecord = { v: 1, group: req.group, request: req, receivedAt: started };
      ops.push({ op: "put", key: askKey(req.group, req.requestId), value: ask });
    }
    if (ids.length > 0) ops.push({ op: "markSeen", group: SEEN, ids, at: started });
    if (report.any) ops.push({ op: "put", key: CURSOR, value: started });
    if (ops.length > 0) await this.core.store.batch(ops);
  }

  /**
   * Lets in each kept request this device may answer: an Add of the new key package and the
   * removal of the person's other leaves, in one commit. A request stays until its device is in
   * the group (another admin may have let it in first) or it cannot be answered here.
   */
  private async answer(): Promise<void> {
    const me = this.svc.me();
    const done = new Set<string>();
    for (const row of await this.core.store.list<AskRecord>(ASK_PREFIX)) {
      const ask = row.value;
      const req = ask.request;
      const rec = await this.core.store.get<GroupRecord>(keys.group(ask.group));
      const drop = async () => this.core.store.batch([{ op: "delete", key: row.key }]);
      if (rec?.status !== "active") {
        await drop();
        continue;
      }
      const state = await loadState(this.core.store, rec.id);
      // Only a person the group has comes back this way; anyone new is an admin's invitation.
      const theirs = mlsMembers(state).find((m) => m.pubkey === req.person);
      // Only another person's admin device answers. A device of the person asking is one of the
      // devices they are recovering from: were it seized, it would let the new device in and keep
      // its own leaf (nobody can commit their own removal), and the person would think it gone.
      if (!theirs || me === req.person || !isAdmin(state, me as PubkeyHex)) {
        await drop();
        continue;
      }
      let device: string;
      try {
        device = (await parseKeyPackage(parseKeyPackageEvent(req.keyPackageEvent).keyPackage))
          .signaturePublicKey;
      } catch {
        await drop();
        continue;
      }
      if (theirs.devices.some((d) => d.signaturePublicKey === device)) {
        await drop(); // let in already (by us or another admin)
        continue;
      }
      // One commit per group and round; a group busy with another change waits for the next round.
      if (rec.pending || done.has(rec.id)) continue;
      // A request answered late — read from a relay long after, or replayed — may be from a device
      // the person has since lost again and recovered from: that recovery emptied its key package
      // slot. Only a key package still the newest of its slot is let in.
      const current = await this.stillPublished(req, device, rec.relays);
      if (current === "unreachable") continue;
      if (!current) {
        await drop();
        continue;
      }
      const retire = theirs.devices.map((d) => d.signaturePublicKey);
      const via = { link: REJOIN_LINK, request: req.requestId };
      const answerRecord: JoinRequestRecord = {
        id: req.requestId,
        link: REJOIN_LINK,
        joiner: req.person,
        name: "",
        keyPackageEvent: req.keyPackageEvent,
        inbox: req.inboxRelays,
        requestedAt: req.requestedAt,
        state: "added",
        auto: false,
        answer: rejoinAnswer(req.nonce, rec.id, req.person, req.keyPackage.eventId),
      };
      // The welcome reads its answer from this record (`welcomeAnswer`): it is written first.
      await this.core.store.batch([
        { op: "put", key: keys.joinRequest(rec.id, req.requestId), value: answerRecord },
      ]);
      try {
        await this.svc.propose(rec.id, {
          type: "add",
          invitees: [
            { pubkey: req.person, keyPackageEvent: req.keyPackageEvent, inbox: req.inboxRelays, via },
          ],
          retire,
        });
        done.add(rec.id);
      } catch {
        // The group changed under us, or a rule refused it: tried again next round.
      }
    }
  }

  /**
   * Whether the device of a rejoin request still publishes in its key package slot, on the
   * person's relays and the group's: every newer event there is a key package of the same device
   * (it rotates one after each welcome). An emptied slot — the person recovered again, or revoked
   * the device — or another device's key package means it is gone.
   */
  private async stillPublished(
    req: RejoinRequest,
    device: string,
    groupRelays: readonly string[],
  ): Promise<boolean | "unreachable"> {
    const kp = req.keyPackageEvent;
    const slot = kp.tags.find((t) => t[0] === "d")?.[1];
    if (typeof slot !== "string") return false;
    const relays = [...new Set([...req.inboxRelays, ...groupRelays])];
    const { events, report } = await this.core.transport.fetch(this.core.transport.anonymous, relays, [
      { kinds: [kp.kind], authors: [req.person], "#d": [slot] },
    ]);
    if (!report.any) return "unreachable";
    for (const e of events) {
      if (e.id === kp.id || e.created_at < kp.created_at) continue;
      try {
        if ((await parseKeyPackage(parseKeyPackageEvent(e).keyPackage)).signaturePublicKey !== device)
          return false;
      } catch {
        return false; // emptied (or unreadable): the device is gone
      }
    }
    return true;
  }
}
