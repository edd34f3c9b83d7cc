/**
 * Rally's wire formats around real MLS from ts-mls: key package events carry real KeyPackages,
 * gift-wrapped welcomes (with the ratchet tree inline, and beside the welcome in chunk events)
 * let real members join, kind 445 events carry real commits and application messages, and every
 * member derives the same routing tag from its own exporter secret, a new one each epoch.
 */

import { hexToBytes } from "@noble/hashes/utils.js";
import {
  type ClientState,
  createApplicationMessage,
  createCommit,
  createGroup,
  decode,
  defaultCapabilities,
  encode,
  generateKeyPackage,
  getCiphersuiteImpl,
  joinGroup,
  type KeyPackage,
  type MlsContext,
  type MlsFramedMessage,
  mlsExporter,
  mlsMessageDecoder,
  mlsMessageEncoder,
  type PrivateKeyPackage,
  processMessage,
  protocolVersions,
  unsafeTestingAuthenticationService,
  wireformats,
} from "ts-mls";
import { beforeAll, describe, expect, it } from "vitest";
// ts-mls 1.6.4 does not export the ratchet tree codec from its index.
import { ratchetTreeDecoder, ratchetTreeEncoder } from "../../node_modules/ts-mls/dist/src/ratchetTree.js";
import { generatePerson, type Person, signEvent } from "../../src/identity/index.ts";
import {
  checkRumorSender,
  createInnerRumor,
  decodeInnerRumor,
  encodeInnerRumor,
  KIND_RATCHET_TREE_CHUNK,
  newKeyPackageSlot,
  openRatchetTree,
  parseKeyPackageEvent,
  routingTag,
  sealRatchetTree,
  unwrapGroupMessage,
  unwrapWelcome,
  wrapGroupMessage,
  wrapWelcome,
} from "../../src/wire/index.ts";
import { buildKeyPackageEvent } from "../../src/wire/keyPackageEvent.ts";

const RELAYS = ["wss://relay.example.org"];
let context: MlsContext;

interface Member {
  person: Person;
  publicPackage: KeyPackage;
  privatePackage: PrivateKeyPackage;
  state?: ClientState;
}

async function member(): Promise<Member> {
  const person = generatePerson();
  const { publicPackage, privatePackage } = await generateKeyPackage({
    credential: { credentialType: 1, identity: hexToBytes(person.pubkey) },
    capabilities: defaultCapabilities(),
    cipherSuite: context.cipherSuite,
  });
  return { person, publicPackage, privatePackage };
}

/** The member's key package as it travels: a signed kind 30443 event, parsed back. */
function publishAndFetch(m: Member) {
  const bytes = encode(mlsMessageEncoder, {
    version: protocolVersions.mls10,
    wireformat: wireformats.mls_key_package,
    keyPackage: m.publicPackage,
  });
  const event = signEvent(
    buildKeyPackageEvent({
      keyPackage: bytes,
      slot: newKeyPackageSlot(),
      extensions: [0xf2ee],
      relays: RELAYS,
    }),
    m.person.secretKey,
  );
  const received = parseKeyPackageEvent(JSON.parse(JSON.stringify(event)));
  const decoded = decode(mlsMessageDecoder, received.keyPackage);
  if (decoded?.wireformat !== wireformats.mls_key_package) throw new Error("not a key package");
  return { eventId: received.eventId, keyPackage: decoded.keyPackage };
}

async function exporter(state: ClientState): Promise<Uint8Array> {
  return mlsExporter(
    state.keySchedule.exporterSecret,
    "rally transport",
    new Uint8Array(0),
    32,
    context.cipherSuite,
  );
}

function mlsBytes(message: MlsFramedMessage): Uint8Array {
  return encode(mlsMessageEncoder, message);
}

function framed(bytes: Uint8Array): MlsFramedMessage {
  const m = decode(mlsMessageDecoder, bytes);
  if (m?.wireformat !== wireformats.mls_private_message && m?.wireformat !== wireformats.mls_public_message) {
    throw new Error("not a framed message");
  }
  return m;
}

function welcomeOf(bytes: Uint8Array) {
  const m = decode(mlsMessageDecoder, bytes);
  if (m?.wireformat !== wireformats.mls_welcome) throw new Error("not a welcome");
  return m.welcome;
}

