/**
 * Linking another device of the same person (docs/PROTOCOL.md "Linking a device"; the wire steps
 * are protocol `wire/deviceLink.ts`).
 *
 * On the existing device: `make` keeps the link's one-time key (kv `devicelink/<link pubkey>`);
 * each sync round (`process`) reads what came to that key over a connection authenticated as it.
 * A request is kept with its code (`deviceLinkCode`) until the person confirms the code their new
 * device shows (`confirm`); only that request is answered (single use, until the expiry). Whoever
 * else saw the link can ask too, but never with the code the person's own device shows, and two
 * requests with one code mean the link is out: it is closed and nobody is answered. A link made
 * with `confirm: false` (scripts, tests) answers the first request unasked, as links did before.
 * When the new device says it is ready — signed by the person's own key — this device adds its key
 * package to every group the person is in (any member may add their own devices) and sends it the
 * history this device holds, in parts.
 *
 * On the new device: `begin` sends the request from a fresh key and keeps that key (kv
 * `devicejoin`); each round reads the answer (the person's words: the account is made from them and
 * its key package published, then "ready" goes back), the welcomes from the person's own devices
 * are joined at once (sync/welcomes.ts), and history parts are stored as each group arrives.
 *
 * Runs in: Node and browsers. Every step runs under the device lock.
 */
import { personFromRecoveryWords } from "@rally/protocol/identity";
import { members as mlsMembers, parseKeyPackage } from "@rally/protocol/mls";
import {
  DEVICE_LINK_SECONDS,
  type DeviceLinkMessage,
  deviceLinkAccountCheck,
  deviceLinkCode,
  deviceLinkUrl,
  historyParts,
  MAX_DEVICE_NAME_CHARS,
  normalizeDeviceLinkCode,
  openDeviceLinkMessage,
  parseDeviceLink,
  parseKeyPackageEvent,
  wrapDeviceLinkMessage,
} from "@rally/protocol/wire";
import type { NostrEvent } from "nostr-tools/core";
import { generateSecretKey, getPublicKey } from "nostr-tools/pure";
import type { DeviceInfo, DeviceJoining, DeviceLinkProgress } from "../api.ts";
import { rallyError } from "../errors.ts";
import { withRefs } from "../group/appViews.ts";
import type { GroupService } from "../group/groupService.ts";
import { originOf } from "../group/inviteLinks.ts";
import { loadState } from "../group/mlsStore.ts";
import { bytesToHex, hexToBytes } from "../hex.ts";
import type { RelayPool } from "../net/relayPool.ts";
import type { StoredRumor } from "../store/store.ts";
import { type Ask, pickAsk } from "./linkAsks.ts";

const LINK_PREFIX = "devicelink/";
const JOIN_KEY = "devicejoin";
const DEVICE_NAME_KEY = "devicename";
/** On a linked device: the name of the device that linked it (its key is not known here). */
const LINKER_KEY = "devicelinker";
const devicesKey = (signatureKey: string) => `mydevice/${signatureKey}`;
const partKey = (group: string, part: number) => `devicehistory/${group}/${String(part).padStart(6, "0")}`;
const partPrefix = (group: string) => `devicehistory/${group}/`;

/**
 * Requests a link keeps while it waits for its person to confirm one. One more closes the link: a
 * request dropped unread could be the person's own, leaving only a stranger's with its code.
 */
const MAX_ASKS = 8;
/**
 * Gift wraps to a link that mean a flood. A legitimate link gets a handful (requests, one "ready");
 * a stranger who floods it could hide the person's request (relays answer newest first and may
 * answer fewer than asked, and a stranger dates their wraps "now"), so the wraps are read page by
 * page, back in time, and this many close a link still waiting.
 */
const LINK_FLOOD = 20;
/** Pages of wraps read per link and round, at most (an answered link looks for its "ready"). */
const LINK_PAGES = 10;
/** How long after its expiry an answered link is still read for the new device's "ready". */
const ANSWERED_GRACE = 24 * 3600;

