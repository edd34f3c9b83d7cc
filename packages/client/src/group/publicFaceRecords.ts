/**
 * What a device keeps of a group's public face (docs/PROTOCOL.md §19), and how it takes what other
 * admins send inside the group:
 *
 * - 1927 (sealed to the admins): the group's public key and profile. Taken only from a current admin
 *   who is a member, carried in the group's current epoch (as invite link shares, inviteLinks.ts);
 *   the newest wins (created_at, then the lower id). A key it replaces is kept as *retired* until
 *   its public events are deleted from the relays.
 * - 1928 (open): an event published or withdrawn; taken only from an admin of its epoch who is
 *   still a member and an admin.
 * - 1931 (sealed to admins and hosts): an answer from the web an admin's device opened; taken from an admin.
 * - 1929 (sealed to admins and hosts): a decision on an answer from the web; kept with its author,
 *   who counts only if an admin or a host of the event (judged where the event is known).
 *
 * After a commit, an admin lost (removed, left, demoted) marks the key for rotation and an admin
 * gained marks it for sharing again (`faceAfterAdminChange`); an admin device does either at its
 * next round (publicFace.ts).
 *
 * Runs in: Node and browsers.
 */

import {
  KIND_SEALED,
  type Publication,
  type PublicProfile,
  parseAnswerDecision,
  parseAnswerShare,
  parsePublication,
  parsePublicFace,
  parseSealed,
  type Rumor,
  unsealRumor,
} from "@rally/protocol/app";
import {
  KIND_ANSWER_DECISION,
  KIND_ANSWER_SHARE,
  KIND_PUBLIC_FACE,
  KIND_PUBLICATION,
} from "@rally/protocol/nostr";
import type { PublicAnswer } from "@rally/protocol/wire";
import { getPublicKey } from "nostr-tools/pure";
import { hexToBytes } from "../hex.ts";
import { keys } from "../store/keys.ts";
import type { WriteOp } from "../store/store.ts";
import type { GroupRecord } from "./groupRecord.ts";
import type { GroupService } from "./groupService.ts";

export interface FaceRecord {
  group: string;
  /** The group's public key's secret (hex). Never leaves the admins' devices except sealed to them. */
  secret: string;
  pubkey: string;
  profile: PublicProfile;
  off: boolean;
  /** The 1927 in force: its time and id (newest wins). */
  at: number;
  rumor: string;
  /** Earlier secrets whose public events are still to be deleted. */
  retired: string[];
  /** An admin was lost: a new key is due. */
  rotate?: boolean;
  /** An admin was gained: the key is due to be sealed to the new admin set. */
  reshare?: boolean;
}

export interface PublicationRecord extends Publication {
  group: string;
  at: number;
}

export interface WebAnswerRecord {
  group: string;
  /** The private event's id. */
  event: string;
  answer: PublicAnswer;
  decision: "approved" | "refused" | null;
  decidedAt: number | null;
  decidedBy: string | null;
  /** The group's reply went out (from this device, or the decision was made on one with the key). */
  replied?: boolean;
}

/** Inner kinds of the seals this module opens. */
const FACE_SEALED_KINDS: ReadonlySet<number> = new Set([
  KIND_PUBLIC_FACE,
  KIND_ANSWER_DECISION,
  KIND_ANSWER_SHARE,
]);

/** admins ∩ members: the people whose admin rights count. */
export function effectiveAdmins(rec: GroupRecord): string[] {
  return rec.admins.filter((a) => rec.members.includes(a));
}

/** The newest value under `key`, among writes of the batch not yet stored and then the store. */
async function latest<T>(svc: GroupService, key: string, queued: readonly WriteOp[]): Promise<T | undefined> {
  for (let i = queued.length - 1; i >= 0; i--) {
    const op = queued[i];
    if (op?.op === "put" && op.key === key) return op.value as T;
    if (op?.op === "delete" && op.key === key) return undefined;
  }
  return svc.core.store.get<T>(key);
}

/** (created_at, then lower id) order of 1927s: true when `a` replaces `b`. */
function newer(a: { at: number; rumor: string }, b: { at: number; rumor: string }): boolean {
  return a.at !== b.at ? a.at > b.at : a.rumor < b.rumor;
}

/** The record after taking a 1927 (null when it changes nothing). */
export function faceAfterShare(
  group: string,
  inner: Rumor,
  existing: FaceRecord | undefined,
): { face: FaceRecord; publications: Publication[] } | null {
  const p = parsePublicFace(inner);
  if (!p.ok) return null;
  let pubkey: string;
  try {
    pubkey = getPublicKey(hexToBytes(p.value.secret));
  } catch {
    return null;
  }
  const candidate = { at: inner.created_at, rumor: inner.id };
  if (existing && !newer(candidate, existing)) return null;
  const retired = new Set(existing?.retired ?? []);
  if (existing && existing.secret !== p.value.secret) retired.add(existing.secret);
  retired.delete(p.value.secret);
  const face: FaceRecord = {
    group,
    secret: p.value.secret,
    pubkey,
    profile: { name: p.value.name, about: p.value.about, picture: p.value.picture, website: p.value.website },
    off: p.value.off,
    ...candidate,
    retired: [...retired],
  };
  // A share from a current admin in the current epoch comes after any admin change this device
  // applied and reached the current admins: no rotation or sharing is due here any more.
  return { face, publications: p.value.publications ?? [] };
}

/**
 * The writes that take a public face message received in the group (1927 / 1929 sealed, 1928 open);
 * none when it is not one or may not be taken (see the module header).
 */
