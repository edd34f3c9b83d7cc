/**
 * A group's chat read a page at a time: the newest `limit` messages before a cursor, folded with
 * only the reactions and deletions that act on them (found through the store's refs index), so
 * opening a chat costs the same in a history of a hundred messages as in one of a hundred thousand.
 * The fold is the protocol's reducer over that subset: a message's reactions and deletions are all
 * the rumors that act on it (and the deletions of those reactions), so each message comes out as
 * the full fold would make it (test/group/chatPages.test.ts compares the two on random histories).
 *
 * Runs in: Node and browsers.
 */
import { type ChatMessageState, KIND_CHAT, KIND_DELETION, KIND_REACTION } from "@rally/protocol/app";
import type { Store, StoredRumor } from "../store/store.ts";
import { type MembershipFacts, reduceStored } from "./appViews.ts";

/** A position in the store's order of chat messages (`compareOrder`): strictly older ones come next. */
export interface ChatCursor {
  created_at: number;
  /** Milliseconds within that second (absent: 0), so a cursor can fall inside one second. */
  ms?: number;
  id: string;
}

export interface ChatPageQuery {
  /** At most this many messages, the newest ones (all when absent). */
  limit?: number;
  /** Only messages strictly before this one in (time, ms, id) order. */
  before?: ChatCursor;
  /** Only messages filed at or before this time (unix seconds). */
  until?: number;
}

export interface ChatPage {
  /** The messages, oldest first, as the reducer makes them; admins of the group as it knows them. */
  messages: ChatMessageState[];
  admins: string[];
  /** The stored rows of those messages (and of messages read but not counted), by id. */
  rows: Map<string, StoredRumor>;
  /** True when no older message is left. */
  complete: boolean;
}

/** Refs are asked for in pieces: SQLite takes a bounded number of parameters per statement. */
const REFS_PER_QUERY = 400;
/** Read a few more than asked, so a page with invalid or refused messages still fills in one go. */
const SLACK = 8;

export async function readChatPage(
  store: Store,
  group: string,
  facts: MembershipFacts,
  query: ChatPageQuery,
): Promise<ChatPage> {
  const base = { group, kinds: [KIND_CHAT], ...(query.until !== undefined ? { until: query.until } : {}) };
  if (query.limit === undefined) {
    // Everything: one pass over the chat and everything acting on any of it.
    const rows = await store.rumors({ ...base, ...(query.before ? { before: query.before } : {}) });
    const acting = await store.rumors({ group, kinds: [KIND_REACTION, KIND_DELETION] });
    const state = reduceStored([...rows, ...acting], facts, null);
    return { messages: state.messages, admins: state.admins, rows: byId(rows), complete: true };
  }
  const limit = query.limit;
  const pages: ChatMessageState[][] = [];
  const rows = new Map<string, StoredRumor>();
  let admins: string[] = [...facts.admins].sort();
  let cursor = query.before;
  let found = 0;
  let complete = false;
  while (found < limit) {
    const want = limit - found + SLACK;
    const batch = await store.rumors({ ...base, ...(cursor ? { before: cursor } : {}), limit: want });
    for (const r of batch) rows.set(r.id, r);
    if (batch.length > 0) {
      const state = reduceStored([...batch, ...(await actingOn(store, group, batch))], facts, null);
      pages.unshift(state.messages);
      found += state.messages.length;
      admins = state.admins;
    }
    if (batch.length < want) {
      complete = true;
      break;
    }
    const oldest = batch[batch.length - 1] as StoredRumor;
    cursor = { created_at: oldest.created_at, ms: oldest.ms ?? 0, id: oldest.id };
  }
  const messages = pages.flat();
  return {
    messages: messages.slice(Math.max(0, messages.length - limit)),
    admins,
    rows,
    complete: complete && messages.length <= limit,
  };
}

/** The reactions and deletions acting on these messages, and the deletions of those reactions. */
async function actingOn(
  store: Store,
  group: string,
  messages: readonly StoredRumor[],
): Promise<StoredRumor[]> {
  const direct = await byRefs(
    store,
    group,
    [KIND_REACTION, KIND_DELETION],
    messages.map((m) => m.id),
  );
  const reactions = direct.filter((r) => r.kind === KIND_REACTION).map((r) => r.id);
  const second = reactions.length === 0 ? [] : await byRefs(store, group, [KIND_DELETION], reactions);
  return [...direct, ...second];
}

async function byRefs(
  store: Store,
  group: string,
  kinds: number[],
  refs: readonly string[],
): Promise<StoredRumor[]> {
  const out = new Map<string, StoredRumor>();
  for (let i = 0; i < refs.length; i += REFS_PER_QUERY) {
    for (const r of await store.rumors({ group, kinds, refs: refs.slice(i, i + REFS_PER_QUERY) }))
      out.set(r.id, r);
  }
  return [...out.values()];
}

function byId(rows: readonly StoredRumor[]): Map<string, StoredRumor> {
  return new Map(rows.map((r) => [r.id, r]));
}
