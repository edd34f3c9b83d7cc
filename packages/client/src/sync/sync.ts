/**
 * One round of catching up with the relays, for every group at once:
 *
 *   1. gift wraps to the person (authenticated connection) → welcomes → pending invites
 *   2. kind 445 by the routing tags of every live group's current and retained epochs, one short
 *      request per tag (so no request links two groups or two epochs), from where each tag's
 *      cursor stands, again and again while some group moves to a new epoch (its new tag is only
 *      known after its commit)
 *   3. follow-ups: a lost commit is proposed again, requests to leave are committed, and after an
 *      add that won, the names of the members are sent so newcomers see names, not keys.
 *
 * Runs in: Node and browsers. The caller holds `core.exclusive`.
 */

import { buildProfileRumor, KIND_PROFILE } from "@rally/protocol/app";
import { pendingProposalCount } from "@rally/protocol/mls";
import { KIND_GIFT_WRAP } from "@rally/protocol/nostr";
import type { NostrEvent } from "nostr-tools/core";
import { RECOVERED_NAME } from "../account/accountService.ts";
import type { AppService } from "../group/appService.ts";
import type { GroupRecord } from "../group/groupRecord.ts";
import { isLive } from "../group/groupRecord.ts";
import type { GroupService } from "../group/groupService.ts";
import type { JoinSent } from "../group/inviteLinks.ts";
import type { JoinRequestRecord } from "../group/joinRequests.ts";
import { joinedKeyUpdateOp } from "../group/keyUpdates.ts";
import { loadState } from "../group/mlsStore.ts";
import { addStillWanted } from "../group/owedAdds.ts";
import { keys } from "../store/keys.ts";
import { sequencePlaces } from "./places.ts";
import { type BatchResult, processGroupEvents, stillWanted, tagFilters } from "./receive.ts";
import type { TagCursors } from "./tagCursors.ts";
import { INBOX, processWelcomes } from "./welcomes.ts";

/** NIP-59 wraps carry a created_at up to two days in the past: read back a little further. */
const WRAP_SLACK_SECONDS = 3 * 24 * 3600;
const MAX_ROUNDS = 32;

export interface RoundReport {
  received: number;
  /** Messages that reused a sender generation already read (see `BatchResult.senderFaults`). */
  senderFaults: number;
  invites: number;
  reachable: boolean;
}

/** Gift wraps addressed to the person → welcomes. */
export async function syncInbox(
  svc: GroupService,
): Promise<{ invites: number; reachable: boolean; autoJoined: string[] }> {
  const core = svc.core;
  const account = core.requireAccount();
  const joins = await core.store.list<JoinSent>(keys.joinSentPrefix);
  const relays = [
    ...new Set([
      ...account.relays,
      ...joins.filter((j) => j.value.state === "waiting").flatMap((j) => j.value.relays),
    ]),
  ];
  const cursor = await core.store.get<number>(keys.cursor("*", INBOX));
  const started = core.now();
  const filter: { kinds: number[]; "#p": string[]; since?: number } = {
    kinds: [KIND_GIFT_WRAP],
    "#p": [account.pubkey],
  };
  if (cursor !== undefined) filter.since = Math.max(0, cursor - WRAP_SLACK_SECONDS);
  const { events, report } = await core.transport.fetch(core.transport.identity, relays, [filter]);
  const outcome = await processWelcomes(svc, events);
  if (report.any) await core.store.batch([{ op: "put", key: keys.cursor("*", INBOX), value: started }]);
  return {
    invites: outcome.joined.length,
    reachable: report.any,
    autoJoined: outcome.joined.filter((j) => j.autoAccepted).map((j) => j.id),
  };
}

/** One-shot fetches of routing tags in flight at once (relays cap subscriptions per connection). */
const FETCHES_AT_ONCE = 8;

/**
 * Fetches and processes kind 445 for every live group until no group moves. Each tag is its own
 * short request (a group's current epoch apart from its retained ones, and apart from every other
 * group's), all of them at once up to `FETCHES_AT_ONCE`, each from the newest event `cursors` saw
 * under it (see `tagCursors.ts`); without cursors, every tag is read in full.
 */
