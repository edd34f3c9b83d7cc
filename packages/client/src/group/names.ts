/**
 * Names inside groups (docs/PROTOCOL.md "Names"). A person's display name is never published to a
 * relay (no kind 0 profile event, no name in key packages, which are public): it travels only as an
 * inner message of the groups they are in, so only fellow members learn it.
 *
 *   kind 0 inner rumor, content = JSON {"name": "<display name>"}       — the author's own name
 *                       tags    = ["name", <pubkey hex>, <name>] …       — names the author knows
 *
 * MLS gives a new member no access to messages sent before they joined, so a member's own kind 0
 * from long ago is unreadable to later joiners. The admin who adds people therefore sends, in the
 * new epoch, a kind 0 whose `name` tags list every member's name as the admin knows it (a
 * directory), and every newcomer sends their own kind 0 when they accept. A person's own statement
 * always wins over a directory entry about them; among statements of one kind the newest wins.
 *
 * Who may name whom (issue 8, review F13): anyone states their own name; directory entries naming
 * other people count only from an admin of the epoch that carried them, under the same rule as
 * other acts on others' content (the protocol's context.ts, "Late admin acts") — otherwise any
 * member could rename everyone for every newcomer. "Newest" reads each statement's filed time (capped at
 * its receipt plus MAX_CLOCK_SKEW, raised to the start of the epoch that carried it: appViews.ts
 * `filedAt`), so a name dated in the future does not win for ever; a former
 * member's statements dated at or after their removal count for nothing, as in the reducer.
 *
 * Runs in: Node and browsers (pure).
 */
import { clipChars, isBlank, makeRumor, type Rumor, resolveContext } from "@rally/protocol/app";
import { INNER_KINDS } from "@rally/protocol/wire";
import type { StoredRumor } from "../store/store.ts";
import { envelopeOf, filedAt, groupContext, type MembershipFacts } from "./appViews.ts";

export const KIND_PROFILE = 0;
/** In characters (code points), as the account's name is checked (accountRecord.ts). */
const MAX_NAME = 100;
const MAX_DIRECTORY = 500;

/** Inner kinds a Rally group carries: the protocol's set plus kind 0 names. */
export const RALLY_INNER_KINDS: ReadonlySet<number> = new Set([...INNER_KINDS, KIND_PROFILE]);

export function buildProfileRumor(input: {
  pubkey: string;
  name: string;
  createdAt: number;
  directory?: ReadonlyMap<string, string>;
}): Rumor {
  const tags: string[][] = [];
  for (const [pk, name] of [...(input.directory ?? new Map())].slice(0, MAX_DIRECTORY)) {
    if (pk !== input.pubkey && name) tags.push(["name", pk, clipChars(name, MAX_NAME)]);
  }
  return makeRumor({
    pubkey: input.pubkey,
    createdAt: input.createdAt,
    kind: KIND_PROFILE,
    tags,
    content: JSON.stringify({ name: clipChars(input.name, MAX_NAME) }),
  });
}

function cleanName(value: unknown): string | null {
  if (typeof value !== "string") return null;
  // biome-ignore lint/suspicious/noControlCharactersInRegex: names are shown as plain text
  const n = value.replace(/[\u0000-\u001f\u007f]/g, "").trim();
  // A name that shows nothing (zero-width or format characters only) is no name.
  return isBlank(n) ? null : clipChars(n, MAX_NAME);
}

interface Statement {
  name: string;
  at: number;
  id: string;
}

function newer(a: Statement, b: Statement | undefined): boolean {
  return b === undefined || a.at > b.at || (a.at === b.at && a.id < b.id);
}

/**
 * pubkey → name from a group's stored kind 0 rumors (own statements win over directories; directory
 * entries about others only from admins, see the module comment).
 */
export function namesFromRumors(rows: readonly StoredRumor[], facts: MembershipFacts): Map<string, string> {
  const ctx = resolveContext(groupContext(facts));
  const own = new Map<string, Statement>();
  const heard = new Map<string, Statement>();
  for (const row of rows) {
    if (row.kind !== KIND_PROFILE) continue;
    const env = envelopeOf(row);
    if (!env) continue;
    let content: unknown;
    try {
      content = JSON.parse(env.r.content);
    } catch {
      content = null;
    }
    const name = cleanName((content as { name?: unknown } | null)?.name);
    const at = { at: filedAt(env), id: row.id };
    const removedAt = ctx.removedAt(row.pubkey);
    if (removedAt !== undefined && at.at >= removedAt) continue;
    const mayNameOthers = ctx.isAdminAct(row.pubkey, env.e, env.l === true);
    if (name !== null) {
      const s = { name, ...at };
      if (newer(s, own.get(row.pubkey))) own.set(row.pubkey, s);
    }
    for (const tag of env.r.tags) {
      if (tag[0] !== "name" || !/^[0-9a-f]{64}$/.test(tag[1] ?? "")) continue;
      if (tag[1] !== row.pubkey && !mayNameOthers) continue;
      const n = cleanName(tag[2]);
      if (n === null) continue;
      const s = { name: n, ...at };
      if (newer(s, heard.get(tag[1]!))) heard.set(tag[1]!, s);
    }
  }
  const out = new Map<string, string>();
  for (const [pk, s] of heard) out.set(pk, s.name);
  for (const [pk, s] of own) out.set(pk, s.name);
  return out;
}
