/**
 * Invite links (docs/PROTOCOL.md "Invite links"; issue 5). The admin side keeps each link's secret
 * key with the group on the device that made it; the secret itself travels only in the URL's
 * fragment. A joiner gift-wraps a join request (their name, their signed key package, where their
 * welcome should go, and a proof that they hold the whole link) to the link's one-time key, so
 * the relay sees neither who asks nor which group. Whenever an admin device syncs, it reads the
 * requests over a connection authenticated as the link key (never as the admin), and either adds
 * the joiner at once or, for links that need approval, keeps them in `pendingJoins`.
 *
 * Limits that must hold whatever the number of admin devices (security review F12):
 * - A link with a number of uses admits only on the device that made it. Counting uses is a
 *   sequencing problem; one device is the only sequencer that needs no agreement, and any other
 *   scheme lets each admin device spend the uses again before it hears of the others' adds.
 *   Links without a limit are admitted by whichever admin device is online.
 * - Expiry is judged on the admitting device's own clock, with only a clock-skew grace: the
 *   request's time is chosen by the joiner.
 * - A person the group removed (or who left) waits for an admin's approval, even on a link that
 *   lets people in without asking.
 * - Links are shared only by current admins who are members, in the current epoch; when an admin
 *   is removed or demoted, every link they knew is revoked on the remaining admins' devices
 *   (`linksAfterAdminChange`).
 * - The welcome that answers a request carries `joinAnswer` over the request's nonce, so the
 *   joiner's device takes no other welcome for its pending request.
 *
 * Runs in: Node and browsers. Writers run under `core.exclusive`.
 */

import { clipUtf8, KIND_SEALED, makeRumor, type Rumor, sealRumor, unsealRumor } from "@rally/protocol/app";
import {
  createInviteLink,
  encodeInviteLink,
  type InviteLink,
  inviteLinkUrl,
  JOIN_NONCE_BYTES,
  JOIN_REQUEST_GRACE_SECONDS,
  type JoinRequest,
  joinAnswer,
  joinRequestFilter,
  MAX_JOINER_NAME_BYTES,
  openJoinRequest,
  parseInviteLink,
  wrapJoinRequest,
} from "@rally/protocol/wire";
import type { NostrEvent } from "nostr-tools/core";
import { getPublicKey } from "nostr-tools/pure";
import type { InviteLinkInfo, InviteLinkOptions, JoinState, PendingJoin } from "../api.ts";
import { asRallyError, rallyError } from "../errors.ts";
import { bytesToHex, hexToBytes } from "../hex.ts";
import { Outbox } from "../net/outbox.ts";
import { keys } from "../store/keys.ts";
import type { WriteOp } from "../store/store.ts";
import type { GroupRecord, Invitee } from "./groupRecord.ts";
import type { GroupService } from "./groupService.ts";
import type { JoinRequestRecord } from "./joinRequests.ts";

/** An Add carries the whole key package (~374 B): 300 of them keep a commit under the 131,068-byte
 * limit of a kind 445 message (measured by bench/mls/limits.ts: 111,727 B for 300). */
const MAX_ADDS_PER_COMMIT = 300;

/** What this device sent through an invite link and is waiting for. */
export interface JoinSent {
  linkPubkey: string;
  name: string | null;
  relays: string[];
  keyPackageEventId: string;
  requestedAt: number;
  state: "waiting" | "joined";
  groupId: string | null;
  /**
   * The answer an admin's welcome must carry (`joinAnswer` over the request's nonce). Requests sent
   * before answers existed have none: their welcome becomes an ordinary invitation.
   */
  answer?: string;
}

export interface LinkRecord {
  id: string;
  group: string;
  payload: string;
  url: string;
  /** The link key's secret (hex): opens join requests. */
  secretKey: string;
  uses: number | null;
  used: number;
  expiresAt: number | null;
  approve: boolean;
  revoked: boolean;
  createdAt: number;
  /**
   * "here" when this device made the link, "shared" when another admin's device shared it. Only
   * the making device admits through a link with a number of uses. Absent in older records.
   */
  origin?: "here" | "shared";
  /** Why the link was revoked without anyone asking (an admin who knew it left or was demoted). */
  revokedReason?: string;
}

