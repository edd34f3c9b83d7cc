/**
 * Property: whatever order and however many times a 3–5 member group's traffic arrives (adds,
 * removes, leaves, key updates, concurrent commits, messages), every member's timeline ends in the
 * same state — same epoch, same members, same exporter secret.
 *
 * A "world" first plays a random script, delivering every message in creation order; it records
 * the traffic, each member's starting state (creation or join) and each member's own commits.
 * Then every remaining member replays the whole traffic from its starting state in a random order
 * with duplicates, and must end where the world ended.
 */
import { bytesToHex, randomBytes } from "@noble/hashes/utils.js";
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import {
  addMembers,
  commitPendingProposals,
  createGroup,
  createKeyPackage,
  type Envelope,
  encrypt,
  epoch,
  exporterSecret,
  type GroupState,
  headState,
  isActive,
  joinFromWelcome,
  members,
  proposeLeave,
  receive,
  recordOwnCommit,
  removeMembers,
  selfUpdate,
  startTimeline,
  type Timeline,
  updateGroupData,
} from "../../src/mls/index.ts";
import { type Person, person, text } from "./helpers.ts";

type Op =
  | { t: "add"; who: number }
  | { t: "remove"; who: number }
  | { t: "msg"; who: number }
  | { t: "update"; who: number }
  | { t: "race"; a: number; b: number; swap: boolean }
  | { t: "leave"; who: number };

const PEOPLE = ["alice", "bob", "carol", "dave", "erin"];

interface OwnCommit {
  env: Envelope;
  before: GroupState;
  after: GroupState;
}

class World {
  people: Person[] = PEOPLE.map(person);
  timelines = new Map<number, Timeline>();
  starts = new Map<number, Timeline>();
  own = new Map<number, OwnCommit[]>();
  traffic: Envelope[] = [];
  clock = 1_000;

  envelope(message: Uint8Array): Envelope {
    this.clock++;
    return { id: bytesToHex(randomBytes(32)), message };
  }

  head(i: number): GroupState {
    return headState(this.timelines.get(i) as Timeline);
  }

  active(): number[] {
    return [...this.timelines.keys()].filter((i) => isActive(this.head(i)));
  }

  async deliver(env: Envelope, except: number[] = []): Promise<void> {
    this.traffic.push(env);
    for (const i of this.active()) {
      if (except.includes(i)) continue;
      this.timelines.set(i, (await receive(this.timelines.get(i) as Timeline, env)).timeline);
    }
  }

  async ownCommit(i: number, env: Envelope, before: GroupState, after: GroupState): Promise<void> {
    this.own.set(i, [...(this.own.get(i) ?? []), { env, before, after }]);
    this.timelines.set(
      i,
      (await recordOwnCommit(this.timelines.get(i) as Timeline, env, { before, after })).timeline,
    );
  }

  async start(initial: number[]): Promise<void> {
    const alice = this.people[0] as Person;
    const g = await createGroup(alice.device, { name: "Convergence" });
    this.timelines.set(0, startTimeline(g));
    this.starts.set(0, startTimeline(g));
    for (const i of initial) await this.add(i);
  }

  async add(i: number): Promise<void> {
    if (this.timelines.has(i)) return;
    const kp = await createKeyPackage((this.people[i] as Person).device);
    const before = this.head(0);
    const out = await addMembers(before, [kp.keyPackage]);
    const env = this.envelope(out.commit);
    await this.ownCommit(0, env, before, out.state);
    await this.deliver(env, [0]);
    const joined = await joinFromWelcome(
      out.welcomes[0]?.welcome as Uint8Array,
      kp.privateKeyPackage,
      out.ratchetTree,
    );
    this.timelines.set(i, startTimeline(joined));
    this.starts.set(i, startTimeline(joined));
  }

