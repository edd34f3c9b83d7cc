/**
 * A group's public face (docs/PROTOCOL.md §19): admins give the group its own Nostr key, a public
 * profile, a NIP-52 calendar and public versions of the events they publish; people without Rally
 * answer those from the web (wire/publicAnswer.ts) and admins approve or refuse the answers.
 *
 * The key's secret is shared only with the current admins (a 1927 sealed to them inside the group).
 * Whenever an admin device syncs, it brings the relays in line with the group's state
 * (`reconcile`): the profile, the calendar and one public event per published event, rebuilt from
 * the private event (so an edit or a cancellation shows publicly at the next admin sync), and
 * deletions for what is no longer published — and for every event of a key an admin who left knew
 * (`rotate`: a new key replaces it, the old one signs the deletions). Only the builders in the
 * protocol's app/publicFace.ts decide which fields go public.
 *
 * Runs in: Node and browsers. Writers run under `core.exclusive`.
 */

import {
  buildAnswerDecision,
  buildAnswerShare,
  buildPublication,
  buildPublicDeletion,
  buildPublicFace,
  buildPublicProfile,
  type CalendarEventState,
  checkPublicProfile,
  findEvent,
  InvalidInputError,
  KIND_DELETION,
  newPublicD,
  newPublicKeySecret,
  PUBLIC_KINDS,
  type PublicProfile,
  publicAddress,
  publicCalendarTemplate,
  publicEventTemplate,
  publicEventUrl,
  publicGroupUrl,
  publicInstances,
  publicProfileTemplate,
  sealRumor,
  unixToIso,
  unixToZonedIso,
} from "@rally/protocol/app";
import { KIND_GIFT_WRAP, signEvent } from "@rally/protocol/nostr";
import { answerWorkProblem, openPublicAnswer, wrapPublicReply } from "@rally/protocol/wire";
import type { NostrEvent } from "nostr-tools/core";
import { getPublicKey } from "nostr-tools/pure";
import type { PublicAnswerView, PublicFaceInput, PublicFaceView } from "../api.ts";
import { asRallyError, rallyError } from "../errors.ts";
import { bytesToHex, hexToBytes } from "../hex.ts";
import { Outbox } from "../net/outbox.ts";
import { keys } from "../store/keys.ts";
import type { WriteOp } from "../store/store.ts";
import type { AppService, GroupSnapshot } from "./appService.ts";
import type { GroupRecord } from "./groupRecord.ts";
import type { GroupService } from "./groupService.ts";
import { toNpub } from "./people.ts";
import {
  effectiveAdmins,
  type FaceRecord,
  type PublicationRecord,
  type WebAnswerRecord,
} from "./publicFaceRecords.ts";
import { planPublic, type WantedEvent } from "./publicPlan.ts";

/** The occurrence a web answer names (`<kind>:<key>:<d>:<original start unix>`), written in the event's zone. */
function occurrenceOf(address: string, e: CalendarEventState): string | null {
  const at = address.split(":")[3];
  if (at === undefined || !/^\d{1,12}$/.test(at)) return null;
  if (e.time.allDay) return unixToIso(Number(at)).slice(0, 10);
  return e.time.tz ? unixToZonedIso(Number(at), e.time.tz) : unixToIso(Number(at));
}

/** NIP-59 dates a gift wrap up to two days back; a day more for clocks that are off. */
const WRAP_BACKDATING_SECONDS = 3 * 86_400;

/**
 * Wraps asked of a relay per request (below strfry's default cap, 500). A relay may cap lower, so
 * only a page of fewer than `ANSWER_PAGE_END` wraps is taken as the end; a longer one, even short
 * of the size asked, is followed by another (one more request when many answers came lately).
 * Pages per sync round are bounded so a flood cannot hold sync up; the sweep goes on next round
 * from where it stopped.
 */
const ANSWER_PAGE_SIZE = 200;
const ANSWER_PAGE_END = 50;
const ANSWER_PAGES_PER_ROUND = 10;

