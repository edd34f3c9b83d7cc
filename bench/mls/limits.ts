/**
 * How large a Rally group can get before a message it needs no longer fits through a relay
 * (docs/PROTOCOL.md §6.2: a kind 445 event carries at most 131,068 bytes of MLS message, larger is
 * `too-large`; §8.3: a welcome's gift wrap must fit a 256 KiB frame, the tree travels beside it as
 * kind 1447 chunks past 100 members).
 *
 *   npx tsx bench/mls/limits.ts                          # sizes 100, 300, 1000 (about 2 minutes)
 *   npx tsx bench/mls/limits.ts --sizes=100,300,1000,2000 --partial-max=300 --full-max=100
 *
 * For each size N the group is built by one admin: one key package per member, Add commits of at
 * most 300 key packages (§6.2; the group service itself commits one invite per person, and an
 * invite link's waiting requests together in one commit, with no cap), the tree inside the welcome
 * while the group has at most 100 members and beside it (sealed into kind 1447 chunks) past that,
 * as the group service decides. Inviting one at a time leaves the same blank parent nodes: Adds
 * carry no UpdatePath. Then, on the admin's state right after building (no member has committed yet, so every
 * parent node is blank and an UpdatePath must be encrypted to every leaf: RFC 9420 §7.9 resolution):
 * a removal, a data change (rename) and a key update — every one of them carries an UpdatePath.
 * Each commit is put through the real `wrapGroupMessage`, so "fits" means the transport took it.
 *
 * The removal is measured again after some members committed their own key update:
 * - `partial` (N ≤ --partial-max): 10% of members, evenly spread, join from their welcomes and
 *   commit a key update in turn (each later one processes the earlier ones);
 * - `full` (N ≤ --full-max): a group grown one member at a time, each newcomer joining and
 *   committing a key update at once — the tree every member has updated in (all parents set, no
 *   unmerged leaves), the best case.
 * Larger sizes are extrapolated from the measured per-leaf slope, and the output says which figures
 * are measured and which are extrapolated.
 */

import type { NostrEvent } from "nostr-tools/pure";
import { generateSecretKey, getPublicKey } from "nostr-tools/pure";
import { nodeCryptoBackend } from "../../packages/client/src/platform/node/nodeCrypto.ts";
import {
  addMembers,
  configureMls,
  createDeviceIdentity,
  createGroup,
  createKeyPackage,
  type DeviceIdentity,
  exporterSecret,
  type GroupState,
  joinFromWelcome,
  type NewKeyPackage,
  process,
  removeMembers,
  selfUpdate,
  updateGroupData,
} from "../../packages/protocol/src/mls/index.ts";
import { RELAY_FRAME_LIMIT } from "../../packages/protocol/src/wire/giftWrap.ts";
import { MAX_GROUP_MESSAGE_BYTES, wrapGroupMessage } from "../../packages/protocol/src/wire/groupMessage.ts";
import { RATCHET_TREE_CHUNK_BYTES, sealRatchetTree } from "../../packages/protocol/src/wire/ratchetTree.ts";
import { wrapWelcome } from "../../packages/protocol/src/wire/welcome.ts";

const args = new Map(
  globalThis.process.argv.slice(2).map((a) => {
    const [k, v] = a.replace(/^--/, "").split("=");
    return [k, v ?? ""] as [string, string];
  }),
);
const SIZES = (args.get("sizes") ?? "100,300,1000").split(",").map(Number);
const PARTIAL_MAX = Number(args.get("partial-max") ?? 300);
const FULL_MAX = Number(args.get("full-max") ?? 100);
/** Key packages per Add commit (PROTOCOL.md §6.2: an Add carries a whole key package). */
const ADD_BATCH = Number(args.get("batch") ?? 300);
/** As in the group service (`INLINE_TREE_MEMBERS`): the tree rides inside the welcome up to here. */
const INLINE_TREE_MEMBERS = 100;
const LIMIT = MAX_GROUP_MESSAGE_BYTES;
const RELAYS = ["wss://relay.example.org", "wss://relay2.example.org"];

