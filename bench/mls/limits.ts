/**
 * How large a Rally group can get through a real relay (docs/PROTOCOL.md §6.2: a kind 445 event
 * carries at most 131,068 bytes of MLS message, larger is `too-large`; §8.3: a welcome's gift wrap
 * must fit a 256 KiB frame, the tree travels beside it as kind 1447 chunks past 100 members).
 *
 *   npx tsx bench/mls/limits.ts                            # 300, 1,000 and 5,000 members (~10 min)
 *   npx tsx bench/mls/limits.ts --sizes=300,1000                # about a minute
 *   npx tsx bench/mls/limits.ts --sizes=5000 --only=after --updaters=2   # one build, 2 per commit
 *
 * Why sizes are limited: an Add carries no UpdatePath, so right after people are added every parent
 * node above them is blank (or lists them as unmerged) and the next commit with a path — a removal,
 * a key update — is encrypted to every leaf (RFC 9420 §7.9 resolution): about 82 bytes per member,
 * past the kind 445 limit at about 1,590 members. Rally therefore (1) lets each newcomer commit its
 * own key update soon after joining (client group/keyUpdates.ts), which sets every parent on its
 * direct path, and (2) cuts adds so that the commit, each welcome and the group's next path commit
 * all fit (client group/addBatches.ts `fitAdd`).
 *
 * Everything is published to a real relay process (tests/helpers/relay.ts) and the relay's answer
 * is printed next to each size. Two builds of the group, one admin each, key packages shared:
 *
 * - `before`: the admin adds everyone in Add commits of at most 300 key packages and nobody
 *   commits a key update (the behaviour without this change). At each size: a chat message, a
 *   removal of one member and a key update by the admin — each built on the state right after the
 *   adds and published.
 * - `after`: the admin adds with the group service's `fitAdd`; after each Add commit `--updaters`
 *   of its newcomers (default 4 while the group has at most 1,000 members, 1 past that), evenly
 *   spread, join from their welcomes — the ratchet tree fetched from the relay as kind 1447 chunks
 *   and opened — and commit their key update in turn, each published and
 *   applied by the admin and by the sample's later members. This stands for every newcomer's own
 *   key update after joining (in the product every member does one; a sample is enough to keep
 *   path commits small, and joining 5,000 members one by one would take hours here). Then the same
 *   message, removal and key update as above, and a key update by one of the sampled members.
 *
 * Each welcome of a sampled member is gift-wrapped and published (the others' welcomes are not:
 * they would be the same size). The figures are printed, never asserted.
 */

import { generateSecretKey, getPublicKey } from "nostr-tools/pure";
import WebSocket from "ws";
import { fitAdd, PATH_COMMIT_BUDGET } from "../../packages/client/src/group/addBatches.ts";
import { nodeCryptoBackend } from "../../packages/client/src/platform/node/nodeCrypto.ts";
import {
  type AddOutput,
  addMembers,
  configureMls,
  createDeviceIdentity,
  createGroup,
  createKeyPackage,
  type DeviceIdentity,
  encrypt,
  exporterSecret,
  type GroupState,
  joinFromWelcome,
  type NewKeyPackage,
  pathCost,
  process,
  removeMembers,
  selfUpdate,
} from "../../packages/protocol/src/mls/index.ts";
import type { NostrEvent } from "../../packages/protocol/src/nostr/event.ts";
import { MAX_GROUP_MESSAGE_BYTES, wrapGroupMessage } from "../../packages/protocol/src/wire/groupMessage.ts";
import { openRatchetTree, sealRatchetTree } from "../../packages/protocol/src/wire/ratchetTree.ts";
import { wrapWelcome } from "../../packages/protocol/src/wire/welcome.ts";
import { startRelay } from "../../tests/helpers/relay.ts";

const args = new Map(
  globalThis.process.argv.slice(2).map((a) => {
    const [k, v] = a.replace(/^--/, "").split("=");
    return [k, v ?? ""] as [string, string];
  }),
);
const SIZES = (args.get("sizes") ?? "300,1000,5000")
  .split(",")
  .map(Number)
  .sort((a, b) => a - b);
/**
 * Newcomers per Add commit who join and update: 4 while the group has at most 1,000 members, then 1
 * (a join verifies every leaf of the tree: about 10 s at 5,000 members here).
 */
const UPDATERS_FIXED = args.has("updaters") ? Number(args.get("updaters")) : undefined;
const updatersAt = (members: number) => UPDATERS_FIXED ?? (members <= 1_000 ? 4 : 1);
/** `--only=before` or `--only=after` runs one of the two builds. */
const ONLY = args.get("only");
const OLD_BATCH = 300;
const LIMIT = MAX_GROUP_MESSAGE_BYTES;