/** Where reading a relay's answer wraps got to (under `keys.cursor(relay, "answers <key>")`). */
interface AnswerCursor {
  /** When the last finished sweep started. */
  last?: number;
  /** A sweep not finished yet: `until` is one second before the oldest wrap it read. */
  sweep?: AnswerSweep;
}
interface AnswerSweep {
  startedAt: number;
  since?: number;
  until?: number;
}

const APPROVED_MESSAGE = "Your answer is approved. See you there!";
const REFUSED_MESSAGE = "Sorry, the hosts could not give you a place this time.";

function profileOf(input: PublicFaceInput): PublicProfile {
  try {
    return checkPublicProfile({
      name: input.name,
      about: input.about ?? null,
      picture: input.picture ?? null,
      website: input.website ?? null,
    });
  } catch (e) {
    throw e instanceof InvalidInputError
      ? rallyError("bad-input", `${e.message}.`)
      : asRallyError(e, "bad-input");
  }
}

/** How long a sync round trusts that the relays still show what it last put there. */
const RECHECK_SECONDS = 600;

export class PublicFace {
  /** Per group: what the relays were last brought in line with, and when (this process only). */
  private readonly lastReconciled = new Map<string, { fingerprint: string; at: number }>();
  /**
   * Gift wraps to a group key this device read since it started: `skipped` lacked the proof of work
   * (dropped on sight of the id, never decrypted; counted each time a fetch brings one back),
   * `opened` were decrypted (each once: the seen set keeps them from being opened again).
   */
  readonly answerWraps = { skipped: 0, opened: 0 };

  constructor(
    private readonly svc: GroupService,
    private readonly app: AppService,
  ) {}

  private get core() {
    return this.svc.core;
  }

  private requireAdmin(rec: GroupRecord, what: string): void {
    if (!effectiveAdmins(rec).includes(this.svc.me())) {
      throw rallyError("not-admin", `Only an admin of "${rec.name}" can ${what}.`);
    }
  }

  private face(id: string): Promise<FaceRecord | undefined> {
    return this.core.store.get<FaceRecord>(keys.publicFace(id));
  }

  private async requireFace(rec: GroupRecord): Promise<FaceRecord> {
    const face = await this.face(rec.id);
    if (!face || face.off) {
      throw rallyError(
        "no-public-face",
        `"${rec.name}" has no public face yet: an admin turns it on first (rally group public GROUP --name NAME).`,
      );
    }
    return face;
  }

  private async publications(id: string): Promise<PublicationRecord[]> {
    return (await this.core.store.list<PublicationRecord>(keys.publicationPrefix(id))).map((r) => r.value);
  }

  /** Seals the face to the current admins (and this person's other devices) and stores it. */
  private async share(rec: GroupRecord, face: FaceRecord): Promise<FaceRecord> {
    const me = this.svc.me();
    const createdAt = Math.max(this.core.now(), face.at + 1);
    const inner = buildPublicFace(
      { secret: face.secret, ...face.profile, off: face.off, publications: await this.publications(rec.id) },
      { pubkey: me, createdAt },
    );
    let sealed: ReturnType<typeof sealRumor>;
    try {
      sealed = sealRumor({
        inner,
        senderSecretKey: this.core.requireSecrets().secretKey,
        recipients: effectiveAdmins(rec),
        createdAt,
      });
    } catch (e) {
      throw asRallyError(e, "bad-input");
    }
    const stored: FaceRecord = { ...face, at: createdAt, rumor: inner.id };
    delete stored.rotate;
    delete stored.reshare;
    await this.core.store.batch([{ op: "put", key: keys.publicFace(rec.id), value: stored }]);
    await this.svc.sendRumor(rec.id, sealed);
    return stored;
  }

  async setFace(id: string, input: PublicFaceInput | { off: true }): Promise<{ npub: string; url: string }> {
    const rec = await this.svc.activeRecord(id);
    this.requireAdmin(rec, "change its public face");
    const existing = await this.face(id);
    let face: FaceRecord;
    if ("off" in input) {
      if (!existing || existing.off) {
        throw rallyError("no-public-face", `"${rec.name}" has no public face to turn off.`);
      }
      face = { ...existing, off: true };
    } else {
      const profile = profileOf(input);
      if (existing) {
        face = { ...existing, profile, off: false };
      } else {
        const secret = newPublicKeySecret();
        face = {
          group: id,
          secret: bytesToHex(secret),
          pubkey: getPublicKey(secret),
          profile,
          off: false,
          at: 0,
          rumor: "",
          retired: [],
        };
        secret.fill(0);
      }
    }
    face = await this.share(rec, face);
    await this.reconcileSoon(rec, face);
    this.core.emit("groups", id);
    return this.groupUrl(rec, face);
  }

