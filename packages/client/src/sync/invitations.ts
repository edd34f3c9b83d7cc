/**
 * Invitations on this device: welcomes waiting to be accepted (`welcomes.ts`: inert until then,
 * shown from what the welcome says) and groups joined as invitations by earlier versions of Rally.
 * Accepting one joins the group, catches it up and sends this person's name; declining drops it;
 * blocking an inviter drops theirs now and later. The caller holds the device lock for changes.
 *
 * Runs in: Node and browsers.
 */
import type { PendingInvite } from "../api.ts";
import type { Device } from "../device.ts";
import { rallyError } from "../errors.ts";
import type { AppService } from "../group/appService.ts";
import type { GroupRecord } from "../group/groupRecord.ts";
import type { GroupService } from "../group/groupService.ts";
import { shortNpub, toNpub } from "../group/people.ts";
import type { Syncer } from "./syncer.ts";
import {
  acceptInvitation,
  blockInviter,
  declineInvitation,
  findInvitation,
  invitations,
} from "./welcomes.ts";

export class Invitations {
  private readonly core: Device;

  constructor(
    private readonly groups: GroupService,
    private readonly app: AppService,
    private readonly syncer: Syncer,
  ) {
    this.core = groups.core;
  }

  /** Every invitation, oldest first. */
  async list(): Promise<PendingInvite[]> {
    const out: PendingInvite[] = (await invitations(this.groups)).map((i) => ({
      id: i.id,
      group: i.group,
      from: toNpub(i.from),
      fromName: i.fromName ?? shortNpub(i.from),
      receivedAt: i.receivedAt,
    }));
    // Groups joined as invites by earlier versions of Rally.
    for (const rec of await this.earlier()) {
      const snap = await this.app.snapshot(rec);
      const from = rec.invite?.from ?? rec.admins[0] ?? "";
      out.push({
        id: rec.id,
        group: rec.name,
        from: from ? toNpub(from) : "",
        fromName: from ? (snap.names.get(from) ?? shortNpub(from)) : "",
        receivedAt: rec.invite?.receivedAt ?? rec.joinedAt,
      });
    }
    return out.sort((a, b) => a.receivedAt - b.receivedAt);
  }

  /** Joins the group of invitation `id`; its group id. */
  async accept(id: string): Promise<string> {
    const invitation = await findInvitation(this.groups, id);
    if (invitation) {
      // Only now is anything fetched from the group's relays, and the person's name sent.
      const gid = await acceptInvitation(this.groups, invitation);
      await this.syncer.catchUp(gid).catch(() => undefined);
      const joined = await this.groups.record(gid);
      if (joined.status === "active") await this.syncer.sendNames(joined);
      this.core.emit("groups", gid);
      this.core.emit("invites", invitation.id);
      return gid;
    }
    const rec = await this.earlierOne(id);
    const active: GroupRecord = { ...rec, status: "active", lastRead: this.core.now() };
    await this.core.store.batch([this.groups.putRecord(active)]);
    await this.syncer.sendNames(active);
    this.core.emit("groups", rec.id);
    return rec.id;
  }

  async decline(id: string): Promise<void> {
    const invitation = await findInvitation(this.groups, id);
    if (invitation) {
      await declineInvitation(this.groups, invitation);
      this.core.emit("invites", invitation.id);
      return;
    }
    const rec = await this.earlierOne(id);
    await this.groups.leave(rec.id);
    this.core.emit("invites", rec.id);
  }

  /** Drops every invitation from `pubkey`, now and later; how many were dropped. */
  async block(pubkey: string): Promise<number> {
    const dropped = await blockInviter(this.groups, pubkey);
    this.core.emit("invites");
    return dropped;
  }

  private async earlier(): Promise<GroupRecord[]> {
    return (await this.groups.records()).filter((r) => r.status === "invited");
  }

  private async earlierOne(id: string): Promise<GroupRecord> {
    const recs = await this.earlier();
    const rec = recs.find((r) => r.id === id || r.invite?.id === id) ?? uniqueIdPrefix(recs, id);
    if (!rec)
      throw rallyError("unknown-invite", `There is no invitation "${id}". "rally invites" lists them.`);
    return rec;
  }
}

function uniqueIdPrefix(recs: GroupRecord[], prefix: string): GroupRecord | undefined {
  if (prefix.length < 6) return undefined;
  const m = recs.filter((r) => r.id.startsWith(prefix.toLowerCase()));
  return m.length === 1 ? m[0] : undefined;
}
