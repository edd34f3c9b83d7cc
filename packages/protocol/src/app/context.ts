/**
 * What the group layer tells the application reducer about membership and admin rights.
 *
 * Admin rights are judged per MLS epoch: a rumor carried in epoch E is allowed what an admin may do
 * if its sender was an admin in E. Epoch admin sets come from the group-data extension, which only
 * admin commits change and which every member agrees on once commits are ordered, so the answer does
 * not depend on the order in which messages arrive — and demoting an admin later does not undo edits
 * they made while they were one. A rumor without an epoch (or whose epoch is not listed) is judged by
 * the current admin set.
 *
 * Late admin acts (issue 8 item 2, review F2). An act on someone else's content — deleting another
 * person's message, reaction or poll, editing another person's event, naming other people — counts
 * only if its author was an admin in the epoch that carried it AND either the message was not late
 * (this device read it while that epoch was still the group's newest) or its author is still a
 * current member and a current admin. A removed or demoted admin who keeps an old epoch's keys and
 * writes in it after the commit that removed or demoted them is therefore heard by no device that
 * had already seen that commit, nor by one that reads both together; acts made while they were
 * admin and read in time still stand after a later demotion. The engine refuses past-epoch messages
 * from senders no longer in the tree; this rule also covers a demoted admin who is still a member.
 *
 * Membership: answers (RSVPs, poll votes, sealed answers) count only from current members when
 * `members` is given, so a person who left or was removed holds no seat and casts no vote. What a
 * former member wrote is judged by when this device read it, not by its date: read in time it
 * counts, read late (see the reducer) it does not. People who are members again must not be listed
 * in `removedAt`.
 */

export interface GroupContext {
  /** Current admins (hex pubkeys). */
  admins: Iterable<string>;
  /** Admins in force in each epoch. */
  adminsByEpoch?: ReadonlyMap<number, Iterable<string>>;
  /** Current members (hex pubkeys); when absent, everyone's answers count. */
  members?: Iterable<string>;
  /** Former members → Unix seconds of the commit that removed them. */
  removedAt?: ReadonlyMap<string, number> | Readonly<Record<string, number>>;
}

export interface ResolvedContext {
  admins: ReadonlySet<string>;
  isAdmin(pubkey: string, epoch: number | undefined): boolean;
  /** Whether an act on other people's content counts (see "Late admin acts" above). */
  isAdminAct(pubkey: string, epoch: number | undefined, late: boolean): boolean;
  isMember(pubkey: string): boolean;
  removedAt(pubkey: string): number | undefined;
}

export function resolveContext(context: GroupContext): ResolvedContext {
  const admins = new Set(context.admins);
  const byEpoch = new Map<number, ReadonlySet<string>>();
  for (const [epoch, set] of context.adminsByEpoch ?? []) byEpoch.set(epoch, new Set(set));
  const members = context.members === undefined ? null : new Set(context.members);
  const removed = new Map<string, number>(
    context.removedAt instanceof Map ? context.removedAt : Object.entries(context.removedAt ?? {}),
  );
  const isAdmin = (pubkey: string, epoch: number | undefined): boolean => {
    const set = epoch === undefined ? undefined : byEpoch.get(epoch);
    return (set ?? admins).has(pubkey);
  };
  const isMember = (pubkey: string): boolean => members === null || members.has(pubkey);
  return {
    admins,
    isAdmin,
    isAdminAct(pubkey, epoch, late) {
      if (!isAdmin(pubkey, epoch)) return false;
      return !late || (admins.has(pubkey) && isMember(pubkey));
    },
    isMember,
    removedAt(pubkey) {
      return removed.get(pubkey);
    },
  };
}