export async function syncGroups(
  svc: GroupService,
  app: AppService,
  only?: string,
  cursors?: TagCursors,
): Promise<RoundReport> {
  const fetched = new Set<string>();
  const report: RoundReport = { received: 0, senderFaults: 0, invites: 0, reachable: false };
  const followUps = new Map<string, BatchResult>();
  /** Tags every relay answered to the end, with what they gave: their cursors move once processed. */
  const read: { tag: string; group: string; events: NostrEvent[] }[] = [];
  /** Relays that let a request time out in this round: later tags do not wait for them again. */
  const silent = new Set<string>();
  await cursors?.load(svc.core.store);
  for (let round = 0; round < MAX_ROUNDS; round++) {
    const recs = (await svc.records()).filter((r) => isLive(r) && (only === undefined || r.id === only));
    const wanted: { tag: string; rec: GroupRecord }[] = [];
    for (const rec of recs)
      for (const k of rec.keys) if (!fetched.has(k.tag)) wanted.push({ tag: k.tag, rec });
    if (wanted.length === 0) break;
    const results = await inBatches(wanted, FETCHES_AT_ONCE, ({ tag, rec }) =>
      fetchTag(svc, tag, rec, cursors, silent),
    );
    const byGroup = new Map<string, NostrEvent[]>();
    for (const [i, { events, reachable, complete }] of results.entries()) {
      const item = wanted[i];
      if (!item) continue;
      fetched.add(item.tag);
      if (reachable) report.reachable = true;
      if (complete) read.push({ tag: item.tag, group: item.rec.id, events });
      if (events.length === 0) continue;
      byGroup.set(item.rec.id, [...(byGroup.get(item.rec.id) ?? []), ...events]);
    }
    let moved = false;
    for (const [id, list] of byGroup) {
      const res = await processGroupEvents(svc, id, list);
      report.received += res.received;
      report.senderFaults += res.senderFaults;
      if (res.advanced) moved = true;
      const prev = followUps.get(id);
      followUps.set(id, merge(prev, res));
    }
    if (!moved) break;
  }
  for (const [id, res] of followUps) await followUp(svc, app, id, res);
  if (cursors) {
    for (const { tag, group, events } of read) await moveCursor(svc, cursors, tag, group, events);
    const tags = new Set((await svc.records()).filter(isLive).flatMap((r) => r.keys.map((k) => k.tag)));
    await cursors.save(svc.core.store, tags);
  }
  return report;
}

/** Events asked for per request when reading a tag: relays cap what one REQ returns (Rally's at 5,000, strfry's at 500). */
const TAG_PAGE = 500;
/** A relay that returned fewer than this gave everything it has (no relay caps a REQ lower). */
const TAG_PAGE_FLOOR = 100;
/** At most this many pages per tag and relay in one catch-up (200,000 events). */
const TAG_PAGES_MAX = 400;

/**
 * One routing tag's stored events, from where its cursor stands, page by page back in time from
 * each relay (NIP-01 `until`), so a relay that caps what one request returns still gives all of a
 * long epoch. The cursor moves only when every relay answered to the end: one that did not may
 * hold older events the others lack (`complete` is false then). A relay in `silent` (one that let a
 * request of this round time out) is not asked again in the round: each batch of tags would wait
 * the whole timeout for it.
 */
export async function fetchTag(
  svc: GroupService,
  tag: string,
  rec: GroupRecord,
  cursors?: TagCursors,
  silent?: Set<string>,
): Promise<{ events: NostrEvent[]; reachable: boolean; complete: boolean }> {
  const { relays, filters } = tagFilters(new Map([[tag, rec]]));
  const since = cursors?.since(tag);
  const transport = svc.core.transport;
  const found = new Map<string, NostrEvent>();
  let reachable = false;
  let complete = relays.length > 0;
  await Promise.all(
    relays.map(async (relay) => {
      if (silent?.has(relay)) {
        complete = false;
        return;
      }
      let until: number | undefined;
      // Counted per relay: another relay that already gave the newest events must not make this
      // one look finished before its older pages were read.
      const seenHere = new Set<string>();
      for (let page = 0; ; page++) {
        if (page === TAG_PAGES_MAX) {
          complete = false;
          return;
        }
        const window = {
          ...(since === undefined ? {} : { since }),
          ...(until === undefined ? {} : { until }),
        };
        const { events, report } = await transport.fetch(transport.anonymous, [relay], () =>
          filters(relay).map((f) => ({ ...f, ...window, limit: TAG_PAGE })),
        );
        if (report.any) reachable = true;
        if (!report.relays.every((r) => r.state === "eose")) {
          if (report.relays.some((r) => r.state === "timeout")) silent?.add(relay);
          complete = false;
          return;
        }
        let fresh = 0;
        let oldest = Number.POSITIVE_INFINITY;
        for (const e of events) {
          if (e.tags[0]?.[1] !== tag) continue;
          oldest = Math.min(oldest, e.created_at);
          if (!found.has(e.id)) found.set(e.id, e);
          if (seenHere.has(e.id)) continue;
          seenHere.add(e.id);
          fresh++;
        }
        // The next page ends at the oldest second seen (inclusive: others of that second come
        // again and are known). It must move back in time: a relay answering the same second again
        // and again (more than a page of it, which no sender makes, or made up) is not followed.
        if (events.length < TAG_PAGE_FLOOR || fresh === 0 || !Number.isFinite(oldest)) return;
        if (until !== undefined && oldest >= until) return;
        until = oldest;
      }
    }),
  );
  return { events: [...found.values()], reachable, complete };
}

/**
 * Moves `tag`'s cursor after its events were processed: up to the newest one this device has read,
 * and never past one that receiving left for a later sync (a commit whose proposal is not here yet,
 * a message for an epoch not reached), so that the next catch-up still asks for it.
 */