  private groupUrl(rec: GroupRecord, face: FaceRecord): { npub: string; url: string } {
    try {
      return publicGroupUrl(rec.relays[0] ?? "", face.pubkey);
    } catch (e) {
      throw asRallyError(e, "bad-input");
    }
  }

  private async findEvent(
    rec: GroupRecord,
    eventId: string,
  ): Promise<{ snap: GroupSnapshot; e: CalendarEventState }> {
    const snap = await this.app.snapshot(rec);
    const e = findEvent(snap.state, eventId);
    if (!e) {
      throw rallyError(
        "unknown-event",
        `There is no event "${eventId}" in "${rec.name}". "rally event list" shows the events.`,
      );
    }
    return { snap, e };
  }

  private async record(rec: GroupRecord, publication: PublicationRecord): Promise<void> {
    const me = this.svc.me();
    const rumor = buildPublication(
      { event: publication.event, d: publication.d, status: publication.status },
      { pubkey: me, createdAt: publication.at },
    );
    await this.core.store.batch([
      { op: "put", key: keys.publication(rec.id, publication.event), value: publication },
    ]);
    await this.svc.sendRumor(rec.id, rumor);
  }

  async publish(id: string, eventId: string): Promise<{ naddr: string; url: string }> {
    const rec = await this.svc.activeRecord(id);
    this.requireAdmin(rec, "publish its events");
    const face = await this.requireFace(rec);
    const { e } = await this.findEvent(rec, eventId);
    const existing = await this.core.store.get<PublicationRecord>(keys.publication(id, e.id));
    const publication: PublicationRecord = {
      group: id,
      event: e.id,
      d: existing?.d ?? newPublicD(),
      status: "published",
      at: Math.max(this.core.now(), (existing?.at ?? 0) + 1),
    };
    if (existing?.status !== "published") await this.record(rec, publication);
    await this.reconcileSoon(rec, face);
    this.core.emit("events", id);
    // A repeating event's page is its next occurrence's.
    const first = publicInstances(e, publication.d, this.core.now())[0];
    const kind = first ? (first.time.allDay ? 31922 : 31923) : e.kind;
    try {
      return publicEventUrl(rec.relays[0] ?? "", kind, face.pubkey, first?.d ?? publication.d);
    } catch (err) {
      throw asRallyError(err, "bad-input");
    }
  }

  /** The face as this device holds it, with each published event's page, for the screens. */
  async view(id: string): Promise<PublicFaceView | null> {
    const rec = await this.svc.record(id);
    const face = await this.face(id);
    if (!face) return null;
    const relay = rec.relays[0] ?? "";
    const events: PublicFaceView["events"] = [];
    if (!face.off) {
      const snap = await this.app.snapshot(rec);
      for (const p of await this.publications(id)) {
        const e = p.status === "published" ? findEvent(snap.state, p.event) : undefined;
        if (!e) continue;
        // As publish() says it: a repeating event's page is its next occurrence's.
        const first = publicInstances(e, p.d, this.core.now())[0];
        const kind = first ? (first.time.allDay ? 31922 : 31923) : e.kind;
        try {
          events.push({ event: e.id, ...publicEventUrl(relay, kind, face.pubkey, first?.d ?? p.d) });
        } catch {
          // No relay to name a page by: the event is still published, without a link here.
        }
      }
    }
    const { profile } = face;
    return {
      on: !face.off,
      ...this.groupUrl(rec, face),
      profile: {
        name: profile.name,
        ...(profile.about ? { about: profile.about } : {}),
        ...(profile.picture ? { picture: profile.picture } : {}),
        ...(profile.website ? { website: profile.website } : {}),
      },
      events,
    };
  }