/** Rally's inner kind for an invite link shared with the other admins (only ever inside a seal, kind 1925). */
export const KIND_LINK_SHARE = 1449;

/**
 * The link record an admin shared, if `inner` is one (unsealed, from an admin of the group).
 * Revocation is sticky: once any admin revoked a link, a later share cannot revive it.
 */
export function sharedLink(group: string, inner: Rumor, existing: LinkRecord | undefined): LinkRecord | null {
  if (inner.kind !== KIND_LINK_SHARE) return null;
  const id = inner.tags.find((t) => t[0] === "d")?.[1];
  if (!id || !/^[0-9a-f]{64}$/.test(id)) return null;
  let v: Record<string, unknown>;
  try {
    v = JSON.parse(inner.content) as Record<string, unknown>;
  } catch {
    return null;
  }
  if (
    typeof v.payload !== "string" ||
    typeof v.secretKey !== "string" ||
    !/^[0-9a-f]{64}$/.test(v.secretKey)
  ) {
    return null;
  }
  try {
    const parsed = parseInviteLink(v.payload, { ignoreExpiry: true });
    if (parsed.linkPubkey !== id || getPublicKey(hexToBytes(v.secretKey)) !== id) return null;
  } catch {
    return null;
  }
  const num = (x: unknown): number | null =>
    typeof x === "number" && Number.isSafeInteger(x) && x >= 0 ? x : null;
  return {
    id,
    group,
    payload: v.payload,
    url: typeof v.url === "string" ? v.url : v.payload,
    secretKey: v.secretKey,
    uses: num(v.uses),
    used: existing?.used ?? 0,
    expiresAt: num(v.expiresAt),
    approve: v.approve === true,
    revoked: v.revoked === true || existing?.revoked === true,
    createdAt: num(v.createdAt) ?? inner.created_at,
    origin: existing?.origin ?? "shared",
    ...(existing?.revokedReason ? { revokedReason: existing.revokedReason } : {}),
  };
}

/**
 * The write that stores an invite link another admin shared, for a sealed rumor received in the
 * group; null when it is not one or may not be taken. A share counts only when its sender is a
 * current member and a current admin (a removed or demoted admin's share made later does nothing)
 * and only when it was carried in the group's current epoch (a removed member can still write in a
 * past epoch its device kept).
 */
export async function acceptLinkShare(
  svc: GroupService,
  rec: GroupRecord,
  rumor: Rumor,
  epoch: number | bigint,
): Promise<WriteOp | null> {
  const secrets = svc.core.secrets;
  if (rumor.kind !== KIND_SEALED || !secrets || rec.status !== "active") return null;
  if (Number(epoch) !== rec.epoch) return null;
  if (!rec.members.includes(rumor.pubkey) || !rec.admins.includes(rumor.pubkey)) return null;
  const inner = unsealRumor(rumor, secrets.secretKey);
  if (!inner.ok) return null;
  const key = keys.inviteLink(rec.id, inner.value.tags.find((t) => t[0] === "d")?.[1] ?? "-");
  const link = sharedLink(rec.id, inner.value, await svc.core.store.get<LinkRecord>(key));
  return link ? { op: "put", key: keys.inviteLink(rec.id, link.id), value: link } : null;
}

/** admins ∩ members: the people whose admin rights count. */
function effectiveAdmins(rec: GroupRecord): Set<string> {
  const members = new Set(rec.members);
  return new Set(rec.admins.filter((a) => members.has(a)));
}

/**
 * A request marked added whose person is not in the group, was never removed and is in no change
 * waiting to land: the commit that carried them lost a race and its re-proposal left them out.
 */
function lostAdd(r: JoinRequestRecord, rec: GroupRecord): boolean {
  return (
    r.state === "added" &&
    rec.pending === null &&
    !rec.members.includes(r.joiner) &&
    rec.removedAt[r.joiner] === undefined
  );
}

