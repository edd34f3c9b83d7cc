/**
 * F1: proposals are judged by their proposer when they arrive, and commits carry only what their
 * committer may decide — so a plain member cannot get an admin's device to commit a take-over.
 */
import {
  createCommit,
  defaultExtensionTypes,
  defaultProposalTypes,
  encode,
  makeCustomExtension,
  mlsMessageEncoder,
  type Proposal,
  processMessage,
} from "ts-mls";
import { describe, expect, it } from "vitest";
import { engineContext } from "../../src/mls/context.ts";
import {
  addMembers,
  commitPendingProposals,
  createKeyPackage,
  currentAdmins,
  encodeGroupData,
  type GroupData,
  type GroupState,
  groupData,
  isAdmin,
  members,
  pendingProposalCount,
  process,
  proposeLeave,
  RALLY_CREDENTIAL_TYPE,
  RALLY_GROUP_DATA_EXTENSION,
  removeMembers,
  selfUpdate,
  updateGroupData,
} from "../../src/mls/index.ts";
import { decodeKeyPackage } from "../../src/mls/keyPackage.ts";
import { decodeMlsMessage } from "../../src/mls/mlsCodec.ts";
import {
  checkCommit,
  checkProposal,
  type GroupView,
  MAX_DEVICES_PER_PERSON,
  type ProposalView,
} from "../../src/mls/permissions.ts";
import { unwrapState, wrapState } from "../../src/mls/state.ts";
import type { PubkeyHex } from "../../src/nostr/event.ts";
import { failureCode, forgeProposal, groupOf, person } from "./helpers.ts";

function dataProposal(data: GroupData): Proposal {
  return {
    proposalType: defaultProposalTypes.group_context_extensions,
    groupContextExtensions: {
      extensions: [
        {
          extensionType: defaultExtensionTypes.required_capabilities,
          extensionData: {
            extensionTypes: [RALLY_GROUP_DATA_EXTENSION],
            proposalTypes: [],
            credentialTypes: [RALLY_CREDENTIAL_TYPE],
          },
        },
        makeCustomExtension({
          extensionType: RALLY_GROUP_DATA_EXTENSION,
          extensionData: encodeGroupData(data),
        }),
      ],
    },
  };
}

type Framed = Parameters<typeof processMessage>[0]["message"];
const framed = (bytes: Uint8Array): Framed => decodeMlsMessage(bytes) as Framed;

/** Stores a proposal the way the engine did before the fix: ts-mls with no rules at all. */
async function storeUnchecked(state: GroupState, proposal: Uint8Array): Promise<GroupState> {
  const { mls } = await engineContext();
  const res = await processMessage({
    context: mls,
    state: unwrapState(state),
    message: framed(proposal),
  });
  if (res.kind !== "newState") throw new Error("not a proposal");
  return wrapState(res.newState, state);
}

const leafOf = (s: GroupState, pk: PubkeyHex) =>
  members(s).find((m) => m.pubkey === pk)?.devices[0]?.leafIndex as number;