  async unpublish(id: string, eventId: string): Promise<void> {
    const rec = await this.svc.activeRecord(id);
    this.requireAdmin(rec, "withdraw its public events");
    const face = await this.requireFace(rec);
    const { e } = await this.findEvent(rec, eventId);
    const existing = await this.core.store.get<PublicationRecord>(keys.publication(id, e.id));
    if (existing?.status !== "published") {
      throw rallyError("not-published", `"${e.title}" is not published.`);
    }
    await this.record(rec, {
      ...existing,
      status: "unpublished",
      at: Math.max(this.core.now(), existing.at + 1),
    });
    await this.reconcileSoon(rec, face);
    this.core.emit("events", id);
  }

  /** After this device changed an event: its public version follows at once (admins only). */
  async afterEventChange(id: string): Promise<void> {
    const rec = await this.svc.record(id);
    const face = await this.face(id);
    if (!face || rec.status !== "active" || !effectiveAdmins(rec).includes(this.svc.me())) return;
    await this.reconcile(rec, face).catch(() => undefined);
  }

  /** The round's work, for each group this person administers with a public face. */
  async process(): Promise<void> {
    for (const rec of await this.svc.records()) {
      if (rec.status !== "active" || !effectiveAdmins(rec).includes(this.svc.me())) continue;
      let face = await this.face(rec.id);
      if (!face) continue;
      try {
        if (face.rotate) face = await this.rotate(rec, face);
        else if (face.reshare) face = await this.share(rec, face);
        await this.reconcile(rec, face, { quiet: true });
        if (!face.off) {
          await this.fetchAnswers(rec, face);
          await this.sendOwedReplies(rec, face);
        }
      } catch {
        // Relays unreachable or the group busy: the next round tries again.
      }
    }
  }

  /** A new key after an admin left: the old one is retired (its events get deleted with it). */
  private async rotate(rec: GroupRecord, face: FaceRecord): Promise<FaceRecord> {
    const secret = newPublicKeySecret();
    const next: FaceRecord = {
      ...face,
      secret: bytesToHex(secret),
      pubkey: getPublicKey(secret),
      retired: [...new Set([...face.retired, face.secret])],
    };
    secret.fill(0);
    return this.share(rec, next);
  }

  /** What the group key should show: profile, one event per published event, the calendar. */
  private async wanted(rec: GroupRecord, face: FaceRecord, now: number): Promise<WantedEvent[]> {
    const snap = await this.app.snapshot(rec);
    const out: WantedEvent[] = [];
    const { created_at: _p, ...profile } = publicProfileTemplate(face.profile, 0);
    out.push(profile);
    const addresses: string[] = [];
    for (const p of await this.publications(rec.id)) {
      if (p.status !== "published") continue;
      const e = snap.state.events.find((x) => x.id === p.event);
      if (!e) continue;
      // A repeating event: one public event per upcoming occurrence (publicInstances).
      for (const one of publicInstances(e, p.d, now)) {
        const { created_at: _e, ...event } = publicEventTemplate(
          {
            event: e,
            d: one.d,
            groupPubkey: face.pubkey,
            time: one.time,
            ...(one.series !== undefined ? { series: one.series } : {}),
          },
          0,
        );
        out.push(event);
        addresses.push(publicAddress(event.kind, face.pubkey, one.d));
      }
    }
    const { created_at: _c, ...calendar } = publicCalendarTemplate(face.profile, addresses, 0);
    out.push(calendar);
    return out;
  }

  private async onRelays(rec: GroupRecord, pubkey: string): Promise<NostrEvent[]> {
    // Deletions pile up with every withdrawal; only the newest matters (planPublic's floor).
    const { events, report } = await this.core.transport.fetch(this.core.transport.anonymous, rec.relays, [
      { kinds: [...PUBLIC_KINDS], authors: [pubkey] },
      { kinds: [KIND_DELETION], authors: [pubkey], limit: 1 },
    ]);
    if (!report.any) throw rallyError("unreachable", "No relay of the group could be reached.");
    // What this device queued and no relay has taken yet counts as shown: planning again from the
    // relays alone would sign a second version in the same second.
    const outbox = this.core.transport.outbox;
    await outbox.refresh();
    const queued = (await outbox.list())
      .filter((e) => e.state === "pending" && e.event.pubkey === pubkey)
      .map((e) => e.event);
    return [...events.filter((e) => e.pubkey === pubkey), ...queued];
  }

