/**
 * Rejoin requests and the account backup on the wire: a request opens only for its recipient and
 * only when seal, rumor, key package and MLS credential name one person; the answer binds nonce,
 * group, person and key package; a backup opens only under the words it was made with and only as
 * its author's.
 */
import { describe, expect, it } from "vitest";
import { backupKeyFromWords, createPerson, generatePerson, signEvent } from "../../src/identity/index.ts";
import { createDeviceIdentity } from "../../src/mls/device.ts";
import { createKeyPackage } from "../../src/mls/keyPackage.ts";
import { KIND_REJOIN_REQUEST } from "../../src/nostr/kinds.ts";
import { giftWrap } from "../../src/wire/giftWrap.ts";
import {
  buildKeyPackageEvent,
  makeBackupEvent,
  newKeyPackageSlot,
  openBackupEvent,
  openRejoinRequest,
  rejoinAnswer,
  wrapRejoinRequest,
} from "../../src/wire/index.ts";
import { codeOf } from "./helpers.ts";

const NOW = 1_750_000_000;
const GROUP = "cd".repeat(32);
const NONCE = "ab".repeat(32);
const alice = generatePerson();
const admin = generatePerson();
const mallory = generatePerson();

async function keyPackageOf(person: typeof alice, mlsOf = person) {
  const kp = (await createKeyPackage(createDeviceIdentity(mlsOf.secretKey), { now: NOW })).keyPackage;
  return signEvent(
    buildKeyPackageEvent({
      keyPackage: kp,
      slot: newKeyPackageSlot(),
      extensions: [0xf2ee],
      relays: ["wss://relay.example.org"],
      now: NOW,
    }),
    person.secretKey,
  );
}
const KP = await keyPackageOf(alice);

function wrapRaw(sender: typeof alice, body: Record<string, unknown>) {
  return giftWrap({
    kind: KIND_REJOIN_REQUEST,
    content: JSON.stringify(body),
    tags: [],
    now: NOW,
    senderSecretKey: sender.secretKey,
    recipientPubkey: admin.pubkey,
    what: "rejoin request",
  });
}

describe("rejoin requests", () => {
  const input = {
    group: GROUP,
    personSecretKey: alice.secretKey,
    keyPackageEvent: KP,
    inboxRelays: ["wss://inbox.example.org"],
    nonce: NONCE,
    recipientPubkey: admin.pubkey,
    now: NOW,
  };

  it("opens for its recipient with the person, group and key package", () => {
    const req = openRejoinRequest(wrapRejoinRequest(input), admin.secretKey);
    expect(req.person).toBe(alice.pubkey);
    expect(req.group).toBe(GROUP);
    expect(req.keyPackage.eventId).toBe(KP.id);
    expect(req.nonce).toBe(NONCE);
    expect(codeOf(() => openRejoinRequest(wrapRejoinRequest(input), mallory.secretKey))).toBe("not-for-me");
  });

  it("refuses a request sealed by someone other than the key package's owner", async () => {
    const body = { v: 1, group: GROUP, keyPackage: KP, inbox: ["wss://inbox.example.org"], nonce: NONCE };
    expect(codeOf(() => openRejoinRequest(wrapRaw(mallory, body), admin.secretKey))).toBe("sender-mismatch");
    // Mallory's own event around Alice's MLS key package: the credential names Alice, not Mallory.
    const borrowed = await keyPackageOf(mallory, alice);
    const forged = { ...body, keyPackage: borrowed };
    expect(codeOf(() => openRejoinRequest(wrapRaw(mallory, forged), admin.secretKey))).toBe(
      "sender-mismatch",
    );
    expect(codeOf(() => wrapRejoinRequest({ ...input, personSecretKey: mallory.secretKey }))).toBe(
      "sender-mismatch",
    );
  });

  it("refuses unknown fields and a bad group id", () => {
    const body = { v: 1, group: GROUP, keyPackage: KP, inbox: ["wss://inbox.example.org"], nonce: NONCE };
    expect(codeOf(() => openRejoinRequest(wrapRaw(alice, { ...body, admin: true }), admin.secretKey))).toBe(
      "malformed",
    );
    expect(codeOf(() => openRejoinRequest(wrapRaw(alice, { ...body, group: "xyz" }), admin.secretKey))).toBe(
      "malformed",
    );
  });

  it("answers bind every part", () => {
    const a = rejoinAnswer(NONCE, GROUP, alice.pubkey, KP.id);
    expect(a).toMatch(/^[0-9a-f]{64}$/);
    expect(rejoinAnswer("ef".repeat(32), GROUP, alice.pubkey, KP.id)).not.toBe(a);
    expect(rejoinAnswer(NONCE, "ee".repeat(32), alice.pubkey, KP.id)).not.toBe(a);
    expect(rejoinAnswer(NONCE, GROUP, mallory.pubkey, KP.id)).not.toBe(a);
  });
});

describe("the account backup", () => {
  const person = createPerson();
  const key = backupKeyFromWords(person.words);
  const backup = {
    name: "Alice",
    relays: ["wss://relay.example.org"],
    groups: [{ id: GROUP, name: "Garden", relays: ["wss://relay.example.org"], admins: [admin.pubkey] }],
  };

  it("opens under the same words, as its author's, and pads its size", () => {
    const e = makeBackupEvent({ backup, key, secretKey: person.secretKey, now: NOW });
    expect(e.tags).toEqual([["d", "rally-backup"]]);
    expect(openBackupEvent(e, person.pubkey, backupKeyFromWords(person.words))).toEqual(backup);
    const bigger = makeBackupEvent({
      backup: { ...backup, groups: [...backup.groups, { ...backup.groups[0]!, id: "ef".repeat(32) }] },
      key,
      secretKey: person.secretKey,
      now: NOW,
    });
    expect(bigger.content.length).toBe(e.content.length); // both fit one 512-byte step
  });

  it("refuses other words, another author, and a changed byte", () => {
    const e = makeBackupEvent({ backup, key, secretKey: person.secretKey, now: NOW });
    expect(codeOf(() => openBackupEvent(e, person.pubkey, backupKeyFromWords(createPerson().words)))).toBe(
      "decrypt-failed",
    );
    expect(codeOf(() => openBackupEvent(e, mallory.pubkey, key))).toBe("sender-mismatch");
    const resigned = signEvent({ ...e, created_at: e.created_at + 1 }, mallory.secretKey);
    expect(codeOf(() => openBackupEvent(resigned, mallory.pubkey, key))).toBe("decrypt-failed");
    expect(
      codeOf(() => openBackupEvent({ ...e, content: `A${e.content.slice(1)}` }, person.pubkey, key)),
    ).toBe("bad-signature");
  });
});