/** The existing device's record of one link it made. */
interface LinkMade {
  id: string;
  secretKey: string;
  url: string;
  relays: string[];
  expiresAt: number;
  /** "closed": two requests showed one code, or the person refused them; nobody is answered. */
  state: "waiting" | "answered" | "linked" | "closed";
  /** Whether a request waits for the person to confirm its code (absent: links made before, no). */
  confirm?: boolean;
  asks?: Ask[];
  requester?: string;
  name?: string;
  groups?: number;
  parts?: number;
}

/** The new device's record while it is being linked. */
interface LinkJoining {
  linkPubkey: string;
  secretKey: string;
  relays: string[];
  name: string;
  state: "requested" | "ready";
  /** The link's check of the person's key (`deviceLinkAccountCheck`); absent for older links. */
  accountCheck?: string;
  /** History parts expected per group (from each group's first part seen), and those stored. */
  expected: Record<string, number>;
  stored: Record<string, number[]>;
  /** What the existing device said it sent, once it is done. */
  done?: { groups: number; parts: number };
}

export class DeviceLinks {
  constructor(
    private readonly svc: GroupService,
    /** Waits for a group's commit to reach a relay and win (the syncer's `settle`). */
    private readonly settle: (group: string) => Promise<void>,
  ) {}

  private get core() {
    return this.svc.core;
  }

  /** This device's name, as the person gave it (default: "This device"). */
  async name(): Promise<string> {
    return (await this.core.store.get<string>(DEVICE_NAME_KEY)) ?? "First device";
  }

  async rename(name: string): Promise<void> {
    await this.core.store.batch([{ op: "put", key: DEVICE_NAME_KEY, value: checkDeviceName(name) }]);
  }

  /** A new link on the existing device; `confirm` (default true) waits for the person to confirm a code. */
  async make(
    options: { expiresInSeconds?: number; confirm?: boolean } = {},
  ): Promise<{ link: string; expiresAt: number }> {
    const account = this.core.requireAccount();
    this.core.requireSecrets();
    const seconds = options.expiresInSeconds ?? DEVICE_LINK_SECONDS;
    if (!Number.isInteger(seconds) || seconds < 60 || seconds > 24 * 3600) {
      throw rallyError(
        "bad-input",
        "A device link may last from 1 minute to 24 hours (for example --expires 10m).",
      );
    }
    const secret = generateSecretKey();
    const id = getPublicKey(secret);
    const expiresAt = this.core.now() + seconds;
    const origin = this.core.options.origin ?? originOf(account.relays[0] ?? "");
    const url = deviceLinkUrl(
      {
        linkSecretKey: bytesToHex(secret),
        relays: account.relays,
        expiresAt,
        accountCheck: deviceLinkAccountCheck(id, account.pubkey),
      },
      origin,
    );
    const record: LinkMade = {
      id,
      secretKey: bytesToHex(secret),
      url,
      relays: account.relays,
      expiresAt,
      state: "waiting",
      confirm: options.confirm ?? true,
      asks: [],
    };
    await this.core.store.batch([{ op: "put", key: LINK_PREFIX + id, value: record }]);
    return { link: url, expiresAt };
  }

  /** Where this device's links stand (the existing device's side). */
  async made(): Promise<DeviceLinkProgress[]> {
    const rows = await this.core.store.list<LinkMade>(LINK_PREFIX);
    return rows.map(({ value: l }) => ({
      state: linkState(l, this.core.now()),
      asks: l.state === "waiting" ? (l.asks ?? []).map((a) => ({ name: a.name, code: a.code })) : [],
      name: l.name ?? null,
      groups: l.groups ?? 0,
      parts: l.parts ?? 0,
      expiresAt: l.expiresAt,
    }));
  }