async function moveCursor(
  svc: GroupService,
  cursors: TagCursors,
  tag: string,
  group: string,
  events: readonly NostrEvent[],
): Promise<void> {
  if (events.length === 0) return;
  const seen = await svc.core.store.seen(
    group,
    events.map((e) => e.id),
  );
  let oldestUnread: number | undefined;
  for (const e of events)
    if (!seen.has(e.id) && (oldestUnread === undefined || e.created_at < oldestUnread))
      oldestUnread = e.created_at;
  cursors.saw(
    tag,
    events.filter((e) => seen.has(e.id)).map((e) => e.created_at),
    oldestUnread,
  );
}

/** `fn` over `items`, at most `limit` at a time; results in the order of `items`. */
async function inBatches<T, R>(
  items: readonly T[],
  limit: number,
  fn: (item: T) => Promise<R>,
): Promise<R[]> {
  const out: R[] = new Array(items.length);
  let next = 0;
  const worker = async () => {
    for (let i = next++; i < items.length; i = next++) out[i] = await fn(items[i] as T);
  };
  await Promise.all(Array.from({ length: Math.min(limit, items.length) }, worker));
  return out;
}

function merge(a: BatchResult | undefined, b: BatchResult): BatchResult {
  if (!a) return b;
  return {
    advanced: a.advanced || b.advanced,
    received: a.received + b.received,
    adopted: b.adopted ?? a.adopted,
    repropose: b.repropose ?? a.repropose,
    commitProposals: b.commitProposals,
    rolledBack: a.rolledBack || b.rolledBack,
    senderFaults: a.senderFaults + b.senderFaults,
  };
}

/** What a processed batch asks this device to do next. Failures are kept quiet: the next sync retries. */
export async function followUp(
  svc: GroupService,
  app: AppService,
  id: string,
  res: BatchResult,
): Promise<void> {
  let rec: GroupRecord;
  try {
    rec = await svc.record(id);
  } catch {
    return;
  }
  if (rec.status !== "active") return;
  try {
    if (res.adopted?.intent.type === "add" || (res.advanced && (await svc.core.store.get(namesOwedKey(id)))))
      await sendNames(svc, app, rec);
    if (res.repropose && !rec.pending) {
      // An add is judged per device: a person already in the group may still miss some of theirs.
      const again =
        res.repropose.type === "add"
          ? await addStillWanted(svc, rec, res.repropose)
          : stillWanted(res.repropose, rec);
      if (again?.type === "update") {
        // A newcomer's update that lost (after a large add, often to another newcomer's): owed
        // again after a fresh random wait, so that a batch of newcomers does not race round after
        // round, each loser proposing at once (group/keyUpdates.ts commits it when due).
        await svc.core.store.batch([joinedKeyUpdateOp(id, rec.members.length, svc.core.now())]);
      } else if (again) await svc.propose(id, again);
    } else if (res.commitProposals && !rec.pending) {
      await svc.propose(id, { type: "proposals" });
    }
  } catch {
    // e.g. no longer an admin after the winning commit: the change is dropped.
  }
  // New answers or confirmations: a host's device confirms places in the order it received them.
  if (res.received > 0) await sequencePlaces(svc, app, rec).catch(() => undefined);
}

/** kv: this device's names wait for a group's next commit (see `sendNames`). */
const namesOwedKey = (group: string) => `names-owed/${group}`;

/**
 * Sends this person's name and, as a directory for newcomers, the names of the other members
 * (including what people who asked through an invite link called themselves). While a request to
 * leave waits for its commit MLS sends nothing: the names go after the group's next commit.
 */
export async function sendNames(svc: GroupService, app: AppService, rec: GroupRecord): Promise<void> {
  if (pendingProposalCount(await loadState(svc.core.store, rec.id)) > 0) {
    await svc.core.store.batch([{ op: "put", key: namesOwedKey(rec.id), value: true }]);
    return;
  }
  const account = svc.core.requireAccount();
  const snap = await app.snapshot(rec);
  const asked = new Map<string, string>();
  for (const row of await svc.core.store.list<JoinRequestRecord>(keys.joinRequestPrefix(rec.id))) {
    asked.set(row.value.joiner, row.value.name);
  }
  const directory = new Map<string, string>();
  for (const pk of rec.members) {
    const n = snap.names.get(pk) ?? asked.get(pk);
    if (n && pk !== account.pubkey) directory.set(pk, n);
  }
  // A device recovered from the words without a name must not rename its person to the placeholder
  // for everyone: when the group already knows their name (the directory its inviter sent), keep it.
  const known = snap.names.get(account.pubkey);
  const name = account.recovered && account.name === RECOVERED_NAME && known ? known : account.name;
  // Names are dated to the second and the newest wins: a rename in the same second as this device's
  // last name must still come after it, or the group would keep either at random.
  const [last] = await svc.core.store.rumors({
    group: rec.id,
    kinds: [KIND_PROFILE],
    authors: [account.pubkey],
    limit: 1,
  });
  const createdAt = Math.max(svc.core.now(), (last?.created_at ?? 0) + 1);
  await svc.sendRumor(rec.id, buildProfileRumor({ pubkey: account.pubkey, name, createdAt, directory }));
  if (await svc.core.store.get(namesOwedKey(rec.id)))
    await svc.core.store.batch([{ op: "delete", key: namesOwedKey(rec.id) }]);
}
