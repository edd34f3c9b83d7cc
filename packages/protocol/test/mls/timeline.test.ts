/** The timeline's behaviour step by step (the convergence property test covers random schedules). */
import { describe, expect, it } from "vitest";
import {
  addMembers,
  createDeviceIdentity,
  createKeyPackage,
  type Envelope,
  encrypt,
  epoch,
  exporterSecret,
  type GroupState,
  headState,
  members,
  receive,
  recordOwnCommit,
  removeMembers,
  selfUpdate,
  startTimeline,
} from "../../src/mls/index.ts";
import { groupOf, person, text, untext } from "./helpers.ts";

const env = (id: string, message: Uint8Array): Envelope => ({ id: id.padEnd(64, "0"), message });

describe("timeline", () => {
  it("holds application messages of a later epoch until its commit arrives", async () => {
    const [alice, bob] = [person("alice"), person("bob")];
    const { states } = await groupOf(alice, [bob]);
    const up = await selfUpdate(states.get("alice") as GroupState);
    const m = await encrypt(up.state, text("in epoch 2"));
    let t = startTimeline(states.get("bob") as GroupState);
    const first = await receive(t, env("b1", m.message));
    expect(first.events).toEqual([]);
    t = first.timeline;
    const second = await receive(t, env("a1", up.commit));
    expect(second.events.map((e) => e.kind)).toEqual(["commit", "application"]);
    const app = second.events[1];
    expect(app?.kind === "application" && untext(app.plaintext)).toBe("in epoch 2");
    // Duplicates change nothing.
    expect((await receive(second.timeline, env("a1", up.commit))).events).toEqual([]);
    expect(epoch(headState(second.timeline))).toBe(2);
  });

  it("rolls back when a better commit for an epoch already left arrives", async () => {
    const [alice, bob, carol] = [person("alice"), person("bob"), person("carol")];
    const { states } = await groupOf(alice, [bob, carol]);
    const better = await selfUpdate(states.get("bob") as GroupState); // id "aa": wins
    const worse = await selfUpdate(states.get("carol") as GroupState); // id "bb": loses
    let t = startTimeline(states.get("alice") as GroupState);
    t = (await receive(t, env("bb", worse.commit))).timeline;
    expect(epoch(headState(t))).toBe(2);
    const r = await receive(t, env("aa", better.commit));
    expect(r.events.map((e) => e.kind)).toEqual(["rolled-back", "commit"]);
    const commit = r.events[1];
    expect(commit?.kind === "commit" && commit.result.kind === "commit" && commit.result.committer).toBe(
      bob.pubkey,
    );
    // Carol's timeline: her own commit loses too.
    let tc = startTimeline(states.get("carol") as GroupState);
    tc = (
      await recordOwnCommit(tc, env("bb", worse.commit), {
        before: states.get("carol") as GroupState,
        after: worse.state,
      })
    ).timeline;
    tc = (await receive(tc, env("aa", better.commit))).timeline;
    expect(await exporterSecret(headState(tc))).toEqual(await exporterSecret(better.state));
    expect(await exporterSecret(headState(r.timeline))).toEqual(await exporterSecret(better.state));
  });

  it("F8: an admin's commit wins over a member's competing commit whatever their ids and times", async () => {
    const [alice, bob, carol] = [person("alice"), person("bob"), person("carol")];
    const { states } = await groupOf(alice, [bob, carol]);
    // Bob is about to be removed and races Alice's removal with a key update of his own, under
    // the lowest possible id (and, on the wire, an earlier created_at: it no longer counts).
    const removal = await removeMembers(states.get("alice") as GroupState, [bob.pubkey]);
    const dodge = await selfUpdate(states.get("bob") as GroupState);
    for (const order of [
      [env("00", dodge.commit), env("ff", removal.commit)],
      [env("ff", removal.commit), env("00", dodge.commit)],
    ]) {
      let t = startTimeline(states.get("carol") as GroupState);
      for (const e of order) t = (await receive(t, e)).timeline;
      expect(epoch(headState(t))).toBe(2);
      expect(members(headState(t)).map((m) => m.pubkey)).not.toContain(bob.pubkey);
      expect(await exporterSecret(headState(t))).toEqual(await exporterSecret(removal.state));
    }
    // Alice's own timeline keeps her commit.
    let ta = startTimeline(states.get("alice") as GroupState);
    ta = (await receive(ta, env("00", dodge.commit))).timeline;
    ta = (
      await recordOwnCommit(ta, env("ff", removal.commit), {
        before: states.get("alice") as GroupState,
        after: removal.state,
      })
    ).timeline;
    expect(await exporterSecret(headState(ta))).toEqual(await exporterSecret(removal.state));
  });

  it("skips a forbidden commit and applies the next best", async () => {
    const [alice, bob, carol] = [person("alice"), person("bob"), person("carol")];
    const { states } = await groupOf(alice, [bob, carol]);
    const { forgeCommit } = await import("./helpers.ts");
    const { defaultProposalTypes } = await import("ts-mls");
    const carolLeaf = members(states.get("bob") as GroupState).find((m) => m.pubkey === carol.pubkey)
      ?.devices[0]?.leafIndex as number;
    const forged = await forgeCommit(states.get("bob") as GroupState, [
      { proposalType: defaultProposalTypes.remove, remove: { removed: carolLeaf } },
    ]);
    const honest = await selfUpdate(states.get("alice") as GroupState);
    let t = startTimeline(states.get("carol") as GroupState);
    const r1 = await receive(t, env("01", forged));
    expect(r1.events).toEqual([{ kind: "ignored", id: "01".padEnd(64, "0"), reason: "forbidden" }]);
    t = r1.timeline;
    t = (await receive(t, env("02", honest.commit))).timeline;
    expect(epoch(headState(t))).toBe(2);
    expect(members(headState(t)).length).toBe(3);
  });
});