  /**
   * Answers the request whose code the person read on their new device (`deviceLinkCode`), after
   * reading what else came to the link. Refused, with nothing sent: a code no request has, and a
   * code two requests have (someone else has the link: it is closed).
   */
  async confirm(code: string): Promise<{ name: string }> {
    this.core.requireAccount();
    const wanted = normalizeDeviceLinkCode(code);
    if (wanted === null)
      throw rallyError(
        "bad-input",
        'A device link code is six digits, as the new device shows it: "482 915".',
      );
    const waiting = new Set(
      (await this.core.store.list<LinkMade>(LINK_PREFIX))
        .filter(({ value: l }) => l.state === "waiting")
        .map(({ key }) => key),
    );
    await this.processMade();
    const now = this.core.now();
    const links = await this.core.store.list<LinkMade>(LINK_PREFIX);
    const open = links.filter(({ value: l }) => l.state === "waiting" && now <= l.expiresAt);
    // A link closed now, or earlier and not expired, with nothing else open: tell why.
    const closedNow =
      links.some(({ key, value: l }) => waiting.has(key) && l.state === "closed") ||
      (open.length === 0 && links.some(({ value: l }) => l.state === "closed" && now <= l.expiresAt));
    const choice = pickAsk(
      open.flatMap(({ key, value: l }) => (l.asks ?? []).map((ask) => ({ key, link: l, ask }))),
      wanted,
    );
    if (choice.kind === "none" && closedNow) {
      throw rallyError(
        "link-seen",
        "Your link was closed before anyone was linked: more requests came than your own device sends, or one no Rally device would send, so someone else may have seen it. Make a new one, and show it to nobody.",
      );
    }
    if (choice.kind === "none") {
      throw rallyError(
        "bad-input",
        open.some(({ value: l }) => (l.asks ?? []).length > 0)
          ? `No device asked with the code ${wanted}. Check the code your new device shows; if it shows another one, someone else may have your link: make a new one.`
          : "No device has asked to be linked yet: open the link on your new device first.",
      );
    }
    if (choice.kind === "twice") {
      for (const { key, link } of choice.matches) await this.close(key, link);
      throw rallyError(
        "link-seen",
        `Two devices asked with the code ${wanted}: someone else has seen your link. Nothing was linked and the link is closed; make a new one, and show it to nobody.`,
      );
    }
    const { key, link, ask } = choice.match;
    await this.answer(key, link, ask.requester, ask.name, hexToBytes(link.secretKey));
    return { name: ask.name };
  }

  /** Closes this device's open links (none of the requests was the person's): nobody is answered. */
  async refuse(): Promise<number> {
    const now = this.core.now();
    let closed = 0;
    for (const { key, value: l } of await this.core.store.list<LinkMade>(LINK_PREFIX)) {
      if (l.state !== "waiting" || now > l.expiresAt) continue;
      await this.close(key, l);
      closed++;
    }
    return closed;
  }

  private async close(key: string, link: LinkMade): Promise<void> {
    await this.core.store.batch([{ op: "put", key, value: { ...link, state: "closed", asks: [] } }]);
    this.core.emit("account");
  }

  /** On a device without an account: asks the device that made `link` to link this one. */
  async begin(link: string, name: string): Promise<void> {
    if (this.core.account) {
      throw rallyError(
        "account-exists",
        "This device already has an account: link a device that has none yet.",
      );
    }
    const deviceName = checkDeviceName(name);
    let parsed: ReturnType<typeof parseDeviceLink>;
    try {
      parsed = parseDeviceLink(link, this.core.now());
    } catch (e) {
      throw rallyError("bad-input", (e as Error).message);
    }
    const linkPubkey = getPublicKey(hexToBytes(parsed.linkSecretKey));
    // The same link again resumes (the request is sent again); another one — the person made a new
    // link after the first was closed or expired — starts over with a fresh key. Without an account
    // nothing was answered yet, so nothing is lost.
    const kept = await this.core.store.get<LinkJoining>(JOIN_KEY);
    const existing = kept?.linkPubkey === linkPubkey ? kept : null;
    const secret = existing ? hexToBytes(existing.secretKey) : generateSecretKey();
    const record: LinkJoining = existing ?? {
      linkPubkey,
      secretKey: bytesToHex(secret),
      relays: parsed.relays,
      name: deviceName,
      state: "requested",
      expected: {},
      stored: {},
      ...(parsed.accountCheck ? { accountCheck: parsed.accountCheck } : {}),
    };
    const request = wrapDeviceLinkMessage({
      message: { step: "request", name: deviceName },
      senderSecretKey: secret,
      recipientPubkey: linkPubkey,
      now: this.core.now(),
    });
    await this.core.store.batch([
      { op: "put", key: JOIN_KEY, value: record },
      { op: "put", key: DEVICE_NAME_KEY, value: deviceName },
    ]);
    await this.core.transport.outbox.enqueue(request as NostrEvent, parsed.relays, { label: "device link" });
  }

