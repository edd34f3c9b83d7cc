/**
 * Who may change a group's membership, admins and name, judged on this device before anything is
 * proposed, so a person is told in plain words and nothing is queued. The MLS engine judges every
 * commit again by the same rules (protocol `mls/permissions.ts`), and so does every receiver; these
 * checks only say it first, with the group's name and what to do instead.
 *
 * Runs in: Node and browsers (pure).
 */
import { isBlank } from "@rally/protocol/app";
import { rallyError } from "../errors.ts";
import { DISAPPEAR_CHOICES } from "./disappearing.ts";
import type { GroupRecord } from "./groupRecord.ts";
import { toNpub } from "./people.ts";

/** The part of a group record the rules read. */
type Group = Pick<GroupRecord, "name" | "admins" | "members">;

function requireAdmin(rec: Group, me: string, act: string): void {
  if (!rec.admins.includes(me)) throw rallyError("not-admin", `Only an admin of "${rec.name}" can ${act}.`);
}

/** `me` may invite `pubkey` into the group (whether they are in already needs their key packages). */
export function checkInvite(rec: Group, me: string, pubkey: string): void {
  if (pubkey === me) throw rallyError("bad-input", "You are already in this group.");
  requireAdmin(rec, me, "invite people");
}

/** `me` may remove `pubkey` from the group. */
export function checkRemove(rec: Group, me: string, pubkey: string): void {
  requireAdmin(rec, me, "remove people");
  if (pubkey === me) throw rallyError("bad-input", 'To leave a group yourself, use "rally group leave".');
  if (!rec.members.includes(pubkey)) {
    throw rallyError("unknown-person", `${toNpub(pubkey)} is not in "${rec.name}".`);
  }
}

/** The admins after `me` makes `pubkey` an admin (or no longer one); a group keeps at least one. */
export function adminsAfter(rec: Group, me: string, pubkey: string, admin: boolean): string[] {
  requireAdmin(rec, me, "choose admins");
  if (!rec.members.includes(pubkey)) {
    throw rallyError("unknown-person", `${toNpub(pubkey)} is not in "${rec.name}".`);
  }
  const admins = admin ? [...new Set([...rec.admins, pubkey])] : rec.admins.filter((a) => a !== pubkey);
  if (admins.length === 0) throw rallyError("bad-input", "A group needs at least one admin.");
  return admins;
}

/** A group's name as given when it is made or renamed: something people can see. */
export function checkGroupName(name: unknown): void {
  if (typeof name !== "string" || isBlank(name)) {
    throw rallyError("bad-input", "A group needs a name that people can see.");
  }
}

/** `me` may change the group's name or description (the new name is checked with `checkGroupName`). */
export function checkRename(rec: Group, me: string): void {
  requireAdmin(rec, me, "change its name or description");
}

/** `me` may set the group's disappearing-messages timer to `seconds` (null: off). */
export function checkDisappearing(rec: Group, me: string, seconds: unknown): number | null {
  if (
    seconds !== null &&
    !(typeof seconds === "number" && DISAPPEAR_CHOICES.some((c) => c.seconds === seconds))
  ) {
    throw rallyError(
      "bad-input",
      `Disappearing messages can be off or ${DISAPPEAR_CHOICES.map((c) => `${c.words} (${c.seconds} seconds)`).join(", ")}.`,
    );
  }
  requireAdmin(rec, me, "change disappearing messages");
  return seconds;
}
