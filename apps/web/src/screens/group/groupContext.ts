/**
 * What a group's tabs (Chat, Events, Polls, Members) are given by the group screen: in its own
 * file, so the tabs and GroupView.tsx, which shows them, do not import each other.
 */
import type { AccountInfo, GroupSummary, Member } from "@rally/client";

export interface GroupContext {
  group: GroupSummary;
  members: Member[];
  me: AccountInfo;
  /** False once this device left or was removed: the history stays readable, nothing can be sent. */
  active: boolean;
  /** Display name for a person, "You" for the reader. */
  nameOf: (npub: string) => string;
}