  /** The new device's progress: null when it is not being linked. */
  async joining(): Promise<DeviceJoining | null> {
    const j = await this.core.store.get<LinkJoining>(JOIN_KEY);
    if (!j) return null;
    const groups = Math.max(Object.keys(j.expected).length, j.done?.groups ?? 0);
    const parts = Math.max(
      Object.values(j.expected).reduce((a, b) => a + b, 0),
      j.done?.parts ?? 0,
    );
    const stored = Object.values(j.stored).reduce((a, b) => a + b.length, 0);
    const joined = this.core.account
      ? (await this.svc.records()).filter((r) => r.status === "active").length
      : 0;
    const complete =
      j.state === "ready" && j.done !== undefined && stored >= parts && joined >= j.done.groups;
    const code = deviceLinkCode(j.linkPubkey, getPublicKey(hexToBytes(j.secretKey)));
    return { state: complete ? "done" : j.state, code, groups, parts, stored };
  }

  /** One round of both sides; under the device lock, after the groups caught up. */
  async process(): Promise<void> {
    await this.processMade();
    await this.processJoining();
  }

  /** The person's devices: this one, and those seen in any group or linked from here. */
  async devices(): Promise<DeviceInfo[]> {
    const me = this.svc.me();
    const mine = bytesToHex((await this.svc.account.keyPackages.identity()).signaturePublicKey);
    const names = new Map(
      (await this.core.store.list<{ name: string }>("mydevice/")).map((r) => [r.key.slice(9), r.value.name]),
    );
    const seen = new Set<string>([mine]);
    for (const rec of await this.svc.records()) {
      if (rec.status !== "active") continue;
      for (const m of mlsMembers(await loadState(this.core.store, rec.id))) {
        if (m.pubkey !== me) continue;
        for (const d of m.devices) seen.add(d.signaturePublicKey);
      }
    }
    for (const key of names.keys()) seen.add(key);
    // The device that linked this one is the other device with no name of its own, when there is one.
    const linker = await this.core.store.get<{ name: string }>(LINKER_KEY);
    const unnamed = [...seen].filter((k) => k !== mine && !names.has(k));
    if (linker && unnamed.length === 1) names.set(unnamed[0] as string, linker.name);
    const ownName = await this.name();
    return [...seen].map((key) => ({
      id: key.slice(0, 16),
      name: key === mine ? ownName : (names.get(key) ?? "Another device"),
      current: key === mine,
    }));
  }