describe("F1: proposals are judged by their proposer, at receipt", () => {
  it("F1: a plain member's take-over data proposal is refused by everyone and never stored", async () => {
    const [alice, bob, carol] = [person("alice"), person("bob"), person("carol")];
    const { states } = await groupOf(alice, [bob, carol]);
    const b = states.get("bob") as GroupState;
    const takeOver = await forgeProposal(
      b,
      dataProposal({ ...groupData(b), name: "Taken over", admins: [bob.pubkey] }),
    );
    for (const who of ["alice", "carol"]) {
      const s = states.get(who) as GroupState;
      expect(await failureCode(s, takeOver)).toBe("forbidden");
      expect(pendingProposalCount(s)).toBe(0);
    }
    // Alice's device, syncing as before, has nothing to commit: the group data stays hers.
    const a = await commitPendingProposals(states.get("alice") as GroupState);
    const c = await process(states.get("carol") as GroupState, a.commit);
    expect(c.result).toMatchObject({ kind: "commit", groupDataChanged: false });
    expect(groupData(c.state)).toMatchObject({ name: "Tenants' union", admins: [alice.pubkey] });
  });

  it("F1: when the rules reject a proposal, ts-mls keeps nothing of it", async () => {
    const [alice, bob] = [person("alice"), person("bob")];
    const { states } = await groupOf(alice, [bob]);
    const b = states.get("bob") as GroupState;
    const a = states.get("alice") as GroupState;
    const p = await forgeProposal(b, dataProposal({ ...groupData(b), admins: [bob.pubkey] }));
    const { mls } = await engineContext();
    const rejected = await processMessage({
      context: mls,
      state: unwrapState(a),
      message: framed(p),
      callback: () => "reject",
    });
    expect(rejected.kind === "newState" && rejected.actionTaken).toBe("reject");
    expect(Object.keys(rejected.newState.unappliedProposals)).toEqual([]);
    // Accepted, the same message would have been stored.
    expect(pendingProposalCount(await storeUnchecked(a, p))).toBe(1);
  });

  it("F1: a plain member's Add proposal is refused; an admin's is stored", async () => {
    const [alice, bob, carol, dave] = [person("alice"), person("bob"), person("carol"), person("dave")];
    const { states } = await groupOf(alice, [bob, carol]);
    const kp = decodeKeyPackage((await createKeyPackage(dave.device)).keyPackage);
    const add: Proposal = { proposalType: defaultProposalTypes.add, add: { keyPackage: kp } };
    const fromBob = await forgeProposal(states.get("bob") as GroupState, add);
    expect(await failureCode(states.get("carol") as GroupState, fromBob)).toBe("forbidden");
    const fromAlice = await forgeProposal(states.get("alice") as GroupState, add);
    const r = await process(states.get("carol") as GroupState, fromAlice);
    expect(r.result).toMatchObject({ kind: "proposal", sender: alice.pubkey, proposal: "add" });
  });

  it("F1: anyone may ask to remove their own device", async () => {
    const [alice, bob, carol] = [person("alice"), person("bob"), person("carol")];
    const { states } = await groupOf(alice, [bob, carol]);
    const leave = await proposeLeave(states.get("bob") as GroupState);
    const r = await process(states.get("carol") as GroupState, leave.proposal);
    expect(r.result).toMatchObject({ kind: "proposal", sender: bob.pubkey, selfRemoval: true });
  });
});

