/**
 * Device credentials: the Nostr binding of an MLS signature key, checked by every member. Nobody
 * can join (or later appear) as someone else.
 */
import { finalizeEvent, generateSecretKey } from "nostr-tools/pure";
import { generateKeyPackageWithKey } from "ts-mls";
import { describe, expect, it } from "vitest";
import { engineContext } from "../../src/mls/context.ts";
import {
  bindingEvent,
  decodeCredentialData,
  encodeCredentialData,
  rallyAuthenticationService,
  rallyCredential,
  type signDeviceBinding,
} from "../../src/mls/credential.ts";
import {
  addMembers,
  createDeviceIdentity,
  createKeyPackage,
  decodeDeviceIdentity,
  deviceBindingTemplate,
  deviceIdentityFromSignedBinding,
  encodeDeviceIdentity,
  type GroupState,
  generateDeviceKeyPair,
  isMlsEngineError,
  joinFromWelcome,
  members,
  parseKeyPackage,
  process,
  selfUpdate,
  verifyDeviceBinding,
} from "../../src/mls/index.ts";
import { encodeKeyPackage, rallyCapabilities } from "../../src/mls/keyPackage.ts";
import { unwrapState, wrapState } from "../../src/mls/state.ts";
import { failureCode, groupOf, person } from "./helpers.ts";

async function codeOf(p: Promise<unknown>): Promise<string> {
  try {
    await p;
    return "ok";
  } catch (e) {
    if (isMlsEngineError(e)) return e.code;
    throw e;
  }
}

describe("device binding", () => {
  it("verifies for the right key and person only", () => {
    const alice = person("alice");
    const other = generateDeviceKeyPair();
    const { binding, signaturePublicKey } = alice.device;
    expect(verifyDeviceBinding(binding, signaturePublicKey)).toBe(true);
    expect(verifyDeviceBinding(binding, other.signaturePublicKey)).toBe(false);
    const mallory = person("mallory");
    expect(verifyDeviceBinding({ ...binding, pubkey: mallory.pubkey }, signaturePublicKey)).toBe(false);
    for (let i = 0; i < 64; i += 7) {
      const sig = binding.sig.slice();
      sig[i] = (sig[i] as number) ^ 1;
      expect(verifyDeviceBinding({ ...binding, sig }, signaturePublicKey)).toBe(false);
    }
    expect(verifyDeviceBinding({ ...binding, sig: binding.sig.subarray(0, 63) }, signaturePublicKey)).toBe(
      false,
    );
  });

  it("is a NIP-01 event signature, so an external signer can make it", () => {
    const sk = generateSecretKey();
    const keys = generateDeviceKeyPair();
    const signed = finalizeEvent(deviceBindingTemplate(keys.signaturePublicKey), sk);
    const device = deviceIdentityFromSignedBinding(keys, signed as never);
    expect(device.pubkey).toBe(signed.pubkey);
    expect(bindingEvent(device.binding, keys.signaturePublicKey).id).toBe(signed.id);
    // The same signature for another content, or for another key, is refused.
    const wrong = finalizeEvent({ ...deviceBindingTemplate(keys.signaturePublicKey), content: "hello" }, sk);
    expect(() => deviceIdentityFromSignedBinding(keys, wrong as never)).toThrow(/not a device binding/);
    expect(() => deviceIdentityFromSignedBinding(generateDeviceKeyPair(), signed as never)).toThrow();
  });

  it("credential data is exactly 97 bytes: version, pubkey, signature", () => {
    const { binding } = person("alice").device;
    const data = encodeCredentialData(binding);
    expect(data.length).toBe(97);
    expect(decodeCredentialData(data)).toEqual(binding);
    for (const bad of [
      data.subarray(0, 96),
      new Uint8Array([...data, 0]),
      Uint8Array.from([2, ...data.subarray(1)]),
    ]) {
      expect(() => decodeCredentialData(bad)).toThrow(/not a Rally device credential/);
    }
  });

  it("a credential naming a key that is not a curve point never verifies", async () => {
    const alice = person("alice");
    const data = encodeCredentialData(alice.device.binding);
    data.fill(0xff, 1, 33); // x = 2^256 - 1 is above the field prime
    const auth = rallyAuthenticationService();
    expect(
      await auth.validateCredential({ credentialType: 0xf2a0, data }, alice.device.signaturePublicKey),
    ).toBe(false);
  });

  it("the authentication service accepts only valid Rally credentials", async () => {
    const auth = rallyAuthenticationService();
    const alice = person("alice");
    const cred = rallyCredential(alice.device.binding);
    expect(await auth.validateCredential(cred, alice.device.signaturePublicKey)).toBe(true);
    expect(await auth.validateCredential(cred, generateDeviceKeyPair().signaturePublicKey)).toBe(false);
    expect(
      await auth.validateCredential(
        { credentialType: 1, identity: new Uint8Array(32) },
        alice.device.signaturePublicKey,
      ),
    ).toBe(false);
    expect(
      await auth.validateCredential(
        { credentialType: 0xf2a0, data: new Uint8Array(97) },
        alice.device.signaturePublicKey,
      ),
    ).toBe(false);
  });

  it("a saved device identity round-trips, and a tampered one is refused", () => {
    const device = person("alice").device;
    const bytes = encodeDeviceIdentity(device);
    expect(decodeDeviceIdentity(bytes)).toEqual(device);
    const tampered = bytes.slice();
    tampered[5] = (tampered[5] as number) ^ 1; // another secret key: the binding no longer matches
    expect(() => decodeDeviceIdentity(tampered)).toThrow(/does not verify/);
    expect(() => decodeDeviceIdentity(bytes.subarray(0, 100))).toThrow(/ends too early/);
  });
});