describe("timeline limits", () => {
  it("does not keep messages claiming an absurdly distant epoch", async () => {
    const [alice, bob] = [person("alice"), person("bob")];
    const { states } = await groupOf(alice, [bob]);
    const m = await encrypt(states.get("alice") as GroupState, text("x"));
    // Same bytes with the epoch field rewritten far ahead (the clear header of a PrivateMessage).
    const { decodeMlsMessage } = await import("../../src/mls/mlsCodec.ts");
    const { encode, mlsMessageEncoder } = await import("ts-mls");
    const msg = decodeMlsMessage(m.message);
    if (!("privateMessage" in msg)) throw new Error("expected a private message");
    const far = encode(mlsMessageEncoder, {
      ...msg,
      privateMessage: { ...msg.privateMessage, epoch: 1_000_000n },
    });
    const r = await receive(startTimeline(states.get("bob") as GroupState), env("ff", far));
    expect(r.events).toEqual([{ kind: "ignored", id: "ff".padEnd(64, "0"), reason: "too-far-ahead" }]);
    expect(r.timeline.waiting.length).toBe(0);
  });
});

describe("own commits", () => {
  it("applies our own commit even when the relay echoed it before we recorded it", async () => {
    const [alice, bob] = [person("alice"), person("bob")];
    const { states } = await groupOf(alice, [bob]);
    const before = states.get("alice") as GroupState;
    const up = await selfUpdate(before);
    let t = startTimeline(before);
    const echo = await receive(t, env("e1", up.commit));
    expect(echo.events[0]).toMatchObject({ kind: "ignored" });
    t = echo.timeline;
    const mine = await recordOwnCommit(t, env("e1", up.commit), { before, after: up.state });
    expect(mine.events).toEqual([
      { kind: "commit", id: "e1".padEnd(64, "0"), result: { kind: "own" }, epoch: 2 },
    ]);
    expect(epoch(headState(mine.timeline))).toBe(2);
  });
});

describe("people with several devices", () => {
  it("members groups devices by person; removing a person removes every device", async () => {
    const [alice, bob, carol] = [person("alice"), person("bob"), person("carol")];
    const { states } = await groupOf(alice, [carol]);
    const bobLaptop = createDeviceIdentity(bob.secretKey);
    const out = await addMembers(states.get("alice") as GroupState, [
      (await createKeyPackage(bob.device)).keyPackage,
      (await createKeyPackage(bobLaptop)).keyPackage,
    ]);
    expect(out.welcomes.map((w) => w.pubkey)).toEqual([bob.pubkey, bob.pubkey]);
    const bobEntry = members(out.state).find((m) => m.pubkey === bob.pubkey);
    expect(bobEntry?.devices.length).toBe(2);
    const { process } = await import("../../src/mls/index.ts");
    const c = await process(states.get("carol") as GroupState, out.commit);
    expect(c.result).toMatchObject({ kind: "commit", added: [bob.pubkey] });
    const removal = await removeMembers(out.state, [bob.pubkey]);
    const c2 = await process(c.state, removal.commit);
    expect(c2.result).toMatchObject({ kind: "commit", removed: [bob.pubkey] });
    expect(
      members(c2.state)
        .map((m) => m.pubkey)
        .sort(),
    ).toEqual([alice.pubkey, carol.pubkey].sort());
  });
});