export async function acceptFaceRumor(
  svc: GroupService,
  rec: GroupRecord,
  rumor: Rumor,
  epoch: number | bigint,
  queued: readonly WriteOp[],
): Promise<WriteOp[]> {
  if (rec.status !== "active") return [];
  const isAdminNow = rec.members.includes(rumor.pubkey) && rec.admins.includes(rumor.pubkey);
  if (rumor.kind === KIND_PUBLICATION) {
    // An admin of the epoch that carried it who is still a member and an admin: a late record from
    // someone demoted or removed since does nothing (the "late admin acts" rule, context.ts).
    const admins = rec.adminsByEpoch[String(epoch)] ?? (Number(epoch) === rec.epoch ? rec.admins : []);
    if (!admins.includes(rumor.pubkey) || !isAdminNow) return [];
    const p = parsePublication(rumor);
    if (!p.ok) return [];
    return publicationOps(svc, rec.id, [{ ...p.value, at: rumor.created_at }], queued, true);
  }
  if (rumor.kind !== KIND_SEALED || !rec.members.includes(rumor.pubkey)) return [];
  const secrets = svc.core.secrets;
  if (!secrets || Number(epoch) !== rec.epoch) return [];
  // Only seals that say they hold one of these are opened (answers to hosts are the reducer's).
  const declared = parseSealed(rumor);
  if (!declared.ok || !FACE_SEALED_KINDS.has(declared.value.innerKind)) return [];
  const opened = unsealRumor(rumor, secrets.secretKey);
  if (!opened.ok) return [];
  const inner = opened.value;
  if (inner.kind === KIND_ANSWER_SHARE) {
    if (!isAdminNow) return [];
    const p = parseAnswerShare(inner);
    if (!p.ok) return [];
    const key = keys.webAnswer(rec.id, p.value.answer.id);
    if (await latest<WebAnswerRecord>(svc, key, queued)) return [];
    const record: WebAnswerRecord = {
      group: rec.id,
      event: p.value.event,
      answer: p.value.answer,
      decision: null,
      decidedAt: null,
      decidedBy: null,
    };
    return [{ op: "put", key, value: record }];
  }
  if (inner.kind === KIND_PUBLIC_FACE) {
    if (!isAdminNow) return [];
    const key = keys.publicFace(rec.id);
    const taken = faceAfterShare(rec.id, inner, await latest<FaceRecord>(svc, key, queued));
    if (!taken) return [];
    const ops: WriteOp[] = [{ op: "put", key, value: taken.face }];
    const shared = taken.publications.map((p) => ({ ...p, at: inner.created_at }));
    ops.push(...(await publicationOps(svc, rec.id, shared, [...queued, ...ops], false)));
    return ops;
  }
  if (inner.kind === KIND_ANSWER_DECISION) {
    const p = parseAnswerDecision(inner);
    if (!p.ok) return [];
    const key = keys.webAnswer(rec.id, p.value.answer);
    const existing = await latest<WebAnswerRecord>(svc, key, queued);
    // The answer itself comes from the relays; a decision read first waits for it.
    if (!existing || existing.event !== p.value.event) return [];
    if (existing.decidedAt !== null && existing.decidedAt >= inner.created_at) return [];
    // Whether its author may decide (an admin, or a host of the event) is judged where the event's
    // state is at hand: when the answers are listed and when an admin's device replies.
    return [
      {
        op: "put",
        key,
        value: {
          ...existing,
          decision: p.value.status,
          decidedAt: inner.created_at,
          decidedBy: inner.pubkey,
          // An admin replies from their own device as they decide; a host's decision is replied to
          // by an admin's device (publicFace.ts `sendOwedReplies`).
          replied: isAdminNow,
        },
      },
    ];
  }
  return [];
}

/** Writes for publication records; `replace` lets a newer record replace an older one. */
async function publicationOps(
  svc: GroupService,
  group: string,
  list: readonly (Publication & { at: number })[],
  queued: readonly WriteOp[],
  replace: boolean,
): Promise<WriteOp[]> {
  const ops: WriteOp[] = [];
  for (const p of list) {
    const key = keys.publication(group, p.event);
    const existing = await latest<PublicationRecord>(svc, key, [...queued, ...ops]);
    if (existing && (!replace || existing.at > p.at)) continue;
    // The public d is made once and kept: a later record cannot move the event to another address.
    const d = existing?.d ?? p.d;
    ops.push({ op: "put", key, value: { group, event: p.event, d, status: p.status, at: p.at } });
  }
  return ops;
}

/**
 * After a commit: an admin lost means the key is to be replaced (they hold it); an admin gained
 * means the key is to be sealed to them. Every remaining admin device marks the same; the device of
 * the admin who lost the role forgets the key (an honest one; a hostile one keeps it, THREAT-MODEL.md).
 */
export async function faceAfterAdminChange(
  svc: GroupService,
  before: GroupRecord,
  after: GroupRecord,
  queued: readonly WriteOp[] = [],
): Promise<WriteOp[]> {
  const was = new Set(effectiveAdmins(before));
  const now = new Set(effectiveAdmins(after));
  const lost = [...was].some((a) => !now.has(a));
  const gained = [...now].some((a) => !was.has(a));
  if (!lost && !gained) return [];
  const key = keys.publicFace(after.id);
  const face = await latest<FaceRecord>(svc, key, queued);
  if (!face) return [];
  // No longer an admin here: this device forgets the key (a later promotion brings the key in force).
  if (was.has(svc.me()) && !now.has(svc.me())) return [{ op: "delete", key }];
  return [
    {
      op: "put",
      key,
      value: { ...face, ...(lost ? { rotate: true } : {}), ...(gained ? { reshare: true } : {}) },
    },
  ];
}