  /** Removes a device of this person (by id or its start) from every group. */
  async revoke(id: string): Promise<number> {
    const all = await this.devices();
    const match = all.filter((d) => d.id.startsWith(id.trim().toLowerCase()));
    if (match.length !== 1) {
      throw rallyError(
        "bad-input",
        match.length === 0
          ? `No device "${id}": rally device list shows them.`
          : `"${id}" names more than one device.`,
      );
    }
    const device = match[0] as DeviceInfo;
    if (device.current)
      throw rallyError("bad-input", "This is the device you are using: revoke it from another one.");
    const me = this.svc.me();
    let groups = 0;
    for (const rec of await this.svc.records()) {
      if (rec.status !== "active") continue;
      const keys = mlsMembers(await loadState(this.core.store, rec.id))
        .filter((m) => m.pubkey === me)
        .flatMap((m) => m.devices.map((d) => d.signaturePublicKey))
        .filter((k) => k.startsWith(device.id));
      if (keys.length === 0) continue;
      if (rec.pending) await this.settle(rec.id);
      await this.svc.propose(rec.id, { type: "removeDevices", devices: keys });
      await this.settle(rec.id);
      groups++;
    }
    await this.svc.account.keyPackages.withdraw((key) => key.startsWith(device.id));
    const names = await this.core.store.list(`mydevice/${device.id}`);
    await this.core.store.batch(names.map((r) => ({ op: "delete" as const, key: r.key })));
    return groups;
  }

  private async processMade(): Promise<void> {
    const now = this.core.now();
    for (const { key, value: link } of await this.core.store.list<LinkMade>(LINK_PREFIX)) {
      if (link.state === "linked" || link.state === "closed") continue;
      if (now > link.expiresAt + (link.state === "answered" ? ANSWERED_GRACE : 3600)) continue;
      const secret = hexToBytes(link.secretKey);
      const events = await this.linkWraps(this.core.transport.linkPool(secret, link.id), link);
      if (link.state === "waiting" && events.length >= LINK_FLOOD) {
        await this.close(key, link);
        continue;
      }

      const seenGroup = `devicelink ${link.id}`;
      const seen = await this.core.store.seen(
        seenGroup,
        events.map((e) => e.id),
      );
      let current = link;
      for (const wrap of events) {
        if (seen.has(wrap.id)) continue;
        const seenOp = { op: "markSeen" as const, group: seenGroup, ids: [wrap.id], at: now };
        let opened: { message: DeviceLinkMessage; sender: string };
        try {
          opened = openDeviceLinkMessage(wrap, secret);
        } catch {
          await this.core.store.batch([seenOp]); // damaged, or not for this link
          continue;
        }
        // Seen only once handled: a step that failed half-way (a relay down while adding the
        // device to its groups) is taken up again next round; each step is safe to repeat.
        current = await this.onMessage(key, current, opened.message, opened.sender, secret);
        await this.core.store.batch([seenOp]);
      }
    }
  }

  /**
   * The wraps to a link, newest first, page by page back in time (a relay may answer fewer than
   * asked): until a page brings nothing new, a waiting link has `LINK_FLOOD`, or `LINK_PAGES` were
   * read. Each page goes strictly further back, so a second that a relay answering fewer than
   * `LINK_FLOOD` events filled with a stranger's junk is left part-read (PROTOCOL.md section 18).
   */
  private async linkWraps(pool: RelayPool, link: LinkMade): Promise<NostrEvent[]> {
    const found = new Map<string, NostrEvent>();
    let until: number | undefined;
    for (let page = 0; page < LINK_PAGES; page++) {
      const filter = {
        kinds: [1059],
        "#p": [link.id],
        limit: LINK_FLOOD,
        ...(until === undefined ? {} : { until }),
      };
      const { events } = await this.core.transport.fetch(pool, link.relays, [filter]);
      let fresh = 0;
      let oldest = Number.POSITIVE_INFINITY;
      for (const e of events) {
        if (!found.has(e.id)) fresh++;
        found.set(e.id, e);
        if (e.created_at < oldest) oldest = e.created_at;
      }
      if (fresh === 0 || (link.state === "waiting" && found.size >= LINK_FLOOD)) break;
      until = oldest - 1;
    }
    return [...found.values()];
  }

