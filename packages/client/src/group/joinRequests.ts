/**
 * What an admin's device keeps of a join request that came through an invite link (kv
 * `group/<id>/joinRequest/<request>`), and the answer the welcome to it must carry. Kept apart from
 * the invite-link logic so the group service can read an answer without depending on that logic.
 *
 * Runs in: Node and browsers.
 */
import type { NostrEvent } from "nostr-tools/core";
import { keys } from "../store/keys.ts";
import type { Store } from "../store/store.ts";

export interface JoinRequestRecord {
  id: string;
  link: string;
  joiner: string;
  name: string;
  keyPackageEvent: NostrEvent;
  inbox: string[];
  requestedAt: number;
  state: "pending" | "added" | "refused";
  /** Let in without an admin's approval (the link did not ask for it). */
  auto: boolean;
  reason?: string;
  /** What the welcome must carry to answer this request (`joinAnswer`); absent in older records. */
  answer?: string;
}

/** The answer the welcome to join request `via` must carry (stored when the request was read). */
export async function welcomeAnswer(
  store: Store,
  group: string,
  via: { link: string; request: string },
): Promise<string | undefined> {
  return (await store.get<JoinRequestRecord>(keys.joinRequest(group, via.request)))?.answer;
}