  private queue(rec: GroupRecord, events: readonly NostrEvent[]): WriteOp[] {
    const now = this.core.nowMs();
    // A deletion goes only after the events queued with it: a relay refuses for good an event that
    // a deletion it already holds names (the empty profile of --off, NIP-09).
    const before = events.filter((e) => e.kind !== KIND_DELETION).map((e) => e.id);
    return events.map(
      (e) =>
        Outbox.prepare(e, rec.relays, {
          label: `public ${rec.id}`,
          now,
          ...(e.kind === KIND_DELETION && before.length > 0 ? { after: before } : {}),
        }).op,
    );
  }

  /**
   * After a command: the relays now, or — none reachable — at the next sync round; what the command
   * recorded in the group is queued either way.
   */
  private async reconcileSoon(rec: GroupRecord, face: FaceRecord): Promise<void> {
    try {
      await this.reconcile(rec, face);
    } catch (e) {
      if ((e as { code?: string }).code !== "unreachable") throw e;
    }
  }

  /** Brings the relays in line: the current key's events as wanted, retired keys' events deleted. */
  private async reconcile(
    rec: GroupRecord,
    face: FaceRecord,
    options: { quiet?: boolean } = {},
  ): Promise<void> {
    const now = this.core.now();
    const secret = hexToBytes(face.secret);
    const out: NostrEvent[] = [];
    const wanted = face.off ? [] : await this.wanted(rec, face, now);
    // A round whose wanted events are the ones this device last brought the relays in line with
    // asks no relay, for up to RECHECK_SECONDS (then it looks again, in case a relay lost some).
    const fingerprint = JSON.stringify([face.pubkey, face.off, face.retired, wanted]);
    const last = this.lastReconciled.get(rec.id);
    const settled = face.retired.length === 0 && last?.fingerprint === fingerprint;
    if (options.quiet && settled && now - (last?.at ?? 0) < RECHECK_SECONDS) return;
    const present = await this.onRelays(rec, face.pubkey);
    if (face.off) {
      out.push(...this.withdrawAll(present, secret, now));
    } else {
      // Occurrences of a published series that are over stay on the relays as they were.
      const series = new Set(
        (await this.publications(rec.id)).filter((p) => p.status === "published").map((p) => p.d),
      );
      const past = (e: NostrEvent): boolean => {
        const [d, at] = (e.tags.find((t) => t[0] === "d")?.[1] ?? "").split(":");
        return at !== undefined && series.has(d ?? "") && Number(at) < now;
      };
      const plan = planPublic(wanted, present, now, past);
      for (const s of plan.sign) out.push(signEvent(s, secret));
      if (plan.remove.length > 0) {
        out.push(
          buildPublicDeletion(plan.remove, secret, Math.max(now, ...plan.remove.map((e) => e.created_at))),
        );
      }
    }
    const stillRetired: string[] = [];
    for (const old of face.retired) {
      const oldSecret = hexToBytes(old);
      const theirs = await this.onRelays(rec, getPublicKey(oldSecret));
      const gone = this.withdrawAll(theirs, oldSecret, now);
      out.push(...gone);
      if (gone.length > 0) stillRetired.push(old);
    }
    const ops = this.queue(rec, out);
    if (stillRetired.length !== face.retired.length) {
      // A retired key whose relays show nothing more is forgotten; the others are checked again.
      const stored = await this.face(rec.id);
      if (stored) {
        const retired = stored.retired.filter((s) => stillRetired.includes(s) || !face.retired.includes(s));
        ops.push({ op: "put", key: keys.publicFace(rec.id), value: { ...stored, retired } });
      }
    }
    if (ops.length > 0) {
      await this.core.store.batch(ops);
      this.core.wakeOutbox();
    }
    this.lastReconciled.set(rec.id, { fingerprint, at: now });
  }