if (
  SIZES.some((n) => !Number.isInteger(n) || n < 20) ||
  !(UPDATERS_FIXED === undefined || UPDATERS_FIXED >= 1)
) {
  console.error("--sizes takes whole numbers of at least 20 (e.g. --sizes=300,1000), --updaters at least 1");
  globalThis.process.exit(2);
}

const fmt = (n: number) => n.toLocaleString("en-US");
const secs = (t0: number) => ((performance.now() - t0) / 1000).toFixed(1);

/** A raw relay connection: publish and wait for the relay's OK, or fetch by filter. */
class Relay {
  private waiting = new Map<string, (ok: { ok: boolean; message: string }) => void>();
  private subs = new Map<string, { events: NostrEvent[]; done: () => void }>();
  private n = 0;
  private constructor(private ws: WebSocket) {
    ws.on("message", (data) => {
      const msg = JSON.parse(data.toString()) as unknown[];
      if (msg[0] === "OK")
        this.waiting.get(msg[1] as string)?.({ ok: msg[2] === true, message: String(msg[3]) });
      else if (msg[0] === "EVENT") this.subs.get(msg[1] as string)?.events.push(msg[2] as NostrEvent);
      else if (msg[0] === "EOSE" || msg[0] === "CLOSED") this.subs.get(msg[1] as string)?.done();
    });
  }
  static open(url: string): Promise<Relay> {
    return new Promise((resolve, reject) => {
      const ws = new WebSocket(url, { perMessageDeflate: false, maxPayload: 64 * 1024 * 1024 });
      ws.once("open", () => resolve(new Relay(ws)));
      ws.once("error", reject);
    });
  }
  publish(event: NostrEvent): Promise<{ ok: boolean; message: string }> {
    return new Promise((resolve) => {
      this.waiting.set(event.id, (r) => {
        this.waiting.delete(event.id);
        resolve(r);
      });
      this.ws.send(JSON.stringify(["EVENT", event]));
    });
  }
  fetch(filter: Record<string, unknown>): Promise<NostrEvent[]> {
    const id = `s${++this.n}`;
    return new Promise((resolve) => {
      const events: NostrEvent[] = [];
      this.subs.set(id, {
        events,
        done: () => {
          this.subs.delete(id);
          this.ws.send(JSON.stringify(["CLOSE", id]));
          resolve(events);
        },
      });
      this.ws.send(JSON.stringify(["REQ", id, filter]));
    });
  }
  close(): void {
    this.ws.close();
  }
}

interface Person {
  d: DeviceIdentity;
  secret: Uint8Array;
  kp: NewKeyPackage;
}

let relay: Relay;
const RELAYS: string[] = [];

/** Publishes a group message carrying `mls` in `state`'s epoch; returns "accepted" or why not. */
async function publish445(state: GroupState, mls: Uint8Array): Promise<string> {
  let event: NostrEvent;
  try {
    event = wrapGroupMessage({ exporterSecret: await exporterSecret(state), mlsMessage: mls });
  } catch (e) {
    return `not sendable: ${(e as { code?: string }).code ?? e}`;
  }
  const r = await relay.publish(event);
  return r.ok
    ? `relay accepted (event ${fmt(JSON.stringify(event).length)} B)`
    : `relay REFUSED: ${r.message}`;
}

function line(what: string, bytes: number, verdict: string): string {
  const share = ((bytes / LIMIT) * 100).toFixed(0);
  return `  ${what.padEnd(40)} ${fmt(bytes).padStart(9)} B (${share.padStart(3)}% of ${fmt(LIMIT)}) — ${verdict}`;
}

/** The three path commits (and a message) an admin needs, on `state`, published. */
async function adminCommits(state: GroupState, victim: string, out: Map<string, number>): Promise<void> {
  const msg = await encrypt(state, new TextEncoder().encode("Meeting at 7, bring a friend."));
  console.log(line("chat message by the admin", msg.message.length, await publish445(state, msg.message)));
  const rm = await removeMembers(state, [victim as Parameters<typeof removeMembers>[1][number]]);
  console.log(
    line("removal of one member by the admin", rm.commit.length, await publish445(state, rm.commit)),
  );
  const up = await selfUpdate(state);
  console.log(line("key update by the admin", up.commit.length, await publish445(state, up.commit)));
  out.set("removal", rm.commit.length);
  out.set("update", up.commit.length);
  const est = pathCost(state);
  console.log(
    `  largest path commit any member could make now (estimate): ${fmt(est.worstCommitBytes)} B (${fmt(est.worstCiphertexts)} ciphertexts)`,
  );
  out.set("worst", est.worstCommitBytes);
}

