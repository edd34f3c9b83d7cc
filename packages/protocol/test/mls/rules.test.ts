/**
 * Group rules enforced by every member: only admins add, remove others, or change group data;
 * anyone rotates their own keys and may leave; a forbidden commit leaves the state untouched.
 */
import { defaultExtensionTypes, defaultProposalTypes, makeCustomExtension } from "ts-mls";
import { describe, expect, it } from "vitest";
import {
  addMembers,
  commitPendingProposals,
  createKeyPackage,
  encodeGroupData,
  epoch,
  exporterSecret,
  type GroupState,
  groupData,
  isMlsEngineError,
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
import { failureCode, forgeCommit, forgeProposal, groupOf, person } from "./helpers.ts";

async function expectCode(p: Promise<unknown>, code: string): Promise<void> {
  try {
    await p;
  } catch (e) {
    expect(isMlsEngineError(e) ? e.code : e).toBe(code);
    return;
  }
  throw new Error(`expected ${code}`);
}

const pubkeys = (s: GroupState) =>
  members(s)
    .map((m) => m.pubkey)
    .sort();

describe("group rules", () => {
  it("a non-admin cannot build an add, a removal of someone else, or a data change", async () => {
    const [alice, bob, carol, dave] = [person("alice"), person("bob"), person("carol"), person("dave")];
    const { states } = await groupOf(alice, [bob, carol]);
    const b = states.get("bob") as GroupState;
    const kp = await createKeyPackage(dave.device);
    await expectCode(addMembers(b, [kp.keyPackage]), "not-admin");
    await expectCode(removeMembers(b, [carol.pubkey]), "not-admin");
    await expectCode(updateGroupData(b, { name: "Mine now" }), "not-admin");
  });

  it("every member rejects a forged non-admin add, remove, or data change, and keeps its state", async () => {
    const [alice, bob, carol, dave] = [person("alice"), person("bob"), person("carol"), person("dave")];
    const { states } = await groupOf(alice, [bob, carol]);
    const a = states.get("alice") as GroupState;
    const b = states.get("bob") as GroupState;
    const c = states.get("carol") as GroupState;
    const kp = decodeKeyPackage((await createKeyPackage(dave.device)).keyPackage);

    const forgedAdd = await forgeCommit(b, [
      { proposalType: defaultProposalTypes.add, add: { keyPackage: kp } },
    ]);
    const carolLeaf = members(c).find((m) => m.pubkey === carol.pubkey)?.devices[0]?.leafIndex as number;
    const forgedRemove = await forgeCommit(b, [
      { proposalType: defaultProposalTypes.remove, remove: { removed: carolLeaf } },
    ]);
    const data = encodeGroupData({ ...groupData(b), name: "Taken over", admins: [bob.pubkey] });
    const forgedData = await forgeCommit(b, [
      {
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
            makeCustomExtension({ extensionType: RALLY_GROUP_DATA_EXTENSION, extensionData: data }),
          ],
        },
      },
    ]);
    for (const forged of [forgedAdd, forgedRemove, forgedData]) {
      for (const s of [a, c]) expect(await failureCode(s, forged)).toBe("forbidden");
    }
    // Nothing changed: same epoch, members, data and keys; the group goes on.
    expect(epoch(a)).toBe(1);
    expect(pubkeys(a)).toEqual([alice.pubkey, bob.pubkey, carol.pubkey].sort());
    expect(groupData(c).name).toBe("Tenants' union");
    const up = await selfUpdate(a);
    const r = await process(c, up.commit);
    expect(await exporterSecret(r.state)).toEqual(await exporterSecret(up.state));
  });

  it("an admin cannot sneak in extra group context extensions", async () => {
    const [alice, bob] = [person("alice"), person("bob")];
    const { states } = await groupOf(alice, [bob]);
    const a = states.get("alice") as GroupState;
    const b = states.get("bob") as GroupState;
    const forged = await forgeCommit(a, [
      {
        proposalType: defaultProposalTypes.group_context_extensions,
        groupContextExtensions: {
          extensions: [
            {
              extensionType: defaultExtensionTypes.required_capabilities,
              extensionData: { extensionTypes: [], proposalTypes: [], credentialTypes: [] },
            },
          ],
        },
      },
    ]);
    expect(await failureCode(b, forged)).toBe("forbidden");
  });

  it("anyone may rotate their keys", async () => {
    const [alice, bob, carol] = [person("alice"), person("bob"), person("carol")];
    const { states } = await groupOf(alice, [bob, carol]);
    const up = await selfUpdate(states.get("bob") as GroupState);
    for (const who of ["alice", "carol"]) {
      const r = await process(states.get(who) as GroupState, up.commit);
      expect(r.result).toMatchObject({ kind: "commit", committer: bob.pubkey, added: [], removed: [] });
      expect(epoch(r.state)).toBe(2);
      expect(await exporterSecret(r.state)).toEqual(await exporterSecret(up.state));
    }
  });

  it("anyone may leave: a proposal any member commits", async () => {
    const [alice, bob, carol] = [person("alice"), person("bob"), person("carol")];
    const { states } = await groupOf(alice, [bob, carol]);
    const leave = await proposeLeave(states.get("bob") as GroupState);
    const a1 = await process(states.get("alice") as GroupState, leave.proposal);
    const c1 = await process(states.get("carol") as GroupState, leave.proposal);
    expect(c1.result).toEqual({
      kind: "proposal",
      sender: bob.pubkey,
      proposal: "remove",
      selfRemoval: true,
    });
    // Carol is not an admin, yet may commit Bob's own request to leave.
    const commit = await commitPendingProposals(c1.state);
    const a2 = await process(a1.state, commit.commit);
    expect(a2.result).toMatchObject({ kind: "commit", committer: carol.pubkey, removed: [bob.pubkey] });
    const b2 = await process(leave.state, commit.commit);
    expect(b2.result).toMatchObject({ kind: "commit", removedSelf: true });
    expect(pubkeys(a2.state)).toEqual([alice.pubkey, carol.pubkey].sort());
  });

  it("a non-admin's proposal to remove someone else is refused by everyone and never stored", async () => {
    const [alice, bob, carol, dave] = [person("alice"), person("bob"), person("carol"), person("dave")];
    const { states } = await groupOf(alice, [bob, carol, dave]);
    const b = states.get("bob") as GroupState;
    const carolLeaf = members(b).find((m) => m.pubkey === carol.pubkey)?.devices[0]?.leafIndex as number;
    const proposal = await forgeProposal(b, {
      proposalType: defaultProposalTypes.remove,
      remove: { removed: carolLeaf },
    });
    for (const who of ["alice", "carol", "dave"]) {
      const s = states.get(who) as GroupState;
      expect(await failureCode(s, proposal)).toBe("forbidden");
      expect(pendingProposalCount(s)).toBe(0);
    }
    // The admin's next commit carries nothing of Bob's: Carol stays.
    const alices = await commitPendingProposals(states.get("alice") as GroupState);
    const c1 = await process(states.get("carol") as GroupState, alices.commit);
    expect(c1.result).toMatchObject({ kind: "commit", committer: alice.pubkey, removed: [] });
    expect(pubkeys(c1.state)).toContain(carol.pubkey);
  });

  it("removing an admin drops them from the admin list; data changes reach everyone", async () => {
    const [alice, bob, carol] = [person("alice"), person("bob"), person("carol")];
    const { states } = await groupOf(alice, [bob, carol]);
    const promote = await updateGroupData(states.get("alice") as GroupState, {
      admins: [alice.pubkey, bob.pubkey],
      name: "Renters",
      relays: ["wss://a.example", "wss://b.example"],
    });
    const b = await process(states.get("bob") as GroupState, promote.commit);
    const c = await process(states.get("carol") as GroupState, promote.commit);
    expect(b.result).toMatchObject({ kind: "commit", groupDataChanged: true });
    expect(groupData(c.state)).toEqual(groupData(promote.state));
    // Bob, now an admin, removes Alice. Her admin entry grants nothing outside the group and goes
    // at the next data change.
    const removal = await removeMembers(b.state, [alice.pubkey]);
    const c2 = await process(c.state, removal.commit);
    expect(c2.result).toMatchObject({ kind: "commit", removed: [alice.pubkey] });
    const rename = await updateGroupData(removal.state, { name: "Renters' union" });
    const c3 = await process(c2.state, rename.commit);
    expect(c3.result).toMatchObject({ kind: "commit", groupDataChanged: true });
    expect(groupData(c3.state).admins).toEqual([bob.pubkey]);
  });

  it("a re-added former admin comes back as a plain member", async () => {
    const [alice, bob, carol] = [person("alice"), person("bob"), person("carol")];
    const { states } = await groupOf(alice, [bob, carol]);
    const promote = await updateGroupData(states.get("alice") as GroupState, {
      admins: [alice.pubkey, bob.pubkey],
    });
    const removal = await removeMembers(promote.state, [bob.pubkey]);
    expect(groupData(removal.state).admins).toContain(bob.pubkey);
    const again = await addMembers(removal.state, [(await createKeyPackage(bob.device)).keyPackage]);
    const c = await process(
      (await process(states.get("carol") as GroupState, promote.commit)).state,
      removal.commit,
    );
    const c2 = await process(c.state, again.commit);
    expect(c2.result).toMatchObject({ kind: "commit", added: [bob.pubkey], groupDataChanged: true });
    expect(groupData(c2.state).admins).toEqual([alice.pubkey]);
  });

  it("a data change while a leave is pending: both reach everyone, in two commits", async () => {
    const [alice, bob, carol] = [person("alice"), person("bob"), person("carol")];
    const { states } = await groupOf(alice, [bob, carol]);
    const leave = await proposeLeave(states.get("bob") as GroupState);
    const a1 = await process(states.get("alice") as GroupState, leave.proposal);
    const c1 = await process(states.get("carol") as GroupState, leave.proposal);
    const rename = await updateGroupData(a1.state, { name: "Renamed" });
    const c2 = await process(c1.state, rename.commit);
    expect(c2.result).toMatchObject({ kind: "commit", removed: [], groupDataChanged: true });
    // The leave was left out of the data change; Bob re-proposes in the new epoch and it is committed.
    const bob2 = await process(leave.state, rename.commit);
    const leave2 = await proposeLeave(bob2.state);
    const a3 = await process(rename.state, leave2.proposal);
    const c3 = await process(c2.state, leave2.proposal);
    const done = await commitPendingProposals(a3.state);
    const c4 = await process(c3.state, done.commit);
    expect(c4.result).toMatchObject({ kind: "commit", removed: [bob.pubkey] });
    expect(groupData(c4.state).name).toBe("Renamed");
  });
});