  private async onMessage(
    key: string,
    link: LinkMade,
    message: DeviceLinkMessage,
    sender: string,
    secret: Uint8Array,
  ): Promise<LinkMade> {
    const now = this.core.now();
    if (message.step === "request") {
      // Single use: one request within the time is answered; any later one is ignored.
      if (link.state !== "waiting" || now > link.expiresAt) return link;
      let name: string;
      try {
        name = checkDeviceName(message.name);
      } catch {
        // Rally never sends such a name: a stranger's, made to mislead the person. Close the link.
        await this.close(key, link);
        return { ...link, state: "closed", asks: [] };
      }
      // Only a link made to answer unasked does (links made before codes wait for one too).
      if (link.confirm === false) return this.answer(key, link, sender, name, secret);
      const asks = link.asks ?? [];
      if (asks.some((a) => a.requester === sender)) return link;
      if (asks.length >= MAX_ASKS) {
        await this.close(key, link);
        return { ...link, state: "closed", asks: [] };
      }
      const ask: Ask = { requester: sender, name, code: deviceLinkCode(link.id, sender) };
      const next: LinkMade = { ...link, asks: [...asks, ask] };
      await this.core.store.batch([{ op: "put", key, value: next }]);
      this.core.emit("account");
      return next;
    }
    if (message.step === "ready") {
      // Only the person's own key can say the new device is ready: it was given the words.
      if (link.state !== "answered" || sender !== this.svc.me() || !link.requester) return link;
      return this.addDevice(key, link, message.keyPackage, message.name);
    }
    return link;
  }

  /** Sends the person's words to the device that asked from `requester`: the link is used. */
  private async answer(
    key: string,
    link: LinkMade,
    requester: string,
    name: string,
    secret: Uint8Array,
  ): Promise<LinkMade> {
    const account = this.core.requireAccount();
    const answer = wrapDeviceLinkMessage({
      message: {
        step: "answer",
        words: this.core.requireSecrets().words,
        name: account.name,
        relays: account.relays,
        from: await this.name(),
      },
      senderSecretKey: secret,
      recipientPubkey: requester,
      now: this.core.now(),
    });
    const next: LinkMade = { ...link, state: "answered", requester, name, asks: [] };
    await this.core.store.batch([{ op: "put", key, value: next }]);
    await this.core.transport.outbox.enqueue(answer as NostrEvent, link.relays, { label: "device link" });
    this.core.emit("account");
    return next;
  }

  /** Adds the new device to every group this person is in, then sends it the history. */
  private async addDevice(
    key: string,
    link: LinkMade,
    keyPackageId: string,
    name: string,
  ): Promise<LinkMade> {
    const me = this.svc.me();
    let groups = 0;
    let parts = 0;
    for (const rec of await this.svc.records()) {
      if (rec.status !== "active") continue;
      const invitees = (await this.svc.fetchInvitees(rec, me)).filter(
        (i) => i.keyPackageEvent.id === keyPackageId,
      );
      if (invitees.length === 0) continue;
      if (rec.pending) await this.settle(rec.id);
      await this.svc.propose(rec.id, { type: "add", invitees });
      await this.settle(rec.id);
      groups++;
      parts += await this.sendHistory(rec.id, link);
    }
    const newDevice = await this.newDeviceKey(keyPackageId);
    // Sealed by the person's key, as the history: the new device, now the person, knows it, while
    // the link's key is known to anyone who saw the link.
    const done = wrapDeviceLinkMessage({
      message: { step: "done", groups, parts },
      senderSecretKey: this.core.requireSecrets().secretKey,
      recipientPubkey: link.requester as string,
      now: this.core.now(),
    });
    await this.core.transport.outbox.enqueue(done as NostrEvent, link.relays, { label: "device link" });
    const next: LinkMade = { ...link, state: "linked", name, groups, parts };
    await this.core.store.batch([
      { op: "put", key, value: next },
      ...(newDevice ? [{ op: "put" as const, key: devicesKey(newDevice), value: { name } }] : []),
    ]);
    this.core.emit("account");
    return next;
  }