async function before(people: Person[], results: Map<number, Map<string, number>>): Promise<void> {
  console.log(`\n== before: Add commits of ≤${OLD_BATCH} key packages, no member commits a key update ==`);
  const t0 = performance.now();
  const admin = createDeviceIdentity(generateSecretKey());
  let state = await createGroup(admin, { name: "Limits (before)", relays: RELAYS });
  let added = 1;
  const addSizes: number[] = [];
  for (const n of SIZES) {
    while (added < n) {
      const batch = people.slice(added - 1, Math.min(n, added + OLD_BATCH) - 1);
      const add = await addMembers(
        state,
        batch.map((p) => p.kp.keyPackage),
      );
      const verdict = await publish445(state, add.commit);
      if (!verdict.startsWith("relay accepted")) console.log(line("Add commit", add.commit.length, verdict));
      addSizes.push(add.commit.length);
      state = add.state;
      added += batch.length;
    }
    console.log(
      `${fmt(n)} members (${secs(t0)} s): ${addSizes.length} Add commits so far, largest ${fmt(Math.max(...addSizes))} B, all accepted unless shown`,
    );
    const row = results.get(n) ?? new Map<string, number>();
    await adminCommits(state, (people[Math.floor(n / 2)] as Person).d.pubkey, row);
    results.set(n, row);
  }
}

/** Joins `who` from its welcome, the tree fetched from the relay's kind 1447 chunks when beside. */
async function join(
  add: AddOutput,
  inline: boolean,
  who: Person,
  adminSecret: Uint8Array,
): Promise<GroupState> {
  const w = add.welcomes.find((x) => x.pubkey === who.d.pubkey);
  if (!w) throw new Error("no welcome for a sampled member");
  let tree: Uint8Array | undefined;
  if (!inline) {
    if (!sealed) throw new Error("tree not published");
    const chunks = await relay.fetch({ ids: sealed.ref.events });
    tree = openRatchetTree(sealed.ref, chunks);
  }
  const wrap = wrapWelcome({
    welcome: w.welcome,
    keyPackageEventId: "ab".repeat(32),
    relays: RELAYS,
    ...(sealed && !inline ? { ratchetTree: sealed.ref } : {}),
    inviterSecretKey: adminSecret,
    inviteePubkey: getPublicKey(who.secret),
  });
  const r = await relay.publish(wrap);
  if (!r.ok) console.log(`  welcome gift wrap REFUSED: ${r.message}`);
  welcomeSizes.push(JSON.stringify(wrap).length);
  return joinFromWelcome(w.welcome, who.kp.privateKeyPackage, tree);
}

let sealed: ReturnType<typeof sealRatchetTree> | undefined;
const welcomeSizes: number[] = [];