describe("the wire formats carry a real MLS group", () => {
  let alice: Member;
  let bob: Member;
  let carol: Member;

  beforeAll(async () => {
    context = {
      cipherSuite: await getCiphersuiteImpl("MLS_128_DHKEMX25519_AES128GCM_SHA256_Ed25519"),
      authService: unsafeTestingAuthenticationService,
    };
    [alice, bob, carol] = await Promise.all([member(), member(), member()]);
    alice.state = await createGroup({
      context,
      groupId: new Uint8Array(32).fill(1),
      keyPackage: alice.publicPackage,
      privateKeyPackage: alice.privatePackage,
    });
  });

  it("adds Bob with the tree inside the welcome", async () => {
    const kp = publishAndFetch(bob);
    const tagBefore = routingTag(await exporter(alice.state!));
    const { newState, welcome } = await createCommit({
      context,
      state: alice.state!,
      ratchetTreeExtension: true,
      extraProposals: [{ proposalType: 1, add: { keyPackage: kp.keyPackage } }],
    });
    alice.state = newState;
    const wrap = wrapWelcome({
      welcome: mlsBytes(welcome! as never),
      keyPackageEventId: kp.eventId,
      relays: RELAYS,
      inviterSecretKey: alice.person.secretKey,
      inviteePubkey: bob.person.pubkey,
    });
    const received = unwrapWelcome(JSON.parse(JSON.stringify(wrap)), bob.person.secretKey);
    expect(received.inviter).toBe(alice.person.pubkey);
    expect(received.keyPackageEventId).toBe(kp.eventId);
    expect(received.ratchetTree).toBeNull();
    bob.state = await joinGroup({
      context,
      welcome: welcomeOf(received.welcome),
      keyPackage: bob.publicPackage,
      privateKeys: bob.privatePackage,
    });
    const tagAlice = routingTag(await exporter(alice.state));
    expect(routingTag(await exporter(bob.state))).toBe(tagAlice);
    expect(tagAlice).not.toBe(tagBefore);
  });

  it("adds Carol with the tree beside the welcome; Bob follows the commit over kind 445", async () => {
    const kp = publishAndFetch(carol);
    const epochSecret = await exporter(alice.state!);
    const { newState, welcome, commit } = await createCommit({
      context,
      state: alice.state!,
      ratchetTreeExtension: false,
      extraProposals: [{ proposalType: 1, add: { keyPackage: kp.keyPackage } }],
    });
    alice.state = newState;

    // The commit goes out first, under the old epoch's keys.
    const commitEvent = wrapGroupMessage({ exporterSecret: epochSecret, mlsMessage: mlsBytes(commit) });
    const bobSecret = await exporter(bob.state!);
    const processed = await processMessage({
      context,
      state: bob.state!,
      message: framed(unwrapGroupMessage(JSON.parse(JSON.stringify(commitEvent)), bobSecret)),
    });
    bob.state = processed.newState;

    // Then the tree, then the welcome that points at it.
    const tree = encode(ratchetTreeEncoder, alice.state.ratchetTree);
    const sealed = sealRatchetTree({ tree });
    expect(sealed.events.every((e) => e.kind === KIND_RATCHET_TREE_CHUNK)).toBe(true);
    const wrap = wrapWelcome({
      welcome: mlsBytes(welcome! as never),
      keyPackageEventId: kp.eventId,
      relays: RELAYS,
      ratchetTree: sealed.ref,
      inviterSecretKey: alice.person.secretKey,
      inviteePubkey: carol.person.pubkey,
    });
    const received = unwrapWelcome(wrap, carol.person.secretKey);
    const treeBytes = openRatchetTree(received.ratchetTree!, JSON.parse(JSON.stringify(sealed.events)));
    carol.state = await joinGroup({
      context,
      welcome: welcomeOf(received.welcome),
      keyPackage: carol.publicPackage,
      privateKeys: carol.privatePackage,
      ratchetTree: decode(ratchetTreeDecoder, treeBytes)!,
    });

    const tags = await Promise.all(
      [alice, bob, carol].map(async (m) => routingTag(await exporter(m.state!))),
    );
    expect(new Set(tags).size).toBe(1);
  });

  it("delivers an inner message from Alice to Bob and Carol", async () => {
    const rumor = createInnerRumor({ pubkey: alice.person.pubkey, kind: 9, content: "Meeting moved to 7pm" });
    const secret = await exporter(alice.state!);
    const { newState, message } = await createApplicationMessage({
      context,
      state: alice.state!,
      message: encodeInnerRumor(rumor),
    });
    alice.state = newState;
    const event = wrapGroupMessage({ exporterSecret: secret, mlsMessage: mlsBytes(message) });
    expect(event.content).not.toContain("Meeting");
    for (const m of [bob, carol]) {
      const bytes = unwrapGroupMessage(event, await exporter(m.state!));
      const result = await processMessage({ context, state: m.state!, message: framed(bytes) });
      m.state = result.newState;
      if (result.kind !== "applicationMessage") throw new Error("expected an application message");
      const received = decodeInnerRumor(result.message);
      checkRumorSender(received, alice.person.pubkey);
      expect(received).toEqual(rumor);
      expect(() => checkRumorSender(received, bob.person.pubkey)).toThrow(/another member/);
    }
  });
});