if (SIZES.some((n) => !Number.isInteger(n) || n < 20)) {
  console.error("--sizes takes whole numbers of at least 20, e.g. --sizes=100,300,1000");
  globalThis.process.exit(2);
}

interface Person {
  d: DeviceIdentity;
  kp: NewKeyPackage;
}

const fmtB = (n: number) => n.toLocaleString("en-US");
const secs = (t0: number) => ((performance.now() - t0) / 1000).toFixed(1);

/** Whether the kind 445 transport takes `mls` (and the event's JSON size when it does). */
async function transport(state: GroupState, mls: Uint8Array): Promise<string> {
  try {
    const ev = wrapGroupMessage({ exporterSecret: await exporterSecret(state), mlsMessage: mls });
    return `fits (event ${fmtB(JSON.stringify(ev).length)} B)`;
  } catch (e) {
    const code = (e as { code?: string }).code ?? "error";
    return `REFUSED: ${code}`;
  }
}

function person(): Promise<Person> {
  const d = createDeviceIdentity(generateSecretKey());
  return createKeyPackage(d).then((kp) => ({ d, kp }));
}

interface Built {
  admin: DeviceIdentity;
  adminSecret: Uint8Array;
  group: GroupState;
  people: Person[];
  addCommits: number[];
  lastAdd: Awaited<ReturnType<typeof addMembers>>;
  inline: boolean;
}

/** The group of `n` members built by its admin with Add commits of at most ADD_BATCH key packages. */
async function build(n: number): Promise<Built> {
  const adminSecret = generateSecretKey();
  const admin = createDeviceIdentity(adminSecret);
  let group = await createGroup(admin, { name: `Limits ${n}`, relays: RELAYS });
  const people: Person[] = [];
  for (let i = 1; i < n; i++) people.push(await person());
  const addCommits: number[] = [];
  let lastAdd: Built["lastAdd"] | undefined;
  let inline = true;
  for (let i = 0; i < people.length; i += ADD_BATCH) {
    const batch = people.slice(i, i + ADD_BATCH);
    inline = 1 + i + batch.length <= INLINE_TREE_MEMBERS;
    lastAdd = await addMembers(
      group,
      batch.map((p) => p.kp.keyPackage),
      { ratchetTreeInWelcome: inline },
    );
    addCommits.push(lastAdd.commit.length);
    group = lastAdd.state;
  }
  if (!lastAdd) throw new Error("nothing added");
  return { admin, adminSecret, group, people, addCommits, lastAdd, inline };
}

/** Joins `who` from the last Add commit's welcome (all of them were added by it). */
async function join(b: Built, who: Person): Promise<GroupState> {
  const w = b.lastAdd.welcomes.find((x) => x.pubkey === who.d.pubkey);
  if (!w) throw new Error("no welcome for this member in the last Add commit");
  return joinFromWelcome(w.welcome, who.kp.privateKeyPackage, b.inline ? undefined : b.lastAdd.ratchetTree);
}

/** Removal by the admin after 10% of members (from the last Add batch) committed a key update. */
async function partialUpdates(b: Built, victim: Person): Promise<{ bytes: number; updaters: number }> {
  const batch = b.people.slice(-b.lastAdd.welcomes.length).filter((p) => p !== victim);
  const k = Math.max(1, Math.round(0.1 * (b.people.length + 1)));
  const step = batch.length / k;
  const chosen = Array.from({ length: k }, (_, i) => batch[Math.floor(i * step)] as Person);
  let members = await Promise.all(chosen.map((p) => join(b, p)));
  let admin = b.group;
  for (let j = 0; j < members.length; j++) {
    const up = await selfUpdate(members[j] as GroupState);
    admin = (await process(admin, up.commit)).state;
    // Only those still to commit need to follow; the others are not measured again.
    const later: GroupState[] = [];
    for (let i = j + 1; i < members.length; i++)
      later.push((await process(members[i] as GroupState, up.commit)).state);
    members = [...members.slice(0, j + 1), ...later];
  }
  const rm = await removeMembers(admin, [victim.d.pubkey]);
  return { bytes: rm.commit.length, updaters: k };
}

