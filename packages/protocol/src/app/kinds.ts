/**
 * Kinds and tag names of the inner messages that make up a group's application state.
 *
 * Standard shapes come from NIP-C7 (kind 9 chat), NIP-25 (kind 7 reactions), NIP-09 (kind 5
 * deletions), NIP-52 (kinds 31922/31923 calendar events, 31925 RSVPs) and NIP-88 (kinds 1068 polls,
 * 1018 responses). Rally adds a few tags, all prefixed `rally_` so that no other Nostr client mistakes
 * them for a standard tag, and two kinds of its own: the sealed inner message used for hosts-only
 * RSVPs, and a host's confirmation of places (the order in which its device received the answers). Every Rally addition is described in docs/PROTOCOL.md, "Group application state".
 */

import {
  KIND_CHAT,
  KIND_DATE_EVENT,
  KIND_DELETION,
  KIND_PLACES,
  KIND_POLL,
  KIND_POLL_RESPONSE,
  KIND_PROFILE,
  KIND_REACTION,
  KIND_RSVP,
  KIND_SEALED,
  KIND_TIME_EVENT,
} from "../nostr/kinds.ts";
import { INNER_KINDS } from "../wire/innerRumor.ts";

/** The kinds of inner messages, from the one kinds table (nostr/kinds.ts). */
export {
  KIND_CHAT,
  KIND_DATE_EVENT,
  KIND_DELETION,
  KIND_PLACES,
  KIND_POLL,
  KIND_POLL_RESPONSE,
  KIND_PROFILE,
  KIND_REACTION,
  KIND_RSVP,
  KIND_SEALED,
  KIND_TIME_EVENT,
};

/**
 * Inner kinds a Rally group carries (docs/PROTOCOL.md "Inner messages" plus "Names"): chat,
 * reactions, deletions, NIP-52 events and RSVPs, NIP-88 polls, sealed-for-hosts, hosts'
 * confirmations of places (the wire's own set, wire/innerRumor.ts), and kind 0 names. Senders
 * encode and receivers decode with this set.
 */
export const RALLY_INNER_KINDS: ReadonlySet<number> = new Set([...INNER_KINDS, KIND_PROFILE]);

/** `["rally_capacity", "<positive integer>"]` on 31922/31923: seats, counting guests. */
export const TAG_CAPACITY = "rally_capacity";
/** `["rally_status", "cancelled"]` on 31922/31923: the event is cancelled but kept. */
export const TAG_STATUS = "rally_status";
/** `["rally_rsvp_visibility", "hosts"]` on 31922/31923: RSVPs go sealed to the hosts only. */
export const TAG_RSVP_VISIBILITY = "rally_rsvp_visibility";
/** `["rally_owner", "<pubkey>"]` on 31922/31923: an admin's edit of an event that another member owns. */
export const TAG_OWNER = "rally_owner";
/** `["rally_approval", "required"]` on 31922/31923: hosts approve answers from the web (app/publicFace.ts). */
export const TAG_APPROVAL = "rally_approval";
/** `["rally_guests", "<integer>"]` on 31925: people coming along with the one who answers. */
export const TAG_GUESTS = "rally_guests";
/** `["rally_rrule", "<RRULE value>"]` on 31922/31923: a repeating event (app/recurrence.ts). */
export const TAG_RRULE = "rally_rrule";
/** `["rally_exdate", "<original start>"]` on 31922/31923: one cancelled occurrence of a series. */
export const TAG_EXDATE = "rally_exdate";
/** `["rally_moved", "<original start>", "<new start>", "<new end or empty>"]`: one occurrence moved. */
export const TAG_MOVED = "rally_moved";
/** `["rally_occurrence", "<original start>"]` on 31925: the answer is for that occurrence only. */
export const TAG_OCCURRENCE = "rally_occurrence";
/** `["rally_seq", "<n>"]` on 1926: the confirmation's number; the highest is in force. */
export const TAG_SEQ = "rally_seq";
/** `["rally_place", "<pubkey>", "<answer id>", "<guests>"]` on 1926: one party, in line order. */
export const TAG_PLACE = "rally_place";
/** `["rally_dates", "true"]` on 1068: a pick-a-date poll whose option labels are ISO 8601 dates. */
export const TAG_DATES = "rally_dates";

/** Role written in a host's `p` tag on a calendar event. */
export const HOST_ROLE = "host";