  async run(op: Op): Promise<void> {
    const act = this.active();
    const pick = (n: number) => act[n % act.length] as number;
    switch (op.t) {
      case "add":
        return this.add(op.who % PEOPLE.length);
      case "remove": {
        const victim = pick(op.who);
        if (victim === 0) return;
        const before = this.head(0);
        const out = await removeMembers(before, [(this.people[victim] as Person).pubkey]);
        const env = this.envelope(out.commit);
        await this.ownCommit(0, env, before, out.state);
        return this.deliver(env, [0]);
      }
      case "msg": {
        const who = pick(op.who);
        const m = await encrypt(this.head(who), text(`from ${PEOPLE[who]} at ${this.clock}`));
        // The sender's timeline moves to the state after sending.
        const t = this.timelines.get(who) as Timeline;
        this.timelines.set(who, { ...t, head: m.state });
        return this.deliver(this.envelope(m.message), [who]);
      }
      case "update": {
        const who = pick(op.who);
        const before = this.head(who);
        const out = await selfUpdate(before);
        const env = this.envelope(out.commit);
        await this.ownCommit(who, env, before, out.state);
        return this.deliver(env, [who]);
      }
      case "race": {
        // Two members commit on the same epoch before seeing each other's commit.
        const [x, y] = [pick(op.a), pick(op.a + 1 + (op.b % Math.max(1, act.length - 1)))];
        if (x === y) return;
        const made: { who: number; env: Envelope; before: GroupState; after: GroupState }[] = [];
        const at = this.clock++;
        for (const who of [x, y]) {
          const before = this.head(who);
          const out =
            who === 0
              ? await updateGroupData(before, { description: `raced at ${at}` })
              : await selfUpdate(before);
          made.push({
            who,
            env: this.envelope(out.commit),
            before,
            after: out.state,
          });
        }
        // Either may reach the relay first; the admin's (Alice's) wins wherever it is in the race.
        if (op.swap) made.reverse();
        for (const m of made) await this.ownCommit(m.who, m.env, m.before, m.after);
        for (const m of made) await this.deliver(m.env, [m.who]);
        return;
      }
      case "leave": {
        const who = pick(op.who);
        if (who === 0) return;
        const out = await proposeLeave(this.head(who));
        const t = this.timelines.get(who) as Timeline;
        this.timelines.set(who, { ...t, head: out.state });
        await this.deliver(this.envelope(out.proposal), [who]);
        const before = this.head(0);
        const c = await commitPendingProposals(before);
        const env = this.envelope(c.commit);
        await this.ownCommit(0, env, before, c.state);
        return this.deliver(env, [0]);
      }
    }
  }
}

async function fingerprint(s: GroupState): Promise<string> {
  const who = members(s)
    .map((m) => m.pubkey)
    .sort()
    .join(",");
  return `${epoch(s)}|${who}|${bytesToHex(await exporterSecret(s))}`;
}

const op: fc.Arbitrary<Op> = fc.oneof(
  fc.record({ t: fc.constant("add" as const), who: fc.nat(4) }),
  fc.record({ t: fc.constant("remove" as const), who: fc.nat(4) }),
  fc.record({ t: fc.constant("msg" as const), who: fc.nat(4) }),
  fc.record({ t: fc.constant("update" as const), who: fc.nat(4) }),
  fc.record({ t: fc.constant("race" as const), a: fc.nat(4), b: fc.nat(4), swap: fc.boolean() }),
  fc.record({ t: fc.constant("leave" as const), who: fc.nat(4) }),
);

describe("convergence of a group's traffic", () => {
  it("any delivery order and duplication ends in the same state for every member", async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.integer({ min: 2, max: 4 }),
        fc.array(op, { minLength: 2, maxLength: 5 }),
        fc.array(fc.nat(), { minLength: 60, maxLength: 60 }),
        async (initialSize, ops, noise) => {
          const world = new World();
          await world.start(Array.from({ length: initialSize - 1 }, (_, i) => i + 1));
          for (const o of ops) await world.run(o);
          const expected = await fingerprint(world.head(0));
          for (const i of world.active()) expect(await fingerprint(world.head(i))).toBe(expected);

          // Replay: every remaining member gets all traffic shuffled, some of it twice.
          let k = 0;
          const rnd = () => noise[k++ % noise.length] as number;
          for (const i of world.active()) {
            const deliveries = [...world.traffic, ...world.traffic.filter(() => rnd() % 3 === 0)];
            for (let j = deliveries.length - 1; j > 0; j--) {
              const r = rnd() % (j + 1);
              [deliveries[j], deliveries[r]] = [deliveries[r] as Envelope, deliveries[j] as Envelope];
            }
            let t = world.starts.get(i) as Timeline;
            const own = new Map((world.own.get(i) ?? []).map((c) => [c.env.id, c]));
            for (const env of deliveries) {
              const mine = own.get(env.id);
              t = mine
                ? (await recordOwnCommit(t, env, { before: mine.before, after: mine.after })).timeline
                : (await receive(t, env)).timeline;
            }
            expect(await fingerprint(headState(t))).toBe(expected);
          }
        },
      ),
      { numRuns: 12 },
    );
  }, 600_000);
});
