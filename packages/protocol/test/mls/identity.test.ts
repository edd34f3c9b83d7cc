/**
 * F6: identity continuity (RFC 9420 §5.3.1). A commit's UpdatePath (or an Update proposal) replaces
 * a device's leaf; the new credential must name the same person, or every member refuses the commit.
 */
import {
  createCommit,
  defaultProposalTypes,
  encode,
  leafNodeSources,
  mlsMessageEncoder,
  type Proposal,
} from "ts-mls";
import { describe, expect, it } from "vitest";
import { engineContext } from "../../src/mls/context.ts";
import { rallyCredential, signDeviceBinding } from "../../src/mls/credential.ts";
import {
  epoch,
  exporterSecret,
  type GroupState,
  members,
  pendingProposalCount,
  process,
  selfUpdate,
} from "../../src/mls/index.ts";
import { unwrapState } from "../../src/mls/state.ts";
import { failureCode, forgeProposal, groupOf, person } from "./helpers.ts";

describe("F6: a device cannot switch to another person", () => {
  it("F6: an UpdatePath whose leaf names someone else is refused and changes nothing (review A.2)", async () => {
    const [alice, bob, carol, xavier] = [person("alice"), person("bob"), person("carol"), person("xavier")];
    const { states } = await groupOf(alice, [bob, carol]);
    // Xavier (never added) signs a binding for Bob's device key; Bob puts it in his leaf.
    const binding = signDeviceBinding(xavier.secretKey, bob.device.signaturePublicKey);
    const client = unwrapState(states.get("bob") as GroupState);
    const tree = client.ratchetTree.slice();
    const at = client.privatePath.leafIndex * 2;
    const leaf = tree[at];
    if (leaf === undefined || leaf.nodeType !== 1) throw new Error("no leaf");
    tree[at] = { ...leaf, leaf: { ...leaf.leaf, credential: rallyCredential(binding) } };
    const { mls } = await engineContext();
    const res = await createCommit({
      context: mls,
      state: { ...client, ratchetTree: tree },
      extraProposals: [],
    });
    const commit = encode(mlsMessageEncoder, res.commit);
    for (const who of ["alice", "carol"]) {
      const s = states.get(who) as GroupState;
      expect(await failureCode(s, commit)).toBe("forbidden");
      expect(epoch(s)).toBe(1);
      expect(members(s).map((m) => m.pubkey)).not.toContain(xavier.pubkey);
    }
    // The group goes on from the unchanged state.
    const up = await selfUpdate(states.get("alice") as GroupState);
    const c = await process(states.get("carol") as GroupState, up.commit);
    expect(await exporterSecret(c.state)).toEqual(await exporterSecret(up.state));
  });

  it("F6: an Update proposal whose leaf names someone else is refused at receipt", async () => {
    const [alice, bob, xavier] = [person("alice"), person("bob"), person("xavier")];
    const { states } = await groupOf(alice, [bob]);
    const client = unwrapState(states.get("bob") as GroupState);
    const node = client.ratchetTree[client.privatePath.leafIndex * 2];
    if (node === undefined || node.nodeType !== 1) throw new Error("no leaf");
    const own = node.leaf;
    // The proposal is judged before any signature on the new leaf matters: its credential decides.
    const update = (credential: typeof own.credential): Proposal => ({
      proposalType: defaultProposalTypes.update,
      update: {
        leafNode: {
          hpkePublicKey: own.hpkePublicKey,
          signaturePublicKey: own.signaturePublicKey,
          credential,
          capabilities: own.capabilities,
          leafNodeSource: leafNodeSources.update,
          extensions: own.extensions,
          signature: own.signature,
        },
      },
    });
    const a = states.get("alice") as GroupState;
    const other = rallyCredential(signDeviceBinding(xavier.secretKey, bob.device.signaturePublicKey));
    expect(await failureCode(a, await forgeProposal(states.get("bob") as GroupState, update(other)))).toBe(
      "forbidden",
    );
    // Rally refuses Update proposals altogether (a stored one would block everyone's sending until
    // a commit): an identity-keeping one is refused as well, and nothing is stored.
    const same = await forgeProposal(states.get("bob") as GroupState, update(own.credential));
    expect(await failureCode(a, same)).toBe("forbidden");
    expect(pendingProposalCount(a)).toBe(0);
  });

  it("F6: an honest key update keeps the person and is accepted", async () => {
    const [alice, bob] = [person("alice"), person("bob")];
    const { states } = await groupOf(alice, [bob]);
    const up = await selfUpdate(states.get("bob") as GroupState);
    const a = await process(states.get("alice") as GroupState, up.commit);
    expect(a.result).toMatchObject({ kind: "commit", committer: bob.pubkey, added: [], removed: [] });
  });
});