/**
 * After a commit: when someone who was an admin (and a member) before it no longer is — removed,
 * left or demoted — every link of the group they may know is revoked on this device, since they
 * hold its key and could read the requests it brings and answer them. Every remaining admin device
 * does the same when it applies the same commit, so nothing needs to be sent; admins make new links
 * and hand them out (a new link needs handing out to people anyway). Links in `queued` (writes of
 * the same batch not yet stored, e.g. a share read just before the commit) are revoked too.
 */
export async function linksAfterAdminChange(
  svc: GroupService,
  before: GroupRecord,
  after: GroupRecord,
  queued: readonly WriteOp[] = [],
): Promise<WriteOp[]> {
  const now = effectiveAdmins(after);
  const lost = [...effectiveAdmins(before)].filter((a) => !now.has(a));
  if (lost.length === 0) return [];
  const prefix = keys.inviteLinkPrefix(after.id);
  const links = new Map<string, LinkRecord>();
  for (const row of await svc.core.store.list<LinkRecord>(prefix)) links.set(row.key, row.value);
  for (const op of queued) {
    if (op.op === "put" && op.key.startsWith(prefix)) links.set(op.key, op.value as LinkRecord);
  }
  const ops: WriteOp[] = [];
  for (const [key, link] of links) {
    if (link.revoked) continue;
    ops.push({
      op: "put",
      key,
      value: { ...link, revoked: true, revokedReason: "an admin who knew it is no longer an admin" },
    });
  }
  return ops;
}