describe("F1: commits carry only what their committer may decide", () => {
  it("F1: an admin's commit carrying a plain member's stored proposal is refused", async () => {
    // A device still running the old rules stored Bob's take-over and committed it.
    const [alice, bob, carol] = [person("alice"), person("bob"), person("carol")];
    const { states } = await groupOf(alice, [bob, carol]);
    const b = states.get("bob") as GroupState;
    const proposal = await forgeProposal(b, dataProposal({ ...groupData(b), admins: [bob.pubkey] }));
    const oldAlice = await storeUnchecked(states.get("alice") as GroupState, proposal);
    const oldCarol = await storeUnchecked(states.get("carol") as GroupState, proposal);
    const { mls } = await engineContext();
    const res = await createCommit({ context: mls, state: unwrapState(oldAlice), extraProposals: [] });
    const commit = encode(mlsMessageEncoder, res.commit);
    expect(await failureCode(oldCarol, commit)).toBe("forbidden");
  });

  it("F1: an admin's commit sweeps in requests to leave, not another admin's pending proposal", async () => {
    const [alice, bob, carol, dave, erin] = [
      person("alice"),
      person("bob"),
      person("carol"),
      person("dave"),
      person("erin"),
    ];
    const { states } = await groupOf(alice, [bob, carol, dave]);
    // Bob becomes a second admin and proposes (by reference) a rename.
    const promote = await updateGroupData(states.get("alice") as GroupState, {
      admins: [alice.pubkey, bob.pubkey],
    });
    let a = promote.state;
    const b = (await process(states.get("bob") as GroupState, promote.commit)).state;
    let c = (await process(states.get("carol") as GroupState, promote.commit)).state;
    let d = (await process(states.get("dave") as GroupState, promote.commit)).state;
    const rename = await forgeProposal(b, dataProposal({ ...groupData(b), name: "Bob's idea" }));
    a = (await process(a, rename)).state;
    c = (await process(c, rename)).state;
    d = (await process(d, rename)).state;
    // Alice invites Erin: her commit carries the add only, not Bob's rename.
    const invite = await addMembers(a, [(await createKeyPackage(erin.device)).keyPackage]);
    const c2 = await process(c, invite.commit);
    expect(c2.result).toMatchObject({ kind: "commit", added: [erin.pubkey], groupDataChanged: false });
    expect(groupData(c2.state).name).toBe("Tenants' union");
    // Dave asks to leave: Alice's next key update carries his request, still not the rename.
    const d3 = await process(d, invite.commit);
    const leave = await proposeLeave(d3.state);
    const a3 = await process(invite.state, leave.proposal);
    const c3 = await process(c2.state, leave.proposal);
    const up = await selfUpdate(a3.state);
    const c4 = await process(c3.state, up.commit);
    expect(c4.result).toMatchObject({ kind: "commit", removed: [dave.pubkey], groupDataChanged: false });
  });

  it("F1: a plain member's commit may carry only its own path and others' requests to leave", async () => {
    const [alice, bob, carol, dave] = [person("alice"), person("bob"), person("carol"), person("dave")];
    const { states } = await groupOf(alice, [bob, carol, dave]);
    // Alice (admin) proposes removing Dave by reference; Bob (plain member) commits it.
    const removeDave = await forgeProposal(states.get("alice") as GroupState, {
      proposalType: defaultProposalTypes.remove,
      remove: { removed: leafOf(states.get("alice") as GroupState, dave.pubkey) },
    });
    const b = (await process(states.get("bob") as GroupState, removeDave)).state;
    const c = (await process(states.get("carol") as GroupState, removeDave)).state;
    const { mls } = await engineContext();
    const res = await createCommit({ context: mls, state: unwrapState(b), extraProposals: [] });
    expect(await failureCode(c, encode(mlsMessageEncoder, res.commit))).toBe("forbidden");
    // His empty key update is fine, and buildCommit leaves the admin's proposal out of it.
    const up = await selfUpdate(b);
    expect((await process(c, up.commit)).result).toMatchObject({ kind: "commit", removed: [] });
  });
});

