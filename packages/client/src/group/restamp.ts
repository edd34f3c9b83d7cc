/**
 * Stamping again what a relay refused for its time (the outbox's `restamp`, `net/outbox.ts`): a
 * device whose clock was wrong when it wrote a message sends the same message with the time it
 * knows now (`Device.now`, the relays' time once learned).
 *
 * What can be stamped again, and what cannot:
 *
 * - A kind 445 carrying an MLS *application* message (chat, reactions, events, answers, polls):
 *   the same MLS message, encrypted again under a fresh one-time key (the key is bound into the
 *   ciphertext's associated data, so the old ciphertext cannot move to a new key) and signed at the
 *   new time. No one refers to the kind 445 event's own id (replies and reactions name the inner
 *   rumor), and the outbox entry keeps its first id as its handle. The new id is marked seen, so
 *   this device does not read its own message back.
 * - A kind 445 *commit* is not: its event id is the pending commit's `eventId`, by which this
 *   device recognises its own commit on the relays, files the notice it makes, and which ranks it
 *   against rival commits (`mls/ordering.ts`). Changing it under all of those is not worth the
 *   risk for a case that fixes itself: Rally learns the relays' time before it makes a change, so
 *   a commit is stamped wrong only when that failed, and then it is sent unchanged until the
 *   relay's clock reaches it (for a clock 20 minutes fast and a relay that takes 15 minutes ahead:
 *   5 minutes later). Proposals and ratchet-tree chunks (named by id in welcomes) stay as they are
 *   too.
 * - Gift wraps (kind 1059: welcomes, join requests) are not: the wrap is encrypted to its
 *   recipient under its one-time key, which is gone, so nothing but the recipient can open it to
 *   wrap it again. Their times are NIP-59's random past times counted from the corrected time
 *   (`giftWrap.ts`), which relays take; one made before the clock was learned is sent unchanged
 *   until the relay takes it.
 * - Key packages and inbox relay lists are signed by the person and named by id elsewhere: sent
 *   unchanged.
 *
 * Runs in: Node and browsers.
 */

import { peekMessage } from "@rally/protocol/mls";
import { KIND_GROUP_MESSAGE, unwrapGroupMessage, wrapGroupMessage } from "@rally/protocol/wire";
import type { NostrEvent } from "nostr-tools/core";
import type { GroupService } from "./groupService.ts";
import { secretOf } from "./mlsStore.ts";

/** A new stamp closer than this to the old one would be refused just the same. */
const WORTH_IT_SECONDS = 60;

/** The outbox's `restamp` for a device's groups. */
export function groupRestamper(svc: GroupService): (event: NostrEvent) => Promise<NostrEvent | null> {
  return async (event) => {
    if (event.kind !== KIND_GROUP_MESSAGE) return null;
    const now = svc.core.now();
    if (Math.abs(now - event.created_at) < WORTH_IT_SECONDS) return null;
    const tag = event.tags.find((t) => t[0] === "h")?.[1];
    if (tag === undefined) return null;
    for (const rec of await svc.records()) {
      const key = rec.keys.find((k) => k.tag === tag);
      if (!key) continue;
      let mls: Uint8Array;
      try {
        mls = unwrapGroupMessage(event, secretOf(key));
        if (peekMessage(mls).kind !== "application") return null;
      } catch {
        return null;
      }
      // A disappearing message keeps its lifetime, counted from its new time.
      const expiration = Number(event.tags.find((t) => t[0] === "expiration")?.[1]);
      const fresh = wrapGroupMessage({
        exporterSecret: secretOf(key),
        mlsMessage: mls,
        now,
        ...(Number.isSafeInteger(expiration) ? { expiration: now + (expiration - event.created_at) } : {}),
      });
      await svc.core.store.batch([{ op: "markSeen", group: rec.id, ids: [fresh.id], at: now }]);
      return fresh;
    }
    return null;
  };
}