async function after(people: Person[], results: Map<number, Map<string, number>>): Promise<void> {
  console.log(
    `\n== after: adds cut by fitAdd; after each Add commit ${UPDATERS_FIXED ?? "4 (1 once past 1,000 members)"} of its newcomers join (tree from the relay) and commit a key update ==`,
  );
  const t0 = performance.now();
  const adminSecret = generateSecretKey();
  const admin = createDeviceIdentity(adminSecret);
  let state = await createGroup(admin, { name: "Limits (after)", relays: RELAYS });
  let added = 1;
  const addSizes: number[] = [];
  const updateSizes: number[] = [];
  const chunkStats = { events: 0, largest: 0, refused: 0, trees: 0, lastTree: 0, lastChunks: 0 };
  let lastUpdater: GroupState | undefined;
  for (const n of SIZES) {
    while (added < n) {
      const wanted = people.slice(added - 1, n - 1);
      const tAdd = performance.now();
      const fitted = await fitAdd(
        state,
        wanted.map((p) => p.kp.keyPackage),
        { members: added, relays: RELAYS },
      );
      const verdict = await publish445(state, fitted.out.commit);
      if (!verdict.startsWith("relay accepted"))
        console.log(line("Add commit", fitted.out.commit.length, verdict));
      addSizes.push(fitted.out.commit.length);
      state = fitted.out.state;
      const newcomers = wanted.slice(0, fitted.count);
      added += fitted.count;
      const addS = secs(tAdd);
      const tTree = performance.now();
      sealed = undefined;
      if (!fitted.inline) {
        sealed = sealRatchetTree({ tree: fitted.out.ratchetTree });
        chunkStats.trees++;
        chunkStats.lastTree = fitted.out.ratchetTree.length;
        chunkStats.lastChunks = sealed.events.length;
        for (const e of sealed.events) {
          const r = await relay.publish(e);
          chunkStats.events++;
          if (!r.ok) chunkStats.refused++;
          chunkStats.largest = Math.max(chunkStats.largest, JSON.stringify(e).length);
        }
      }
      // A sample of this commit's newcomers, evenly spread, join and update in turn.
      const k = Math.min(updatersAt(added), newcomers.length);
      const sample = Array.from(
        { length: k },
        (_, i) => newcomers[Math.floor(((i + 0.5) * newcomers.length) / k)] as Person,
      );
      const treeS = secs(tTree);
      const tJoin = performance.now();
      let members = await Promise.all(sample.map((p) => join(fitted.out, fitted.inline, p, adminSecret)));
      const joinS = secs(tJoin);
      const tUp = performance.now();
      for (let j = 0; j < members.length; j++) {
        const up = await selfUpdate(members[j] as GroupState);
        updateSizes.push(up.commit.length);
        const verdict = await publish445(members[j] as GroupState, up.commit);
        if (!verdict.startsWith("relay accepted"))
          console.log(line("newcomer's key update", up.commit.length, verdict));
        state = (await process(state, up.commit)).state;
        lastUpdater = up.state;
        const later: GroupState[] = [];
        for (let i = j + 1; i < members.length; i++)
          later.push((await process(members[i] as GroupState, up.commit)).state);
        members = [...members.slice(0, j + 1), ...later];
      }
      console.log(
        `  +${fmt(fitted.count)} → ${fmt(added)} members: Add commit ${fmt(fitted.out.commit.length)} B; ${k} newcomers' key updates ${updateSizes
          .slice(-k)
          .map(fmt)
          .join(", ")} B (${secs(t0)} s; add ${addS}, tree ${treeS}, joins ${joinS}, updates ${secs(tUp)})`,
      );
    }
    console.log(
      `${fmt(n)} members (${secs(t0)} s): ${addSizes.length} Add commits so far, largest ${fmt(Math.max(...addSizes))} B; newcomers' key updates so far: ${updateSizes.length}, largest ${fmt(Math.max(...updateSizes))} B`,
    );
    const row = results.get(n) ?? new Map<string, number>();
    await adminCommits(state, (people[Math.floor(n / 2)] as Person).d.pubkey, row);
    if (lastUpdater) {
      // The last sampled member is current with the admin (it made the last commit they share).
      const up = await selfUpdate(lastUpdater);
      console.log(
        line("key update by a member (sampled)", up.commit.length, await publish445(lastUpdater, up.commit)),
      );
    }
    row.set("addMax", Math.max(...addSizes));
    row.set("updMax", Math.max(...updateSizes));
    results.set(n, row);
  }
  console.log(
    `  ratchet tree: ${chunkStats.trees} trees published as ${fmt(chunkStats.events)} kind 1447 chunks, largest event ${fmt(chunkStats.largest)} B, refused ${chunkStats.refused}; the last tree ${fmt(chunkStats.lastTree)} B in ${chunkStats.lastChunks} chunks; welcome gift wraps: ${welcomeSizes.length}, largest ${fmt(Math.max(0, ...welcomeSizes))} B`,
  );
}

async function main(): Promise<void> {
  configureMls({ crypto: nodeCryptoBackend() });
  const t0 = performance.now();
  const handle = await startRelay();
  RELAYS.push(handle.url);
  relay = await Relay.open(handle.url);
  console.log(
    `Rally group limits through a relay (${handle.url}) — MLS message limit ${fmt(LIMIT)} B per kind 445 event; fitAdd keeps the largest path commit under ${fmt(PATH_COMMIT_BUDGET)} B`,
  );
  try {
    const max = Math.max(...SIZES);
    const people: Person[] = [];
    for (let i = 1; i < max; i++) {
      const secret = generateSecretKey();
      const d = createDeviceIdentity(secret);
      people.push({ d, secret, kp: await createKeyPackage(d) });
    }
    console.log(`${fmt(max - 1)} key packages made (${secs(t0)} s)`);
    const b = new Map<number, Map<string, number>>();
    const a = new Map<number, Map<string, number>>();
    if (ONLY !== "after") await before(people, b);
    if (ONLY !== "before") await after(people, a);
    console.log("\n== Summary: largest path commit (removal / key update by the admin) ==");
    for (const n of SIZES) {
      const x = b.get(n);
      const y = a.get(n);
      const big = (m: Map<string, number> | undefined) => {
        if (!m) return "not run".padStart(11);
        const v = Math.max(m.get("removal") ?? 0, m.get("update") ?? 0);
        return `${fmt(v).padStart(9)} B (${v <= LIMIT ? "fits" : "TOO LARGE"})`;
      };
      const rest = y
        ? `; largest Add commit ${fmt(y.get("addMax") ?? 0)} B, largest newcomer key update ${fmt(y.get("updMax") ?? 0)} B`
        : "";
      console.log(
        `${fmt(n).padStart(6)} members: before ${big(x)}; after the newcomers' key updates ${big(y)}${rest}`,
      );
    }
    console.log(`total ${secs(t0)} s`);
  } finally {
    relay.close();
    await handle.stop();
  }
}

await main();
