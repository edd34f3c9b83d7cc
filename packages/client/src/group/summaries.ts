/**
 * What a list of groups shows of each (`GroupSummary`): name, size, whether this person is an admin,
 * unread messages from others since it was last read, and the last activity.
 *
 * Runs in: Node and browsers.
 */
import { KIND_CHAT } from "@rally/protocol/nostr";
import type { GroupSummary } from "../api.ts";
import type { Device } from "../device.ts";
import type { GroupRecord } from "./groupRecord.ts";

export async function groupSummary(
  core: Device,
  rec: GroupRecord,
): Promise<GroupSummary & { epoch: number }> {
  const me = core.account?.pubkey ?? "";
  const unread = await core.store.countRumors({
    group: rec.id,
    kinds: [KIND_CHAT],
    since: rec.lastRead + 1,
    excludeAuthors: [me],
  });
  return {
    id: rec.id,
    name: rec.name,
    description: rec.description,
    members: rec.members.length,
    admin: rec.admins.includes(me),
    relays: [...rec.relays],
    unread,
    lastActivity: rec.lastActivity,
    status: rec.status,
    disappearAfter: rec.disappearAfter ?? null,
    epoch: rec.epoch,
  };
}