  /**
   * Everything a key shows, withdrawn: a profile with content is first replaced by an empty one
   * (for relays that ignore deletions), then one deletion names every event.
   */
  private withdrawAll(present: readonly NostrEvent[], secret: Uint8Array, now: number): NostrEvent[] {
    const shown = present.filter((e) => e.kind !== KIND_DELETION);
    if (shown.length === 0) return [];
    const out: NostrEvent[] = [];
    const targets = [...shown];
    const profile = shown.find((e) => e.kind === 0 && e.content !== "{}");
    if (profile) {
      const empty = buildPublicProfile(null, secret, Math.max(now, profile.created_at + 1));
      out.push(empty);
      targets.push(empty);
    }
    out.push(buildPublicDeletion(targets, secret, Math.max(now, ...targets.map((e) => e.created_at))));
    return out;
  }

  // --- answers from the web ---

  /**
   * Reads new answers wrapped to the group key and keeps those for a published event. Each relay is
   * read page by page, newest first, because a relay answers one request with its newest events
   * only: wraps without the proof of work cost nothing to send and can be dated "now", while an
   * honest wrap is dated up to two days back, so one request could be all junk.
   */
  private async fetchAnswers(rec: GroupRecord, face: FaceRecord): Promise<void> {
    const secret = hexToBytes(face.secret);
    const pool = this.core.transport.linkPool(secret, face.pubkey);
    const byD = new Map((await this.publications(rec.id)).map((p) => [p.d, p]));
    // Before reading went per relay, one cursor served every relay; it starts each relay's first sweep.
    const shared = await this.core.store.get<number>(keys.cursor("*", `answers ${face.pubkey}`));
    for (const relay of rec.relays) {
      const cursorKey = keys.cursor(relay, `answers ${face.pubkey}`);
      const stored = await this.core.store.get<AnswerCursor>(cursorKey);
      const last = stored?.last ?? shared;
      // A sweep reads from now back to where the last finished sweep started, less the two days
      // NIP-59 may date a wrap back (the seen set skips those read before). One left unfinished
      // (a flood longer than a round's pages) goes on from where it stopped.
      const sweep: AnswerSweep = stored?.sweep ?? {
        startedAt: this.core.now(),
        ...(last === undefined ? {} : { since: last - WRAP_BACKDATING_SECONDS }),
      };
      let next: AnswerCursor | undefined;
      for (let page = 0; page < ANSWER_PAGES_PER_ROUND; page++) {
        const { events, report } = await this.core.transport.fetch(
          pool,
          [relay],
          [
            {
              kinds: [KIND_GIFT_WRAP],
              "#p": [face.pubkey],
              limit: ANSWER_PAGE_SIZE,
              ...(sweep.since === undefined ? {} : { since: sweep.since }),
              ...(sweep.until === undefined ? {} : { until: sweep.until }),
            },
          ],
        );
        if (!report.any) break; // unreachable: tried again next round from the same point
        const { ops, fresh } = await this.takeAnswers(rec, face, secret, events, byD);
        const oldest = Math.min(...events.map((e) => e.created_at));
        const done = events.length < ANSWER_PAGE_END || (sweep.since !== undefined && oldest <= sweep.since);
        if (done) {
          next = { last: sweep.startedAt };
        } else {
          sweep.until = oldest - 1;
          next = { ...(last === undefined ? {} : { last }), sweep: { ...sweep } };
        }
        ops.push({ op: "put", key: cursorKey, value: next });
        await this.core.store.batch(ops);
        if (fresh.length > 0) await this.shareAnswers(rec, fresh);
        if (done) break;
      }
    }
  }