/** `ws://host:port` → `http://host:port/`: `rally serve` serves the web app where its relay is. */
export function originOf(relay: string): string {
  const m = /^(wss?):\/\/([^/?#]+)/i.exec(relay);
  if (!m) return "http://127.0.0.1:7447/";
  return `${m[1]!.toLowerCase() === "wss" ? "https" : "http"}://${m[2]}/`;
}

function info(r: LinkRecord): InviteLinkInfo {
  return {
    id: r.id,
    url: r.url,
    uses: r.uses,
    used: r.used,
    expiresAt: r.expiresAt,
    approve: r.approve,
    revoked: r.revoked,
  };
}

function usable(r: LinkRecord, now: number): boolean {
  if (r.revoked) return false;
  if (r.uses !== null && r.used >= r.uses) return false;
  // A counted link admits only where it was made (see the module header).
  if (r.uses !== null && r.origin === "shared") return false;
  return r.expiresAt === null || now <= r.expiresAt + JOIN_REQUEST_GRACE_SECONDS;
}

export class InviteLinks {
  constructor(private readonly svc: GroupService) {}

  private get core() {
    return this.svc.core;
  }

  async create(id: string, options: InviteLinkOptions): Promise<InviteLinkInfo> {
    const rec = await this.svc.activeRecord(id);
    if (!effectiveAdmins(rec).has(this.svc.me())) {
      throw rallyError("not-admin", `Only an admin of "${rec.name}" can make invite links.`);
    }
    if (options.uses !== undefined && (!Number.isSafeInteger(options.uses) || options.uses < 1)) {
      throw rallyError("bad-input", "The number of uses must be a whole number of at least 1.");
    }
    if (
      options.expiresIn !== undefined &&
      (!Number.isSafeInteger(options.expiresIn) || options.expiresIn < 1)
    ) {
      throw rallyError("bad-input", "The expiry must be a positive number of seconds.");
    }
    const now = this.core.now();
    const expiresAt = options.expiresIn === undefined ? null : now + options.expiresIn;
    let made: ReturnType<typeof createInviteLink>;
    try {
      made = createInviteLink({
        relays: rec.relays.slice(0, 4),
        name: clipUtf8(rec.name, 60),
        expiresAt,
        approval: options.approve === true,
      });
    } catch (e) {
      throw asRallyError(e, "bad-input");
    }
    const origin = this.core.options.origin ?? originOf(rec.relays[0] ?? "");
    const record: LinkRecord = {
      id: made.link.linkPubkey,
      group: id,
      payload: encodeInviteLink(made.link),
      url: inviteLinkUrl(made.link, origin),
      secretKey: bytesToHex(made.linkSecretKey),
      uses: options.uses ?? null,
      used: 0,
      expiresAt,
      approve: options.approve === true,
      revoked: false,
      createdAt: now,
      origin: "here",
    };
    made.linkSecretKey.fill(0);
    await this.core.store.batch([{ op: "put", key: keys.inviteLink(id, record.id), value: record }]);
    await this.share(rec, record);
    this.core.emit("groups", id);
    return info(record);
  }

  /**
   * Gives the link (with its key) to the group's other admins, sealed to them inside the group, so
   * whichever admin device is online lets people in. Members who are not admins see only that a
   * sealed message passed.
   */
  private async share(rec: GroupRecord, link: LinkRecord): Promise<void> {
    const me = this.svc.me();
    const others = rec.admins.filter((a) => a !== me && rec.members.includes(a));
    if (others.length === 0) return;
    const createdAt = this.core.now();
    const inner = makeRumor({
      pubkey: me,
      createdAt,
      kind: KIND_LINK_SHARE,
      tags: [["d", link.id]],
      content: JSON.stringify({
        payload: link.payload,
        url: link.url,
        secretKey: link.secretKey,
        uses: link.uses,
        expiresAt: link.expiresAt,
        approve: link.approve,
        revoked: link.revoked,
        createdAt: link.createdAt,
      }),
    });
    await this.svc.sendRumor(
      rec.id,
      sealRumor({
        inner,
        senderSecretKey: this.core.requireSecrets().secretKey,
        recipients: others,
        createdAt,
      }),
    );
  }

  async list(id: string): Promise<InviteLinkInfo[]> {
    const rows = await this.core.store.list<LinkRecord>(keys.inviteLinkPrefix(id));
    return rows.map((r) => info(r.value)).sort((a, b) => (a.id < b.id ? -1 : 1));
  }

  async revoke(id: string, linkId: string): Promise<void> {
    const r = await this.core.store.get<LinkRecord>(keys.inviteLink(id, linkId));
    if (!r) throw rallyError("unknown-link", "There is no such invite link for this group.");
    const revoked = { ...r, revoked: true };
    await this.core.store.batch([{ op: "put", key: keys.inviteLink(id, linkId), value: revoked }]);
    const rec = await this.svc.record(id);
    if (rec.status === "active" && rec.admins.includes(this.svc.me())) await this.share(rec, revoked);
    this.core.emit("groups", id);
  }

  async pending(id: string): Promise<PendingJoin[]> {
    const rows = await this.core.store.list<JoinRequestRecord>(keys.joinRequestPrefix(id));
    return rows
      .map((r) => r.value)
      .filter((r) => r.state === "pending" && !r.auto)
      .sort((a, b) => a.requestedAt - b.requestedAt)
      .map((r) => ({ id: r.id, name: r.name, requestedAt: r.requestedAt }));
  }

  /** Adds the person behind a waiting request (admins). */
  async approve(id: string, requestId: string): Promise<void> {
    const rec = await this.svc.activeRecord(id);
    const r = await this.core.store.get<JoinRequestRecord>(keys.joinRequest(id, requestId));
    if (r?.state !== "pending") throw rallyError("unknown-invite", "There is no such request waiting.");
    await this.add(rec, [r]);
  }

  private async add(rec: GroupRecord, requests: JoinRequestRecord[]): Promise<void> {
    const invitees: Invitee[] = requests
      .filter((r) => !rec.members.includes(r.joiner))
      .map((r) => ({
        pubkey: r.joiner,
        keyPackageEvent: r.keyPackageEvent,
        inbox: r.inbox,
        via: { link: r.link, request: r.id },
      }));
    // The group service takes as many as fit one commit; the others stay pending for the next one.
    const pending = invitees.length > 0 ? await this.svc.propose(rec.id, { type: "add", invitees }) : null;
    const taken = new Set(
      pending?.intent.type === "add" ? pending.intent.invitees.map((i) => i.via?.request) : [],
    );
    const added = requests.filter((r) => rec.members.includes(r.joiner) || taken.has(r.id));
    const ops = added.map((r) => ({
      op: "put" as const,
      key: keys.joinRequest(rec.id, r.id),
      value: { ...r, state: "added" },
    }));
    await this.core.store.batch(ops);
  }

  /** Reads new join requests for every usable link of the groups this person administers. */
  async processRequests(): Promise<number> {
    const now = this.core.now();
    let handled = 0;
    for (const rec of await this.svc.records()) {
      if (rec.status !== "active" || !effectiveAdmins(rec).has(this.svc.me())) continue;
      const links = (await this.core.store.list<LinkRecord>(keys.inviteLinkPrefix(rec.id)))
        .map((r) => r.value)
        .filter((l) => usable(l, now));
      const toAdd: JoinRequestRecord[] = [];
      for (const link of links) {
        const parsed = parseInviteLink(link.payload, { ignoreExpiry: true });
        const secret = hexToBytes(link.secretKey);
        const pool = this.core.transport.linkPool(secret, link.id);
        const { events } = await this.core.transport.fetch(pool, parsed.relays, [
          joinRequestFilter([link.id]),
        ]);
        const seenGroup = `link ${link.id}`;
        const seen = await this.core.store.seen(
          seenGroup,
          events.map((e) => e.id),
        );
        // Open everything first, then count uses in the order people asked (their request times;
        // wrap times are randomised by NIP-59), ties by request id, so every admin device agrees.
        const opened: JoinRequest[] = [];
        const seenIds: string[] = [];
        for (const wrap of events) {
          if (seen.has(wrap.id)) continue;
          seenIds.push(wrap.id);
          try {
            opened.push(
              openJoinRequest(
                wrap,
                { linkSecretKey: secret, linkSecret: parsed.linkSecret, expiresAt: link.expiresAt },
                { now },
              ),
            );
          } catch {
            // damaged, forged, expired or replayed for someone else: ignored
          }
        }
        opened.sort((a, b) => a.requestedAt - b.requestedAt || (a.requestId < b.requestId ? -1 : 1));
        let used = link.used;
        const ops: Parameters<typeof this.core.store.batch>[0] = [];
        if (seenIds.length > 0) ops.push({ op: "markSeen", group: seenGroup, ids: seenIds, at: now });
        const recorded = new Set<string>();
        for (const req of opened) {
          if (
            recorded.has(req.requestId) ||
            (await this.core.store.get(keys.joinRequest(rec.id, req.requestId)))
          ) {
            continue;
          }
          recorded.add(req.requestId);
          const full = link.uses !== null && used >= link.uses;
          // Someone the group removed (or who left) comes back only by an admin's decision.
          const removedBefore = rec.removedAt[req.joiner] !== undefined;
          const record: JoinRequestRecord = {
            id: req.requestId,
            link: link.id,
            joiner: req.joiner,
            name: req.name,
            keyPackageEvent: req.keyPackageEvent,
            inbox: req.inboxRelays,
            requestedAt: req.requestedAt,
            state: full ? "refused" : "pending",
            auto: !link.approve && !removedBefore,
            ...(full ? { reason: "the link has been used up" } : {}),
            answer: joinAnswer(parsed.linkSecret, link.id, req.joiner, req.keyPackage.eventId, req.nonce),
          };
          if (!full) used++;
          ops.push({ op: "put", key: keys.joinRequest(rec.id, record.id), value: record });
          if (!full && record.auto) toAdd.push(record);
          handled++;
        }
        if (ops.length > 0) await this.core.store.batch(ops);
        if (used !== link.used) {
          await this.core.store.batch([
            { op: "put", key: keys.inviteLink(rec.id, link.id), value: { ...link, used } },
          ]);
        }
      }
      const fresh = await this.svc.record(rec.id);
      // Requests let in automatically but not added yet (the group was busy with another change).
      for (const row of await this.core.store.list<JoinRequestRecord>(keys.joinRequestPrefix(rec.id))) {
        const r = row.value;
        if (lostAdd(r, fresh)) {
          // Marked added when its commit was proposed, and that commit lost a race (its re-proposal
          // may take fewer people, addBatches.ts): nobody is adding this person now, so try again.
          toAdd.push(r);
          continue;
        }
        if (r.state === "pending" && r.auto && !toAdd.some((t) => t.id === r.id)) {
          // Its link revoked since (an admin left): it waits for an admin's approval instead.
          const link = await this.core.store.get<LinkRecord>(keys.inviteLink(rec.id, r.link));
          if (link?.revoked || rec.removedAt[r.joiner] !== undefined) {
            await this.core.store.batch([
              { op: "put", key: keys.joinRequest(rec.id, r.id), value: { ...r, auto: false } },
            ]);
            continue;
          }
          toAdd.push(r);
        }
      }
      if (toAdd.length > 0 && !fresh.pending) {
        try {
          // One commit carries at most MAX_ADDS_PER_COMMIT key packages, fewer when they do not fit
          // a kind 445 event (group/addBatches.ts); the rest stay pending and go in with the next sync.
          await this.add(fresh, toAdd.slice(0, MAX_ADDS_PER_COMMIT));
        } catch {
          // Left pending-looking ("pending" state, auto link): retried when the group is free.
        }
      }
      if (handled > 0) this.core.emit("groups", rec.id);
    }
    return handled;
  }

  // --- the joiner's side ---

  /** Sends a join request for `text` (once), or reports how an earlier one is going. */
  async join(text: string): Promise<JoinState> {
    let link: InviteLink;
    try {
      link = parseInviteLink(text, { now: this.core.now() });
    } catch (e) {
      const err = asRallyError(e, "bad-input");
      const code = (e as { code?: string }).code;
      if (code === "expired") throw rallyError("link-expired", err.message);
      // Changed or cut short on its way: nothing is sent (it would wait for an answer forever).
      if (code === "damaged") throw rallyError("link-damaged", err.message);
      throw err;
    }
    const existing = await this.core.store.get<JoinSent>(keys.joinSent(link.linkPubkey));
    if (existing) return this.stateOf(existing);
    const account = this.core.requireAccount();
    const { secretKey } = this.core.requireSecrets();
    const kp = await this.svc.account.keyPackages.current();
    const inbox = [...new Set([...account.relays, ...link.relays])].slice(0, 8);
    // The nonce stays inside the request: only an admin who opened it can answer it (`joinAnswer`).
    const nonce = bytesToHex(globalThis.crypto.getRandomValues(new Uint8Array(JOIN_NONCE_BYTES)));
    let wrap: NostrEvent;
    let answer: string;
    try {
      wrap = wrapJoinRequest({
        link,
        joinerSecretKey: secretKey,
        keyPackageEvent: kp.event,
        // An account name may be 100 characters; the request carries at most 100 bytes of it.
        name: clipUtf8(account.name, MAX_JOINER_NAME_BYTES),
        inboxRelays: inbox,
        nonce,
        now: this.core.now(),
      });
      answer = joinAnswer(link.linkSecret, link.linkPubkey, account.pubkey, kp.eventId, nonce);
    } catch (e) {
      throw asRallyError(e, "bad-input");
    }
    const sent: JoinSent = {
      linkPubkey: link.linkPubkey,
      name: link.name,
      relays: link.relays,
      keyPackageEventId: kp.eventId,
      requestedAt: this.core.now(),
      state: "waiting",
      groupId: null,
      answer,
    };
    await this.core.store.batch([
      { op: "put", key: keys.joinSent(link.linkPubkey), value: sent },
      Outbox.prepare(wrap, link.relays, { label: "join request", now: this.core.nowMs() }).op,
    ]);
    this.core.wakeOutbox();
    return { state: "waiting", group: link.name };
  }

  async stateOf(sent: JoinSent): Promise<JoinState> {
    if (sent.state === "joined" && sent.groupId) {
      const rec = await this.core.store.get<GroupRecord>(keys.group(sent.groupId));
      if (rec) return { state: "joined", groupId: rec.id, name: rec.name };
    }
    return { state: "waiting", group: sent.name };
  }

  async joinState(text: string): Promise<JoinState | null> {
    try {
      const link = parseInviteLink(text, { ignoreExpiry: true });
      const sent = await this.core.store.get<JoinSent>(keys.joinSent(link.linkPubkey));
      return sent ? this.stateOf(sent) : null;
    } catch {
      return null;
    }
  }
}