describe("F1/F2: the admin set is the listed admins who are still members", () => {
  it("F1: a removed admin's lingering entry grants nothing", async () => {
    const [alice, bob, carol] = [person("alice"), person("bob"), person("carol")];
    const { states } = await groupOf(alice, [bob, carol]);
    const promote = await updateGroupData(states.get("alice") as GroupState, {
      admins: [alice.pubkey, bob.pubkey],
    });
    const removal = await removeMembers(promote.state, [bob.pubkey]);
    expect(groupData(removal.state).admins).toContain(bob.pubkey);
    expect(isAdmin(removal.state, bob.pubkey)).toBe(false);
    expect(isAdmin(removal.state, alice.pubkey)).toBe(true);
    expect(currentAdmins(removal.state)).toEqual([alice.pubkey]);
  });

  it("F1: the rules as a table (by proposer, by committer, effective admins)", () => {
    const [A, B, C] = ["a", "b", "c"].map((x) => x.repeat(64) as PubkeyHex) as [
      PubkeyHex,
      PubkeyHex,
      PubkeyHex,
    ];
    // Leaves: 0 = A (admin), 1 = B, 2 = C, 3 = B's second device. D is listed but gone.
    const D = "d".repeat(64) as PubkeyHex;
    const leaves = [A, B, C, B];
    const group: GroupView = { admins: [A], leafPubkey: (i) => leaves[i] };
    const withGhost: GroupView = { ...group, admins: [A, D] };
    const data = { name: "x", description: "", admins: [B], relays: [] };
    const cases: [ProposalView, boolean][] = [
      [{ type: "add", senderLeaf: 0 }, true],
      [{ type: "add", senderLeaf: 1 }, false],
      // A member adds a device of their own (a linked device), never anyone else's.
      [{ type: "add", senderLeaf: 1, addedPubkey: B }, true],
      [{ type: "add", senderLeaf: 1, addedPubkey: C }, false],
      [{ type: "add", senderLeaf: 1, addedPubkey: undefined }, false],
      [{ type: "group-data", senderLeaf: 0, data }, true],
      [{ type: "group-data", senderLeaf: 1, data }, false],
      [{ type: "group-data", senderLeaf: 0, data: undefined }, false],
      [{ type: "remove", senderLeaf: 0, removedLeaf: 2 }, true],
      [{ type: "remove", senderLeaf: 1, removedLeaf: 2 }, false],
      [{ type: "remove", senderLeaf: 1, removedLeaf: 3 }, true],
      [{ type: "remove", senderLeaf: 1, removedLeaf: 7 }, false],
      [{ type: "update", senderLeaf: 1, newPubkey: B }, false],
      [{ type: "update", senderLeaf: 1, newPubkey: C }, false],
      [{ type: "update", senderLeaf: 1, newPubkey: undefined }, false],
      [{ type: "other", senderLeaf: 0, proposalType: 8 }, false],
      [{ type: "add", senderLeaf: undefined }, false],
    ];
    for (const [p, ok] of cases) expect([p, checkProposal(group, p).ok]).toEqual([p, ok]);
    expect(checkProposal(withGhost, { type: "add", senderLeaf: 0 }).ok).toBe(true);

    const leaveB: ProposalView = { type: "remove", senderLeaf: 3, removedLeaf: 1 };
    const adminRemove: ProposalView = { type: "remove", senderLeaf: 0, removedLeaf: 2 };
    const bUpdate: ProposalView = { type: "update", senderLeaf: 1, newPubkey: B };
    expect(checkCommit(group, 2, []).ok).toBe(true);
    expect(checkCommit(group, 2, [leaveB]).ok).toBe(true);
    expect(checkCommit(group, 2, [adminRemove]).ok).toBe(false);
    expect(checkCommit(group, 1, [bUpdate]).ok).toBe(false);
    // B's own device removing the other by value: revoking a lost device of the same person.
    expect(checkCommit(group, 1, [{ type: "remove", senderLeaf: 1, removedLeaf: 3 }]).ok).toBe(true);
    // …but not someone else's device, nor adding anyone but B's own devices.
    expect(checkCommit(group, 1, [{ type: "remove", senderLeaf: 1, removedLeaf: 2 }]).ok).toBe(false);
    expect(checkCommit(group, 1, [{ type: "add", senderLeaf: 1, addedPubkey: B }]).ok).toBe(true);
    expect(checkCommit(group, 1, [{ type: "add", senderLeaf: 1, addedPubkey: C }]).ok).toBe(false);
    // A plain member's by-reference Add, even of B's own device, is not B's commit's to carry.
    expect(checkCommit(group, 2, [{ type: "add", senderLeaf: 1, addedPubkey: B }]).ok).toBe(false);
    expect(checkCommit(group, 0, [adminRemove, leaveB]).ok).toBe(true);
    expect(checkCommit(group, 0, [bUpdate]).ok).toBe(false);
    expect(checkCommit(group, undefined, []).ok).toBe(false);
  });

  it("a member adding devices of their own stops at the cap: removals must stay small enough for relays", () => {
    const [A, B] = ["a", "b"].map((x) => x.repeat(64) as PubkeyHex) as [PubkeyHex, PubkeyHex];
    const leaves: PubkeyHex[] = [A, ...Array.from({ length: MAX_DEVICES_PER_PERSON - 2 }, () => B)];
    const group: GroupView = {
      admins: [A],
      leafPubkey: (i) => leaves[i],
      devices: (pk) => leaves.filter((x) => x === pk).length,
    };
    const addOwn = (n: number): ProposalView[] =>
      Array.from({ length: n }, () => ({ type: "add" as const, senderLeaf: 1, addedPubkey: B }));
    // B holds 14 devices: two more reach the cap, a third is refused (and so is one commit of 300).
    expect(checkCommit(group, 1, addOwn(2)).ok).toBe(true);
    expect(checkCommit(group, 1, addOwn(3))).toMatchObject({
      ok: false,
      reason: expect.stringMatching(/at most 16 devices/),
    });
    expect(checkCommit(group, 1, addOwn(300)).ok).toBe(false);
    // An admin adding people is not counted against a person's own devices.
    expect(
      checkCommit(
        group,
        0,
        addOwn(3).map((p) => ({ ...p, senderLeaf: 0 })),
      ).ok,
    ).toBe(true);
  });
});