  /** One page of wraps: those with the proof of work opened once each, answers to a publication kept. */
  private async takeAnswers(
    rec: GroupRecord,
    face: FaceRecord,
    secret: Uint8Array,
    events: readonly NostrEvent[],
    byD: ReadonlyMap<string, PublicationRecord>,
  ): Promise<{ ops: WriteOp[]; fresh: WebAnswerRecord[] }> {
    // Anyone can send wraps to the group key straight to a relay; one without the proof of work (a
    // look at its id and tags) is dropped before the store or a decryption is spent on it, and is not
    // marked seen (a flood of them would fill the seen set).
    const worked = events.filter((wrap) => answerWorkProblem(wrap) === undefined);
    this.answerWraps.skipped += events.length - worked.length;
    const seenGroup = `face ${face.pubkey}`;
    const seen = await this.core.store.seen(
      seenGroup,
      worked.map((e) => e.id),
    );
    const ops: WriteOp[] = [];
    const seenIds: string[] = [];
    const fresh: WebAnswerRecord[] = [];
    for (const wrap of worked) {
      if (seen.has(wrap.id) || seenIds.includes(wrap.id)) continue;
      seenIds.push(wrap.id);
      let answer: ReturnType<typeof openPublicAnswer>;
      try {
        this.answerWraps.opened++;
        answer = openPublicAnswer(wrap as Parameters<typeof openPublicAnswer>[0], secret);
      } catch {
        continue; // damaged, forged, or for another key
      }
      const d = answer.event.split(":")[2]?.split(":")[0] ?? "";
      const publication = byD.get(d);
      if (!publication) continue;
      const key = keys.webAnswer(rec.id, answer.id);
      if ((await this.core.store.get(key)) || fresh.some((f) => f.answer.id === answer.id)) continue;
      const record: WebAnswerRecord = {
        group: rec.id,
        event: publication.event,
        answer,
        decision: null,
        decidedAt: null,
        decidedBy: null,
      };
      fresh.push(record);
      ops.push({ op: "put", key, value: record });
    }
    if (seenIds.length > 0) ops.push({ op: "markSeen", group: seenGroup, ids: seenIds, at: this.core.now() });
    return { ops, fresh };
  }

  /** Who may decide on answers to `e` and read them: the admins and the event's hosts (members). */
  private deciders(rec: GroupRecord, e: CalendarEventState): string[] {
    return [...new Set([...effectiveAdmins(rec), e.owner, ...e.hosts])].filter((p) =>
      rec.members.includes(p),
    );
  }

  /** Passes new web answers on to the admins and the event's hosts (1931, sealed): hosts hold no key. */
  private async shareAnswers(rec: GroupRecord, fresh: readonly WebAnswerRecord[]): Promise<void> {
    const snap = await this.app.snapshot(rec);
    const me = this.svc.me();
    for (const r of fresh) {
      const e = snap.state.events.find((x) => x.id === r.event);
      if (!e) continue;
      const createdAt = this.core.now();
      const inner = buildAnswerShare({ event: e.id, answer: r.answer }, { pubkey: me, createdAt });
      await this.svc.sendRumor(
        rec.id,
        sealRumor({
          inner,
          senderSecretKey: this.core.requireSecrets().secretKey,
          recipients: this.deciders(rec, e),
          createdAt,
        }),
      );
    }
  }

  /** The group's reply (1930) to a web answer, from the group key; null when it cannot be made. */
  private reply(
    face: FaceRecord,
    r: WebAnswerRecord,
    e: CalendarEventState,
    status: "approved" | "refused",
  ): NostrEvent {
    try {
      return wrapPublicReply(
        {
          answer: r.answer.id,
          event: r.answer.event,
          status,
          place: status === "approved" ? e.location : null,
          message: status === "approved" ? APPROVED_MESSAGE : REFUSED_MESSAGE,
        },
        hexToBytes(face.secret),
        r.answer.replyTo,
        this.core.now(),
      );
    } catch (err) {
      throw asRallyError(err, "bad-input");
    }
  }

  /** Replies the group owes: decisions of hosts (who hold no key) that no device here replied to. */
  private async sendOwedReplies(rec: GroupRecord, face: FaceRecord): Promise<void> {
    const rows = (await this.core.store.list<WebAnswerRecord>(keys.webAnswerPrefix(rec.id))).map(
      (r) => r.value,
    );
    const owed = rows.filter((r) => r.decision !== null && r.replied !== true && r.decidedBy !== null);
    if (owed.length === 0) return;
    const snap = await this.app.snapshot(rec);
    const ops: WriteOp[] = [];
    for (const r of owed) {
      const e = snap.state.events.find((x) => x.id === r.event);
      if (!e || !this.deciders(rec, e).includes(r.decidedBy as string)) continue;
      ops.push(...this.queue(rec, [this.reply(face, r, e, r.decision as "approved" | "refused")]), {
        op: "put",
        key: keys.webAnswer(rec.id, r.answer.id),
        value: { ...r, replied: true },
      });
    }
    if (ops.length > 0) {
      await this.core.store.batch(ops);
      this.core.wakeOutbox();
    }
  }