/** Removal by the admin in a group where every member has committed a key update since joining. */
async function fullUpdates(n: number): Promise<number> {
  const admin = createDeviceIdentity(generateSecretKey());
  let group = await createGroup(admin, { name: `Limits ${n} (updated)`, relays: RELAYS });
  let victim: Person | undefined;
  for (let i = 1; i < n; i++) {
    const p = await person();
    if (i === Math.floor(n / 2)) victim = p;
    const add = await addMembers(group, [p.kp.keyPackage], { ratchetTreeInWelcome: true });
    group = add.state;
    const w = add.welcomes[0];
    if (!w) throw new Error("no welcome");
    const member = await joinFromWelcome(w.welcome, p.kp.privateKeyPackage);
    const up = await selfUpdate(member);
    group = (await process(group, up.commit)).state;
  }
  if (!victim) throw new Error("no victim");
  return (await removeMembers(group, [victim.d.pubkey])).commit.length;
}

interface Row {
  n: number;
  removal: number;
  update: number;
  rename: number;
  addMax: number;
  partial?: number;
  full?: number;
}

async function atSize(n: number): Promise<Row> {
  const t0 = performance.now();
  const b = await build(n);
  console.log(`\n== ${n} members (built in ${secs(t0)} s) ==`);
  const adds = b.addCommits;
  const perKp = (adds[0] ?? 0) / Math.min(ADD_BATCH, n - 1);
  console.log(
    `(a) Add commits (${adds.length}, ≤${ADD_BATCH} key packages each): ${adds.map(fmtB).join(", ")} B` +
      ` — about ${perKp.toFixed(0)} B per key package; ${await transport(b.group, new Uint8Array(Math.max(...adds)))}`,
  );
  const victim = b.people[Math.floor(b.people.length / 2)] as Person;

  const rm = await removeMembers(b.group, [victim.d.pubkey]);
  console.log(
    `(b) removal by the admin right after building: ${fmtB(rm.commit.length)} B; ${await transport(b.group, rm.commit)}`,
  );
  const ren = await updateGroupData(b.group, { name: "Renamed" });
  console.log(
    `    rename (group data change) by the admin:      ${fmtB(ren.commit.length)} B; ${await transport(b.group, ren.commit)}`,
  );
  const up = await selfUpdate(b.group);
  console.log(
    `(c) key update by the admin:                     ${fmtB(up.commit.length)} B; ${await transport(b.group, up.commit)}`,
  );
  // The second path commit by the same admin: its own direct path is now set, its copath is not.
  const rm2 = await removeMembers(up.state, [victim.d.pubkey]);
  console.log(
    `    removal after that key update:               ${fmtB(rm2.commit.length)} B; ${await transport(up.state, rm2.commit)}`,
  );

  const row: Row = {
    n,
    removal: rm.commit.length,
    update: up.commit.length,
    rename: ren.commit.length,
    addMax: Math.max(...adds),
  };
  if (n <= PARTIAL_MAX && n - 1 <= ADD_BATCH) {
    const t1 = performance.now();
    const p = await partialUpdates(b, victim);
    row.partial = p.bytes;
    console.log(
      `(d) removal after ${p.updaters} members (10%) committed a key update: ${fmtB(p.bytes)} B (${secs(t1)} s)`,
    );
  } else console.log("(d) removal after 10% updated: not measured at this size (see the summary)");
  if (n <= FULL_MAX) {
    const t1 = performance.now();
    row.full = await fullUpdates(n);
    console.log(
      `    removal once every member has committed a key update: ${fmtB(row.full)} B (${secs(t1)} s)`,
    );
  } else console.log("    removal once every member updated: not measured at this size (see the summary)");

  // (e) welcome and gift wrap, (f) the tree and its chunks, for one invitee of the last Add commit.
  const w = b.lastAdd.welcomes[b.lastAdd.welcomes.length - 1];
  if (!w) throw new Error("no welcome");
  const kpEventId = "ab".repeat(32);
  let chunks: NostrEvent[] = [];
  let wrapLine: string;
  try {
    const sealed = b.inline ? undefined : sealRatchetTree({ tree: b.lastAdd.ratchetTree });
    chunks = sealed?.events ?? [];
    const wrap = wrapWelcome({
      welcome: w.welcome,
      keyPackageEventId: kpEventId,
      relays: RELAYS,
      ...(sealed ? { ratchetTree: sealed.ref } : {}),
      inviterSecretKey: b.adminSecret,
      inviteePubkey: getPublicKey(generateSecretKey()),
    });
    wrapLine = `gift wrap ${fmtB(JSON.stringify(wrap).length)} B (frame ${fmtB(RELAY_FRAME_LIMIT)})`;
  } catch (e) {
    wrapLine = `gift wrap REFUSED: ${(e as { code?: string }).code ?? e}`;
  }
  console.log(
    `(e) welcome per invitee: ${fmtB(w.welcome.length)} B (tree ${b.inline ? "inside" : "beside"}); ${wrapLine}`,
  );
  const biggestChunk = Math.max(0, ...chunks.map((c) => JSON.stringify(c).length));
  console.log(
    `(f) ratchet tree: ${fmtB(b.lastAdd.ratchetTree.length)} B (${(b.lastAdd.ratchetTree.length / n).toFixed(0)} B/member)` +
      (b.inline
        ? " — inside the welcome"
        : `; ${chunks.length} kind 1447 chunk(s) of ≤${fmtB(RATCHET_TREE_CHUNK_BYTES)} B, largest event ${fmtB(biggestChunk)} B`),
  );
  console.log(`    time for this size: ${secs(t0)} s`);
  return row;
}