/** A key package whose credential claims `victim` but whose MLS key belongs to the forger. */
async function impostorKeyPackage(victimBinding: ReturnType<typeof signDeviceBinding>): Promise<Uint8Array> {
  const { mls } = await engineContext();
  const keys = generateDeviceKeyPair();
  const { publicPackage } = await generateKeyPackageWithKey({
    credential: rallyCredential(victimBinding),
    capabilities: rallyCapabilities(),
    signatureKeyPair: { signKey: keys.signaturePrivateKey, publicKey: keys.signaturePublicKey },
    cipherSuite: mls.cipherSuite,
  });
  return encodeKeyPackage(publicPackage);
}

describe("nobody can join as someone else", () => {
  it("a key package reusing another person's binding is refused on parse and on add", async () => {
    const [alice, bob] = [person("alice"), person("bob")];
    const { states } = await groupOf(alice, []);
    const forged = await impostorKeyPackage(bob.device.binding);
    expect(await codeOf(parseKeyPackage(forged))).toBe("bad-credential");
    expect(await codeOf(addMembers(states.get("alice") as GroupState, [forged]))).toBe("bad-credential");
    // A binding signed by the forger's own key but naming Bob fails the same way.
    const mallory = createDeviceIdentity(generateSecretKey());
    const forged2 = await impostorKeyPackage({ pubkey: bob.pubkey, sig: mallory.binding.sig });
    expect(await codeOf(parseKeyPackage(forged2))).toBe("bad-credential");
    // The honest key package parses and names Bob.
    const honest = await createKeyPackage(bob.device, { lastResort: true });
    expect(await parseKeyPackage(honest.keyPackage)).toMatchObject({
      pubkey: bob.pubkey,
      lastResort: true,
      ref: honest.ref,
    });
  });

  it("a member cannot re-label its leaf as another person in a commit", async () => {
    const [alice, bob, carol] = [person("alice"), person("bob"), person("carol")];
    const { states } = await groupOf(alice, [bob, carol]);
    const b = unwrapState(states.get("bob") as GroupState);
    // Bob edits his own copy of the tree so his leaf carries Carol's credential, then commits.
    const leaf = b.privatePath.leafIndex * 2;
    const node = b.ratchetTree[leaf];
    if (node?.nodeType !== 1) throw new Error("expected a leaf");
    const tree = b.ratchetTree.slice();
    tree[leaf] = { ...node, leaf: { ...node.leaf, credential: rallyCredential(carol.device.binding) } };
    const forgedState = wrapState({ ...b, ratchetTree: tree });
    const commit = await selfUpdate(forgedState);
    for (const who of ["alice", "carol"]) {
      expect(await failureCode(states.get(who) as GroupState, commit.commit)).toBe("bad-credential");
    }
  });

  it("an admin running a permissive client cannot slip in an impostor", async () => {
    const [alice, bob, carol, dave] = [person("alice"), person("bob"), person("carol"), person("dave")];
    const { states } = await groupOf(alice, [bob]);
    const { mls } = await engineContext();
    const {
      createCommit,
      defaultProposalTypes,
      encode,
      mlsMessageEncoder,
      unsafeTestingAuthenticationService,
    } = await import("ts-mls");
    const { decodeKeyPackage } = await import("../../src/mls/keyPackage.ts");
    const { encodeTreeBlob } = await import("../../src/mls/treeBlob.ts");
    const lax = { ...mls, authService: unsafeTestingAuthenticationService };
    const impostor = decodeKeyPackage(await impostorKeyPackage(carol.device.binding));
    const daveKp = await createKeyPackage(dave.device);
    const res = await createCommit({
      context: lax,
      state: unwrapState(states.get("alice") as GroupState),
      extraProposals: [
        { proposalType: defaultProposalTypes.add, add: { keyPackage: impostor } },
        { proposalType: defaultProposalTypes.add, add: { keyPackage: decodeKeyPackage(daveKp.keyPackage) } },
      ],
    });
    // Bob, already a member, refuses the commit.
    expect(await failureCode(states.get("bob") as GroupState, encode(mlsMessageEncoder, res.commit))).toBe(
      "bad-credential",
    );
    // Dave, invited in the same commit, refuses to join a tree holding the impostor.
    const welcome = encode(mlsMessageEncoder, res.welcome as never);
    expect(
      await codeOf(joinFromWelcome(welcome, daveKp.privateKeyPackage, encodeTreeBlob(res.newState))),
    ).toBe("bad-credential");
  });

  it("a joiner refuses a tampered ratchet tree", async () => {
    const [alice, bob, carol] = [person("alice"), person("bob"), person("carol")];
    const { states } = await groupOf(alice, [bob]);
    const kp = await createKeyPackage(carol.device);
    const out = await addMembers(states.get("alice") as GroupState, [kp.keyPackage]);
    // Swap Bob's credential in the tree blob for one with a broken signature.
    const { encodeTreeBlob } = await import("../../src/mls/treeBlob.ts");
    const client = unwrapState(out.state);
    const tree = client.ratchetTree.slice();
    const bobLeaf = members(out.state).find((m) => m.pubkey === bob.pubkey)?.devices[0]?.leafIndex as number;
    const node = tree[bobLeaf * 2];
    if (node?.nodeType !== 1) throw new Error("expected a leaf");
    const sig = bob.device.binding.sig.slice();
    sig[0] = (sig[0] as number) ^ 1;
    tree[bobLeaf * 2] = {
      ...node,
      leaf: { ...node.leaf, credential: rallyCredential({ ...bob.device.binding, sig }) },
    };
    const badTree = encodeTreeBlob({ ...client, ratchetTree: tree });
    // The leaf's own signature (and the tree hash in the signed GroupInfo) no longer match.
    const code = await codeOf(
      joinFromWelcome(out.welcomes[0]?.welcome as Uint8Array, kp.privateKeyPackage, badTree),
    );
    expect(code).toBe("decrypt-failed");
    // With the real tree the join works.
    const ok = await joinFromWelcome(
      out.welcomes[0]?.welcome as Uint8Array,
      kp.privateKeyPackage,
      out.ratchetTree,
    );
    expect(members(ok).length).toBe(3);
  });
});

describe("process attribution", () => {
  it("application messages name their real sender", async () => {
    const [alice, bob, carol] = [person("alice"), person("bob"), person("carol")];
    const { states } = await groupOf(alice, [bob, carol]);
    const { encrypt } = await import("../../src/mls/index.ts");
    let a = states.get("alice") as GroupState;
    for (const who of [bob, carol, bob, carol]) {
      const m = await encrypt(states.get(who.name) as GroupState, new TextEncoder().encode(who.name));
      states.set(who.name, m.state);
      const r = await process(a, m.message);
      a = r.state;
      expect(r.result).toMatchObject({ kind: "application", sender: who.pubkey });
    }
  });
});