  /** Answers to an event: from the web (admins' devices hold them) and from members. */
  async answers(id: string, eventId: string): Promise<PublicAnswerView[]> {
    const rec = await this.svc.record(id);
    const { snap, e } = await this.findEvent(rec, eventId);
    const me = this.svc.me();
    const deciders = this.deciders(rec, e);
    if (!deciders.includes(me)) {
      throw rallyError(
        "not-admin",
        `Only the hosts of "${e.title}" and the admins of "${rec.name}" see its answers.`,
      );
    }
    const out: PublicAnswerView[] = [];
    const rows = await this.core.store.list<WebAnswerRecord>(keys.webAnswerPrefix(id));
    for (const { value: r } of rows) {
      if (r.event !== e.id) continue;
      // A decision counts from an admin or a host of the event only.
      const decision = r.decision !== null && deciders.includes(r.decidedBy ?? "") ? r.decision : "pending";
      out.push({
        id: r.answer.id,
        name: r.answer.name,
        status: r.answer.status,
        guests: r.answer.guests,
        approved: decision === "approved" || (decision === "pending" && e.approval !== true),
        decision,
        via: "web",
        contact: r.answer.contact,
        note: r.answer.note,
        at: r.answer.at,
        occurrence: occurrenceOf(r.answer.event, e),
      });
    }
    for (const a of e.rsvps) {
      out.push({
        id: toNpub(a.pubkey),
        name: snap.nameOf(a.pubkey),
        status: a.status,
        guests: a.guests,
        approved: true,
        decision: "approved",
        via: "rally",
        contact: null,
        note: a.note,
        at: a.createdAt,
        occurrence: null,
      });
    }
    return out.sort((a, b) => a.at - b.at || (a.id < b.id ? -1 : 1));
  }

  /**
   * An admin's or host's decision on a web answer: sealed to the admins and hosts (1929); the reply
   * goes out from here when this device holds the group key, else from an admin's device at its next
   * round (`sendOwedReplies`).
   */
  async decide(id: string, eventId: string, answerId: string, status: "approved" | "refused"): Promise<void> {
    const rec = await this.svc.activeRecord(id);
    const { e } = await this.findEvent(rec, eventId);
    const me = this.svc.me();
    const deciders = this.deciders(rec, e);
    if (!deciders.includes(me)) {
      throw rallyError(
        "not-admin",
        `Only the hosts of "${e.title}" and the admins of "${rec.name}" can approve or refuse its answers.`,
      );
    }
    const key = keys.webAnswer(id, answerId);
    const r = await this.core.store.get<WebAnswerRecord>(key);
    if (!r || r.event !== e.id) {
      throw rallyError("unknown-answer", `There is no answer "${answerId}" from the web to "${e.title}".`);
    }
    const face = effectiveAdmins(rec).includes(me) ? await this.face(id) : undefined;
    const replies = face && !face.off ? [this.reply(face, r, e, status)] : [];
    const now = this.core.now();
    const inner = buildAnswerDecision(
      { answer: r.answer.id, event: e.id, status },
      { pubkey: me, createdAt: now },
    );
    const sealed = sealRumor({
      inner,
      senderSecretKey: this.core.requireSecrets().secretKey,
      recipients: deciders,
      createdAt: now,
    });
    const decided: WebAnswerRecord = {
      ...r,
      decision: status,
      decidedAt: now,
      decidedBy: me,
      replied: replies.length > 0,
    };
    await this.core.store.batch([{ op: "put", key, value: decided }, ...this.queue(rec, replies)]);
    if (replies.length > 0) this.core.wakeOutbox();
    await this.svc.sendRumor(id, sealed);
  }
}