async function main(): Promise<void> {
  // Node's native primitives (what the CLI runs): the sizes do not depend on the backend.
  configureMls({ crypto: nodeCryptoBackend() });
  console.log(`Rally group limits through relays — MLS message limit ${fmtB(LIMIT)} B (kind 445)`);
  const t0 = performance.now();
  const rows: Row[] = [];
  for (const n of [...SIZES].sort((x, y) => x - y)) rows.push(await atSize(n));

  // Growth per member from the two largest measured sizes (the path's ciphertexts, one per leaf).
  console.log("\n== Summary ==");
  const a = rows[rows.length - 2] ?? rows[0];
  const z = rows[rows.length - 1];
  if (!a || !z) return;
  const limitOf = (pick: (r: Row) => number, label: string): number => {
    const slope = a === z ? pick(z) / z.n : (pick(z) - pick(a)) / (z.n - a.n);
    const base = pick(z) - slope * z.n;
    const maxN = slope > 1 ? Math.floor((LIMIT - base) / slope) : Number.POSITIVE_INFINITY;
    const fits = rows.filter((r) => pick(r) <= LIMIT).map((r) => r.n);
    const refused = rows.filter((r) => pick(r) > LIMIT).map((r) => r.n);
    const where = !Number.isFinite(maxN)
      ? "does not grow with the group"
      : `fits up to about ${fmtB(maxN)} members (linear ${maxN > z.n ? "extrapolation" : "interpolation"})`;
    console.log(
      `${label}: ${fmtB(pick(z))} B at ${z.n}; +${slope.toFixed(1)} B per member (measured ${a.n}→${z.n}); ${where}; ` +
        `measured: fits at ${fits.join(", ") || "none"}${refused.length ? `, too-large at ${refused.join(", ")}` : ""}`,
    );
    return maxN;
  };
  const limits = [
    limitOf((r) => r.removal, "removal right after building"),
    limitOf((r) => r.rename, "rename / admin change"),
    limitOf((r) => r.update, "admin key update"),
  ];
  for (const r of rows.filter((x) => x.partial !== undefined)) {
    const share = ((r.partial ?? 0) / r.removal) * 100;
    console.log(
      `after 10% updated: ${fmtB(r.partial ?? 0)} B at ${r.n} (${share.toFixed(0)}% of the worst case; measured)`,
    );
  }
  for (const r of rows.filter((x) => x.full !== undefined)) {
    console.log(`after every member updated: ${fmtB(r.full ?? 0)} B at ${r.n} (measured; grows with log2 N)`);
  }
  const largest = Math.min(...limits);
  console.log(
    `Largest group in which every commit an admin needs fits (worst case, before members update): about ${fmtB(largest)} members.`,
  );
  console.log(`total ${secs(t0)} s`);
}

await main();
