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
 * Who may name whom: anyone states their own name; directory entries naming other people count
 * only from an admin of the epoch that carried them, under the same rule as other acts on others'
 * content (context.ts, "Late admin acts") — otherwise any member could rename everyone for every
 * newcomer. "Newest" reads each statement's filed time (the caller's `at`, the effective time of
 * time.ts/`effectiveCreatedAt`), so a name dated in the future does not win for ever; a former
 * member's statements dated at or after their removal count for nothing, as in the reducer.
 *
 * Pure: the caller reads the stored rumors and passes them in.
 */
import type { ResolvedContext } from "./context.ts";
import { KIND_PROFILE } from "./kinds.ts";
import { makeRumor, type Rumor } from "./rumor.ts";
import { clipChars, isBlank } from "./text.ts";

/** In characters (code points), as an account's own name is checked. */
export const MAX_NAME = 100;
/** Directory entries written into one kind 0 at most. */
export const MAX_DIRECTORY = 500;

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

/** A name as shown: control characters out, trimmed, clipped; null when it shows nothing. */
export function cleanName(value: unknown): string | null {
  if (typeof value !== "string") return null;
  // biome-ignore lint/suspicious/noControlCharactersInRegex: names are shown as plain text
  const n = value.replace(/[\u0000-\u001f\u007f]/g, "").trim();
  // A name that shows nothing (zero-width or format characters only) is no name.
  return isBlank(n) ? null : clipChars(n, MAX_NAME);
}

/** What one kind 0 says: the author's own name (or none) and the names it lists for others. */
export interface ProfileFields {
  name: string | null;
  directory: Array<{ pubkey: string; name: string }>;
}

/** Reads a kind 0 rumor leniently: a bad name or entry is left out, never an error. */
export function parseProfile(rumor: Rumor): ProfileFields | null {
  if (rumor.kind !== KIND_PROFILE) return null;
  let content: unknown;
  try {
    content = JSON.parse(rumor.content);
  } catch {
    content = null;
  }
  const directory: ProfileFields["directory"] = [];
  for (const tag of rumor.tags) {
    if (tag[0] !== "name" || !/^[0-9a-f]{64}$/.test(tag[1] ?? "")) continue;
    const name = cleanName(tag[2]);
    if (name !== null) directory.push({ pubkey: tag[1]!, name });
  }
  return { name: cleanName((content as { name?: unknown } | null)?.name), directory };
}

/** One stored kind 0 as the fold needs it. */
export interface NameStatementInput {
  rumor: Rumor;
  /** Filed time (effective time, see the module comment). */
  at: number;
  /** MLS epoch of the message that carried it. */
  epoch: number;
  /** Carried in an epoch the group had already left when it was read (context.ts). */
  late: boolean;
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
 * pubkey → name from a group's kind 0 rumors (own statements win over directories; directory
 * entries about others only from admins, see the module comment). Order-independent.
 */
export function foldNames(inputs: Iterable<NameStatementInput>, ctx: ResolvedContext): Map<string, string> {
  const own = new Map<string, Statement>();
  const heard = new Map<string, Statement>();
  for (const input of inputs) {
    const fields = parseProfile(input.rumor);
    if (fields === null) continue;
    const author = input.rumor.pubkey;
    const at = { at: input.at, id: input.rumor.id };
    const removedAt = ctx.removedAt(author);
    if (removedAt !== undefined && at.at >= removedAt) continue;
    if (fields.name !== null) {
      const s = { name: fields.name, ...at };
      if (newer(s, own.get(author))) own.set(author, s);
    }
    const mayNameOthers = ctx.isAdminAct(author, input.epoch, input.late);
    for (const entry of fields.directory) {
      if (entry.pubkey !== author && !mayNameOthers) continue;
      const s = { name: entry.name, ...at };
      if (newer(s, heard.get(entry.pubkey))) heard.set(entry.pubkey, s);
    }
  }
  const out = new Map<string, string>();
  for (const [pk, s] of heard) out.set(pk, s.name);
  for (const [pk, s] of own) out.set(pk, s.name);
  return out;
}
