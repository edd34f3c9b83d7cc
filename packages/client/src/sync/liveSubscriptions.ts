/**
 * The live loop's subscriptions, kept in line with what exists the moment it changes: each live
 * group's current routing tag in a subscription of its own (one REQ per group, never a retained
 * epoch's tag: those are read only by the short catch-up requests of `sync.ts`), the person's
 * inbox (gift wraps, on the authenticated connection, also on the relays of invite links waiting
 * for an answer), and, for an admin, each invite link's key (join requests, authenticated as the
 * link). `update` opens what is new and closes what is gone, leaving the rest open; calls made
 * while one runs make one more pass.
 *
 * What a relay can still link across these subscriptions: docs/THREAT-MODEL.md, "What a live relay
 * links". A relay that caps subscriptions per connection below a device's number of groups closes
 * the ones past its cap; those groups are then read by the live loop's rounds only.
 *
 * Runs in: Node and browsers.
 */

import { KIND_GIFT_WRAP } from "@rally/protocol/nostr";
import { parseInviteLink } from "@rally/protocol/wire";
import type { NostrEvent } from "nostr-tools/core";
import type { Device } from "../device.ts";
import type { GroupRecord } from "../group/groupRecord.ts";
import { isLive } from "../group/groupRecord.ts";
import type { GroupService } from "../group/groupService.ts";
import type { JoinSent, LinkRecord } from "../group/inviteLinks.ts";
import { hexToBytes } from "../hex.ts";
import type { PoolSubscription } from "../net/relayPool.ts";
import { normalizeRelayUrl } from "../net/relayUrl.ts";
import { keys } from "../store/keys.ts";
import { tagFilters } from "./receive.ts";

/** NIP-59 wraps carry a created_at up to two days in the past: their subscriptions look back further. */
const WRAP_LOOKBACK_SECONDS = 3 * 24 * 3600;
/**
 * A group's subscription also asks for its tag's last few minutes: what reached a relay between the
 * catch-up that found the tag and the subscription (a message sent right after a commit) is not
 * lost. Events already read are ignored by id, so this costs a replay, not a second reading.
 */
const GROUP_LOOKBACK_SECONDS = 5 * 60;

interface Wanted {
  open(): PoolSubscription;
}

/** Event ids remembered as already heard live (a replay after a reconnect starts no round). */
const HEARD_MAX = 4_096;

export class LiveSubscriptions {
  private readonly open = new Map<string, PoolSubscription>();
  /** Ids heard on any live subscription, oldest first (insertion order), at most `HEARD_MAX`. */
  private readonly heard = new Set<string>();
  private again = false;
  private running: Promise<void> | null = null;
  private active = false;

  constructor(
    private readonly core: Device,
    private readonly groups: GroupService,
    /** Something new arrived on a subscription. */
    private readonly onEvent: () => void,
  ) {}

  /** The live group subscriptions open now: group id → routing tag (for tests and status). */
  groupTags(): Map<string, string> {
    const out = new Map<string, string>();
    for (const key of this.open.keys()) {
      const [kind, group, tag] = key.split(" ");
      if (kind === "group" && group && tag) out.set(group, tag);
    }
    return out;
  }

  /** Starts keeping the subscriptions (and brings them in line now). */
  start(): Promise<void> {
    this.active = true;
    return this.update();
  }

  /** Brings the subscriptions in line with the groups, links and joins there are now. */
  update(): Promise<void> {
    if (!this.active) return Promise.resolve();
    this.again = true;
    this.running ??= (async () => {
      try {
        while (this.again && this.active) {
          this.again = false;
          await this.pass().catch(() => undefined);
        }
      } finally {
        this.running = null;
      }
    })();
    return this.running;
  }

  /** Closes every subscription; `update` does nothing until `start` again. */
  async stop(): Promise<void> {
    this.active = false;
    await this.running;
    if (this.active) return; // started again meanwhile: those are the new ones
    for (const s of this.open.values()) s.close();
    this.open.clear();
  }

  private async pass(): Promise<void> {
    const account = this.core.account;
    if (!account) return;
    const wanted = await this.wanted(account.pubkey, account.relays);
    if (!this.active) return;
    for (const [key, sub] of this.open) {
      if (wanted.has(key)) continue;
      sub.close();
      this.open.delete(key);
    }
    for (const [key, w] of wanted) if (!this.open.has(key)) this.open.set(key, w.open());
  }

  private async wanted(me: string, accountRelays: readonly string[]): Promise<Map<string, Wanted>> {
    const out = new Map<string, Wanted>();
    const transport = this.core.transport;
    // Only what this process has not heard yet starts a round: reconnects replay the lookback,
    // and several relays send the same event.
    const onEvent = (event: NostrEvent) => {
      if (this.heard.has(event.id)) return;
      this.heard.add(event.id);
      if (this.heard.size > HEARD_MAX) this.heard.delete(this.heard.values().next().value as string);
      this.onEvent();
    };
    const recs = (await this.groups.records()).filter(isLive);
    for (const rec of recs) {
      const current = rec.keys[0];
      if (!current) continue;
      const { relays, filters } = tagFilters(new Map<string, GroupRecord>([[current.tag, rec]]));
      if (relays.length === 0) continue;
      out.set(`group ${rec.id} ${current.tag} ${[...relays].sort().join(",")}`, {
        open: () => {
          const since = this.core.now() - GROUP_LOOKBACK_SECONDS;
          return transport.anonymous.subscribe(relays, (r) => filters(r).map((f) => ({ ...f, since })), {
            onEvent,
          });
        },
      });
    }
    // The inbox: the account's relays, and those where an answer to a join request will come.
    const joins = await this.core.store.list<JoinSent>(keys.joinSentPrefix);
    const inbox = sortedRelays([
      ...accountRelays,
      ...joins.filter((j) => j.value.state === "waiting").flatMap((j) => j.value.relays),
    ]);
    out.set(`inbox ${inbox.join(",")}`, {
      open: () =>
        transport.identity.subscribe(
          inbox,
          [{ kinds: [KIND_GIFT_WRAP], "#p": [me], since: this.core.now() - WRAP_LOOKBACK_SECONDS }],
          { onEvent },
        ),
    });
    // Admins also listen for join requests through their invite links (as each link's key).
    for (const rec of recs) {
      if (rec.status !== "active" || !rec.admins.includes(me)) continue;
      for (const row of await this.core.store.list<LinkRecord>(keys.inviteLinkPrefix(rec.id))) {
        const link = row.value;
        if (link.revoked) continue;
        let relays: string[];
        try {
          relays = sortedRelays(parseInviteLink(link.payload, { ignoreExpiry: true }).relays);
        } catch {
          continue;
        }
        out.set(`link ${link.id} ${relays.join(",")}`, {
          open: () =>
            transport.linkPool(hexToBytes(link.secretKey), link.id).subscribe(
              relays,
              [
                {
                  kinds: [KIND_GIFT_WRAP],
                  "#p": [link.id],
                  since: this.core.now() - WRAP_LOOKBACK_SECONDS,
                },
              ],
              { onEvent },
            ),
        });
      }
    }
    return out;
  }
}

/** Relay addresses in one spelling each, sorted (a key that does not change with their order). */
function sortedRelays(relays: readonly string[]): string[] {
  const out = new Set<string>();
  for (const raw of relays) {
    try {
      out.add(normalizeRelayUrl(raw));
    } catch {
      // Not a relay address: nothing to subscribe to there.
    }
  }
  return [...out].sort();
}
