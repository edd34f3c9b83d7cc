/**
 * After a sync round: the host's device confirms places at the events it sequences, and every
 * device records how its person's places changed (the rules are in group/placeSequencer.ts).
 *
 * Runs in: Node and browsers.
 */
import { eventView } from "@rally/protocol/app";
import type { AppService } from "../group/appService.ts";
import type { GroupRecord } from "../group/groupRecord.ts";
import type { GroupService } from "../group/groupService.ts";
import {
  confirmationsToSend,
  type MyPlaceRecord,
  nextPlaceRecord,
  occurrenceConfirmationsToSend,
} from "../group/placeSequencer.ts";
import { keys } from "../store/keys.ts";
import type { WriteOp } from "../store/store.ts";

/**
 * After a sync brought something for this group: confirm places at the events this device
 * sequences, then record how its person's places changed. Failures are left for the next sync.
 */
export async function sequencePlaces(svc: GroupService, app: AppService, rec: GroupRecord): Promise<void> {
  const core = svc.core;
  const me = core.account?.pubkey;
  if (!me || rec.status !== "active") return;
  let snap = await app.snapshot(rec);
  // The event-wide lines first: dates without a line of their own follow them, so the second pass
  // confirms single dates only where they differ.
  for (const pass of [confirmationsToSend, occurrenceConfirmationsToSend]) {
    const rumors = pass({
      events: snap.state.events,
      me,
      rec,
      now: core.now(),
      secretKey: core.secrets?.secretKey ?? null,
    });
    for (const rumor of rumors) await svc.sendRumor(rec.id, rumor);
    if (rumors.length > 0) snap = await app.snapshot(rec);
  }

  const ops: WriteOp[] = [];
  for (const e of snap.state.events) {
    const view = eventView(snap.state, e, me);
    const key = keys.myPlace(rec.id, e.id);
    const stored = await core.store.get<MyPlaceRecord>(key);
    const mine = e.rsvps.find((r) => r.pubkey === me);
    const next = nextPlaceRecord(stored, {
      place: view.myPlace,
      answer: mine?.id ?? null,
      going: mine?.status === "going",
      limited: e.capacity !== null,
    });
    if (JSON.stringify(next) !== JSON.stringify(stored)) ops.push({ op: "put", key, value: next });
  }
  if (ops.length > 0) {
    await core.store.batch(ops);
    core.emit("events", rec.id);
  }
}