  /** The signature key of the device a key package event belongs to. */
  private async newDeviceKey(keyPackageId: string): Promise<string | null> {
    const account = this.core.requireAccount();
    const { events } = await this.core.transport.fetch(this.core.transport.anonymous, account.relays, [
      { ids: [keyPackageId] },
    ]);
    const event = events[0];
    if (!event) return null;
    try {
      const info = await parseKeyPackage(parseKeyPackageEvent(event).keyPackage);
      return info.signaturePublicKey;
    } catch {
      return null;
    }
  }

  /** Sends one group's records to the new device in parts; the number of parts. */
  private async sendHistory(group: string, link: LinkMade): Promise<number> {
    const rumors = await this.core.store.rumors({ group });
    const records = rumors.reverse().map((r) => JSON.stringify(r));
    const parts = historyParts(records);
    const now = this.core.now();
    for (const [i, part] of parts.entries()) {
      const wrap = wrapDeviceLinkMessage({
        message: { step: "history", group, part: i, parts: parts.length, records: part },
        senderSecretKey: this.core.requireSecrets().secretKey,
        recipientPubkey: link.requester as string,
        now,
      });
      await this.core.transport.outbox.enqueue(wrap as NostrEvent, link.relays, { label: "device history" });
    }
    return parts.length;
  }

  private async processJoining(): Promise<void> {
    const j = await this.core.store.get<LinkJoining>(JOIN_KEY);
    if (!j) return;
    const secret = hexToBytes(j.secretKey);
    const me = getPublicKey(secret);
    const pool = this.core.transport.linkPool(secret, me);
    const { events } = await this.core.transport.fetch(pool, j.relays, [{ kinds: [1059], "#p": [me] }]);
    const seenGroup = "devicejoin";
    const seen = this.core.account
      ? await this.core.store.seen(
          seenGroup,
          events.map((e) => e.id),
        )
      : new Set<string>();
    let record = j;
    for (const wrap of events) {
      if (seen.has(wrap.id)) continue;
      let opened: { message: DeviceLinkMessage; sender: string };
      try {
        opened = openDeviceLinkMessage(wrap, secret);
      } catch {
        continue;
      }
      // The answer comes from the link's key; what follows (history, done) from the person's own key,
      // which only their devices hold (anyone who saw the link holds the link's key). Until the
      // answer made the account here, those wait for a later round.
      const m = opened.message;
      const from = m.step === "answer" ? record.linkPubkey : this.core.account?.pubkey;
      if (from === undefined) continue;
      if (opened.sender !== from) {
        if (this.core.account)
          await this.core.store.batch([
            { op: "markSeen", group: seenGroup, ids: [wrap.id], at: this.core.now() },
          ]);
        continue;
      }
      if (m.step === "answer" && record.state === "requested") {
        // Anyone who saw the link holds its key: only words of the account the link is for count.
        if (!answersFor(record, m.words)) continue;
        record = await this.onAnswer(record, m);
      } else if (m.step === "history") {
        record = await this.onHistory(record, m);
      } else if (m.step === "done") {
        record = { ...record, done: { groups: m.groups, parts: m.parts } };
        await this.core.store.batch([{ op: "put", key: JOIN_KEY, value: record }]);
      }
      if (this.core.account)
        await this.core.store.batch([
          { op: "markSeen", group: seenGroup, ids: [wrap.id], at: this.core.now() },
        ]);
    }
    record = await this.importParts(record);
  }

  private async onAnswer(
    record: LinkJoining,
    m: Extract<DeviceLinkMessage, { step: "answer" }>,
  ): Promise<LinkJoining> {
    if (!this.core.account) {
      await this.svc.account.recover({
        words: m.words,
        relays: m.relays,
        ...(m.name ? { name: m.name } : {}),
      });
    }
    const kp = await this.svc.account.keyPackages.current();
    const ready = wrapDeviceLinkMessage({
      message: { step: "ready", name: record.name, keyPackage: kp.eventId },
      senderSecretKey: this.core.requireSecrets().secretKey,
      recipientPubkey: record.linkPubkey,
      now: this.core.now(),
    });
    const next: LinkJoining = { ...record, state: "ready" };
    await this.core.store.batch([
      { op: "put", key: JOIN_KEY, value: next },
      { op: "put", key: LINKER_KEY, value: { name: m.from } },
    ]);
    await this.core.transport.outbox.enqueue(ready as NostrEvent, record.relays, { label: "device link" });
    return next;
  }

