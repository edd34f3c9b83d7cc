/**
 * F2 (engine): a late message of a retained past epoch is read only if its sender is still in the
 * group. F8: a commit naming a proposal not received yet says so (`missing-proposal`), so the
 * caller keeps it for later instead of dropping it.
 */
import { describe, expect, it } from "vitest";
import {
  commitPendingProposals,
  encrypt,
  type GroupState,
  process,
  proposeLeave,
  removeMembers,
  selfUpdate,
} from "../../src/mls/index.ts";
import { failureCode, groupOf, person, text, untext } from "./helpers.ts";

describe("F2: late messages from people who left", () => {
  it("F2: a past-epoch message from a removed member is refused (sender-removed)", async () => {
    const [alice, bob, carol] = [person("alice"), person("bob"), person("carol")];
    const { states } = await groupOf(alice, [bob, carol]);
    // Bob and Carol each write in epoch 1; Alice removes Bob before Carol reads either.
    const fromBob = await encrypt(states.get("bob") as GroupState, text("meeting moved"));
    const fromCarol = await encrypt(states.get("carol") as GroupState, text("see you there"));
    const removal = await removeMembers(states.get("alice") as GroupState, [bob.pubkey]);
    const a = removal.state;
    expect(await failureCode(a, fromBob.message)).toBe("sender-removed");
    // Someone still in the group is read as before.
    const late = await process(a, fromCarol.message);
    expect(late.result).toMatchObject({ kind: "application", sender: carol.pubkey, epoch: 1 });
    expect(untext((late.result as { plaintext: Uint8Array }).plaintext)).toBe("see you there");
  });

  it("F2: a past-epoch message is still read after its sender's own key update", async () => {
    const [alice, bob] = [person("alice"), person("bob")];
    const { states } = await groupOf(alice, [bob]);
    const msg = await encrypt(states.get("bob") as GroupState, text("before my update"));
    const up = await selfUpdate(msg.state);
    const a = await process(states.get("alice") as GroupState, up.commit);
    const late = await process(a.state, msg.message);
    expect(late.result).toMatchObject({ kind: "application", sender: bob.pubkey, epoch: 1 });
  });
});

describe("F8: what the ordering of competing commits needs", () => {
  it("F8: process reports whether the committer was an admin of the epoch", async () => {
    const [alice, bob] = [person("alice"), person("bob")];
    const { states } = await groupOf(alice, [bob]);
    const fromAlice = await selfUpdate(states.get("alice") as GroupState);
    const fromBob = await selfUpdate(states.get("bob") as GroupState);
    expect((await process(states.get("bob") as GroupState, fromAlice.commit)).result).toMatchObject({
      kind: "commit",
      byAdmin: true,
    });
    expect((await process(states.get("alice") as GroupState, fromBob.commit)).result).toMatchObject({
      kind: "commit",
      byAdmin: false,
    });
  });

  it("F8: a commit whose proposal has not arrived is reported as missing-proposal, and applies once it is in", async () => {
    const [alice, bob, carol] = [person("alice"), person("bob"), person("carol")];
    const { states } = await groupOf(alice, [bob, carol]);
    const leave = await proposeLeave(states.get("bob") as GroupState);
    const c = await process(states.get("carol") as GroupState, leave.proposal);
    const commit = await commitPendingProposals(c.state);
    const a = states.get("alice") as GroupState;
    expect(await failureCode(a, commit.commit)).toBe("missing-proposal");
    const a1 = await process(a, leave.proposal);
    const a2 = await process(a1.state, commit.commit);
    expect(a2.result).toMatchObject({ kind: "commit", committer: carol.pubkey, removed: [bob.pubkey] });
  });
});
