/**
 * The node's relay policy for answers from the web: a gift wrap (kind 1059) whose `p` names a group
 * public key this node serves is refused `pow:` (NIP-13) without the answers' proof of work. Admin
 * devices skip such wraps anyway; refusing them here keeps the node from storing, and serving, a
 * free flood. Wraps to any other key (members' private messages) are not looked at.
 */
import { answerWorkProblem, type NostrEvent } from "@rally/client";
import type { RelayPolicy } from "@rally/relay";

const KIND_GIFT_WRAP = 1059;
const KIND_CALENDAR = 31924;
const PUBLIC_CALENDAR_D = "rally";

/** `isPublicKey`: whether a key is a group's public face (a set lookup: this runs on every event). */
export function publicAnswerWork(isPublicKey: (pubkey: string) => boolean): RelayPolicy {
  return {
    name: "public-answer-work",
    rejectEvent(e) {
      if (e.kind !== KIND_GIFT_WRAP) return undefined;
      const toPublic = e.tags.some((t) => t[0] === "p" && typeof t[1] === "string" && isPublicKey(t[1]));
      if (!toPublic) return undefined;
      const problem = answerWorkProblem(e);
      return problem === undefined ? undefined : `pow: ${problem}`;
    },
  };
}

/** Store access the key set needs: `LocalRelay.query`. */
interface StoredEvents {
  query(filter: { kinds: number[]; "#d": string[] }): Promise<NostrEvent[]>;
}

function isPublicCalendar(e: Pick<NostrEvent, "kind" | "tags">): boolean {
  return e.kind === KIND_CALENDAR && e.tags.some((t) => t[0] === "d" && t[1] === PUBLIC_CALENDAR_D);
}

/**
 * The group public keys this node serves: authors of Rally's public calendar (kind 31924, `d` =
 * "rally"), read from the store at start and added to as such calendars are stored. Only a key's
 * owner can sign its calendar, so nobody can make another person's private wraps need work.
 */
export class PublicFaceKeys {
  private readonly keys = new Set<string>();

  readonly has = (pubkey: string): boolean => this.keys.has(pubkey);

  /** For the relay's `onSaved`. */
  readonly saw = (event: NostrEvent): void => {
    if (isPublicCalendar(event)) this.keys.add(event.pubkey);
  };

  /** Every public calendar already stored. */
  async load(relay: StoredEvents): Promise<void> {
    for (const e of await relay.query({ kinds: [KIND_CALENDAR], "#d": [PUBLIC_CALENDAR_D] })) this.saw(e);
  }
}