  private async onHistory(
    record: LinkJoining,
    m: Extract<DeviceLinkMessage, { step: "history" }>,
  ): Promise<LinkJoining> {
    const next: LinkJoining = {
      ...record,
      expected: { ...record.expected, [m.group]: m.parts },
    };
    await this.core.store.batch([
      { op: "put", key: partKey(m.group, m.part), value: m.records },
      { op: "put", key: JOIN_KEY, value: next },
    ]);
    return next;
  }

  /** Stores the parts of every group this device is in by now; keeps the others for later. */
  private async importParts(record: LinkJoining): Promise<LinkJoining> {
    let next = record;
    for (const group of Object.keys(record.expected)) {
      const rec = await this.svc.record(group).catch(() => null);
      if (rec?.status !== "active") continue;
      const parts = await this.core.store.list<string[]>(partPrefix(group));
      if (parts.length === 0) continue;
      const ops = [];
      const done = new Set(next.stored[group] ?? []);
      for (const { key, value } of parts) {
        for (const text of value) {
          const r = JSON.parse(text) as StoredRumor;
          if (r.group !== group) continue;
          ops.push({ op: "putRumor" as const, rumor: withRefs({ ...r, group }) });
        }
        done.add(Number(key.slice(partPrefix(group).length)));
        ops.push({ op: "delete" as const, key });
      }
      next = { ...next, stored: { ...next.stored, [group]: [...done].sort((a, b) => a - b) } };
      await this.core.store.batch([...ops, { op: "put", key: JOIN_KEY, value: next }]);
      this.core.emit("chat", group);
      this.core.emit("events", group);
    }
    return next;
  }
}

/** Whether an answer's words make the account the link was made for (any, for older links). */
function answersFor(record: LinkJoining, words: string): boolean {
  if (record.accountCheck === undefined) return true;
  try {
    const { pubkey } = personFromRecoveryWords(words);
    return deviceLinkAccountCheck(record.linkPubkey, pubkey) === record.accountCheck;
  } catch {
    return false;
  }
}

/** Where a link stands, as the person reads it. */
function linkState(l: LinkMade, now: number): DeviceLinkProgress["state"] {
  if (l.state === "linked" || l.state === "closed") return l.state;
  // A link answered in time goes on past its expiry: adding the device and its history take a while.
  if (l.state === "answered") return now > l.expiresAt + ANSWERED_GRACE ? "expired" : "answered";
  if (now > l.expiresAt) return "expired";
  if (l.state === "waiting" && (l.asks ?? []).length > 0) return "asked";
  return l.state;
}

/** A device name: 1–60 characters of plain text. */
export function checkDeviceName(name: unknown): string {
  if (typeof name !== "string" || name.trim().length === 0) {
    throw rallyError("bad-input", 'Give this device a name, for example --name "Laptop".');
  }
  const n = name.trim();
  if ([...n].length > MAX_DEVICE_NAME_CHARS) {
    throw rallyError("bad-input", `A device name may be at most ${MAX_DEVICE_NAME_CHARS} characters.`);
  }
  // Control characters, line and paragraph separators, and invisible formatting (bidi overrides,
  // zero-width spaces): a name is shown beside a code, and must not move or hide one. The two
  // joiners stay: Persian words (ZWNJ) and emoji sequences (ZWJ) need them, and they move nothing.
  // biome-ignore lint/suspicious/noControlCharactersInRegex: refusing control characters is the point
  if (/[\u0000-\u001f\u007f-\u009f\u2028\u2029]|(?![\u200c\u200d])\p{Cf}/u.test(n))
    throw rallyError("bad-input", "A device name cannot contain control or invisible formatting characters.");
  return n;
}
