import { bytesToHex } from "@noble/hashes/utils.js";
import fc from "fast-check";
import { encrypt, getConversationKey } from "nostr-tools/nip44";
import { finalizeEvent, generateSecretKey } from "nostr-tools/pure";
import { describe, expect, it } from "vitest";
import { generatePerson, signEvent } from "../../src/identity/index.ts";
import { createDeviceIdentity } from "../../src/mls/device.ts";
import { createKeyPackage } from "../../src/mls/keyPackage.ts";
import {
  buildKeyPackageEvent,
  createInviteLink,
  JOIN_REQUEST_GRACE_SECONDS,
  joinAnswer,
  joinProof,
  joinRequestFilter,
  MarmotError,
  newKeyPackageSlot,
  openJoinRequest,
  wrapJoinRequest,
} from "../../src/wire/index.ts";
import { clone, codeOf } from "./helpers.ts";

const NOW = 1_750_000_000;
const joiner = generatePerson();
const stranger = generatePerson();
const made = createInviteLink({ relays: ["wss://relay.example.org"], name: "Garden", expiresAt: NOW + 3600 });
const { link, linkSecretKey } = made;
const admin = { linkSecretKey, linkSecret: link.linkSecret, expiresAt: link.expiresAt };
const NONCE = "ab".repeat(32);

// Real MLS key packages: the request's key package must name its sender in its credential (F11).
const mlsKeyPackages = new Map<string, Uint8Array>();
for (const p of [joiner, stranger]) {
  mlsKeyPackages.set(
    p.pubkey,
    (await createKeyPackage(createDeviceIdentity(p.secretKey), { now: NOW })).keyPackage,
  );
}

function keyPackageOf(person = joiner, mlsOf = person) {
  return signEvent(
    buildKeyPackageEvent({
      keyPackage: mlsKeyPackages.get(mlsOf.pubkey)!,
      slot: newKeyPackageSlot(),
      extensions: [0xf2ee],
      relays: ["wss://relay.example.org"],
      now: NOW,
    }),
    person.secretKey,
  );
}
const KP = keyPackageOf();

function request(over: Partial<Parameters<typeof wrapJoinRequest>[0]> = {}) {
  return wrapJoinRequest({
    link,
    joinerSecretKey: joiner.secretKey,
    keyPackageEvent: KP,
    name: "  Sam  ",
    inboxRelays: ["wss://inbox.example.org/"],
    nonce: NONCE,
    now: NOW,
    ...over,
  });
}

/** A request whose rumor content is whatever the test says, sealed by `sealer`. */
function craft(
  content: unknown,
  sealer = joiner,
  created_at = NOW,
  kind = 1448,
  tags: string[][] = [],
): object {
  const rumorBody = {
    created_at,
    content: typeof content === "string" ? content : JSON.stringify(content),
    tags,
    kind,
    pubkey: sealer.pubkey,
  };
  const rumor = { ...rumorBody, id: signEvent({ ...rumorBody }, sealer.secretKey).id };
  const seal = finalizeEvent(
    {
      kind: 13,
      created_at,
      tags: [],
      content: encrypt(JSON.stringify(rumor), getConversationKey(sealer.secretKey, link.linkPubkey)),
    },
    sealer.secretKey,
  );
  const oneTime = generateSecretKey();
  return finalizeEvent(
    {
      kind: 1059,
      created_at,
      tags: [["p", link.linkPubkey]],
      content: encrypt(JSON.stringify(seal), getConversationKey(oneTime, link.linkPubkey)),
    },
    oneTime,
  );
}

function body(over: Record<string, unknown> = {}) {
  return {
    v: 1,
    name: "Sam",
    keyPackage: KP,
    inbox: ["wss://inbox.example.org"],
    nonce: NONCE,
    proof: bytesToHex(joinProof(link.linkSecret, link.linkPubkey, joiner.pubkey, KP.id, NONCE)),
    ...over,
  };
}

describe("join requests through invite links", () => {
  it("reaches the link key through a one-time outer key and opens for admins", () => {
    const wrap = request();
    expect(wrap.kind).toBe(1059);
    expect(wrap.tags).toEqual([["p", link.linkPubkey]]);
    expect(wrap.pubkey).not.toBe(joiner.pubkey);
    expect(JSON.stringify(wrap)).not.toContain(joiner.pubkey);
    const req = openJoinRequest(clone(wrap), admin, { now: NOW + 60 });
    expect(req.joiner).toBe(joiner.pubkey);
    expect(req.name).toBe("Sam");
    expect(req.keyPackage.eventId).toBe(KP.id);
    expect(req.keyPackageEvent).toEqual(KP);
    expect(req.inboxRelays).toEqual(["wss://inbox.example.org"]);
    expect(req.requestedAt).toBe(NOW);
    expect(req.nonce).toBe(NONCE);
    expect(req.wrapId).toBe(wrap.id);
    expect(joinRequestFilter([link.linkPubkey])).toEqual({ kinds: [1059], "#p": [link.linkPubkey] });
  });

  it("keeps the same request id when the joiner re-sends", () => {
    expect(openJoinRequest(request(), admin, { now: NOW }).requestId).toBe(
      openJoinRequest(request(), admin, { now: NOW }).requestId,
    );
  });

  it("cannot be opened without the link's secret key", () => {
    const other = createInviteLink({ relays: ["wss://relay.example.org"] });
    const wrong = { linkSecretKey: other.linkSecretKey, linkSecret: link.linkSecret, expiresAt: null };
    expect(codeOf(() => openJoinRequest(request(), wrong, { now: NOW }))).toBe("not-for-me");
  });

  it("refuses a request without knowledge of the link secret", () => {
    const otherSecret = { ...admin, linkSecret: new Uint8Array(16).fill(1) };
    expect(codeOf(() => openJoinRequest(request(), otherSecret, { now: NOW }))).toBe("bad-proof");
    // Someone who saw only the link key on a relay guesses the proof.
    expect(codeOf(() => openJoinRequest(craft(body({ proof: "00".repeat(32) })), admin, { now: NOW }))).toBe(
      "bad-proof",
    );
    expect(codeOf(() => openJoinRequest(craft(body({ proof: "xyz" })), admin, { now: NOW }))).toBe(
      "bad-proof",
    );
  });

  it("refuses a proof replayed for another person or key package", () => {
    const strangerKp = keyPackageOf(stranger);
    const stolen = body({ keyPackage: strangerKp, proof: body().proof });
    expect(codeOf(() => openJoinRequest(craft(stolen, stranger), admin, { now: NOW }))).toBe("bad-proof");
  });

  it("refuses someone else's key package", () => {
    expect(codeOf(() => request({ keyPackageEvent: keyPackageOf(stranger) }))).toBe("sender-mismatch");
    const proof = bytesToHex(
      joinProof(link.linkSecret, link.linkPubkey, joiner.pubkey, keyPackageOf(stranger).id, NONCE),
    );
    const crafted = craft(body({ keyPackage: keyPackageOf(stranger), proof }));
    expect(codeOf(() => openJoinRequest(crafted, admin, { now: NOW }))).toBe("sender-mismatch");
    const forgedKp = { ...KP, content: "AAAA" };
    expect(codeOf(() => openJoinRequest(craft(body({ keyPackage: forgedKp })), admin, { now: NOW }))).toBe(
      "bad-signature",
    );
  });

  it("honours requests made before expiry within the grace period, and no others", () => {
    const expiry = NOW + 3600;
    expect(codeOf(() => request({ now: expiry + 1 }))).toBe("expired");
    expect(
      codeOf(() =>
        openJoinRequest(request({ now: expiry }), admin, { now: expiry + JOIN_REQUEST_GRACE_SECONDS }),
      ),
    ).toBe("no error");
    expect(
      codeOf(() =>
        openJoinRequest(request({ now: expiry }), admin, { now: expiry + JOIN_REQUEST_GRACE_SECONDS + 1 }),
      ),
    ).toBe("expired");
    // A back-dated request is still refused once the grace period is over; a post-dated one always.
    expect(codeOf(() => openJoinRequest(craft(body(), joiner, expiry + 1), admin, { now: expiry + 2 }))).toBe(
      "expired",
    );
    expect(codeOf(() => openJoinRequest(craft(body(), joiner, NOW + 601), admin, { now: NOW }))).toBe(
      "malformed",
    );
    const noExpiry = { ...admin, expiresAt: null };
    expect(
      codeOf(() => openJoinRequest(request(), noExpiry, { now: NOW + 10 * JOIN_REQUEST_GRACE_SECONDS })),
    ).toBe("no error");
  });

  it("F11: refuses a request wrapping someone else's key package in an event of the joiner's own", () => {
    // The joiner signs a kind 30443 event whose MLS key package (and credential) is the stranger's:
    // the engine would add the stranger, a ghost member who never asked.
    const wrapped = keyPackageOf(joiner, stranger);
    const proof = bytesToHex(joinProof(link.linkSecret, link.linkPubkey, joiner.pubkey, wrapped.id, NONCE));
    const crafted = craft(body({ keyPackage: wrapped, proof }));
    expect(codeOf(() => openJoinRequest(crafted, admin, { now: NOW }))).toBe("sender-mismatch");
    // Bytes that are no MLS key package at all are refused the same way.
    const junk = signEvent(
      buildKeyPackageEvent({
        keyPackage: new Uint8Array(300).fill(4),
        slot: newKeyPackageSlot(),
        extensions: [0xf2ee],
        relays: ["wss://relay.example.org"],
        now: NOW,
      }),
      joiner.secretKey,
    );
    const junkProof = bytesToHex(joinProof(link.linkSecret, link.linkPubkey, joiner.pubkey, junk.id, NONCE));
    expect(
      codeOf(() => openJoinRequest(craft(body({ keyPackage: junk, proof: junkProof })), admin, { now: NOW })),
    ).toBe("sender-mismatch");
    // The joiner's own key package still opens.
    expect(codeOf(() => openJoinRequest(request(), admin, { now: NOW }))).toBe("no error");
  });

  it("F12: a request backdated to before expiry is refused once the link has expired (clock-skew grace only)", () => {
    const expiry = NOW + 3600;
    expect(JOIN_REQUEST_GRACE_SECONDS).toBeLessThanOrEqual(600);
    // Found a day after expiry and dated an hour before it: refused.
    const backdated = request({ now: expiry - 3600 });
    expect(codeOf(() => openJoinRequest(backdated, admin, { now: expiry + 24 * 3600 }))).toBe("expired");
  });

  it("F7a: the answer binds a welcome to one request: its nonce, joiner, key package and link", () => {
    const a = joinAnswer(link.linkSecret, link.linkPubkey, joiner.pubkey, KP.id, NONCE);
    expect(a).toMatch(/^[0-9a-f]{64}$/);
    expect(joinAnswer(link.linkSecret, link.linkPubkey, joiner.pubkey, KP.id, NONCE)).toBe(a);
    expect(joinAnswer(link.linkSecret, link.linkPubkey, joiner.pubkey, KP.id, "cd".repeat(32))).not.toBe(a);
    expect(joinAnswer(new Uint8Array(16), link.linkPubkey, joiner.pubkey, KP.id, NONCE)).not.toBe(a);
    expect(joinAnswer(link.linkSecret, link.linkPubkey, stranger.pubkey, KP.id, NONCE)).not.toBe(a);
    // Not the proof the joiner sent (another label): seeing a request does not give the answer.
    expect(bytesToHex(joinProof(link.linkSecret, link.linkPubkey, joiner.pubkey, KP.id, NONCE))).not.toBe(a);
    const missing = body();
    delete (missing as Record<string, unknown>).nonce;
    expect(codeOf(() => openJoinRequest(craft(missing), admin, { now: NOW }))).toBe("malformed");
    expect(codeOf(() => openJoinRequest(craft(body({ nonce: "zz" })), admin, { now: NOW }))).toBe(
      "malformed",
    );
  });

  it("refuses malformed bodies", () => {
    const cases: [string, unknown, string][] = [
      ["not JSON", "{oops", "bad-encoding"],
      ["array", [1], "malformed"],
      [
        "missing inbox",
        (() => {
          const { inbox: _i, ...b } = body();
          return b;
        })(),
        "malformed",
      ],
      ["extra field", body({ extra: 1 }), "malformed"],
      ["version 2", body({ v: 2 }), "malformed"],
      ["empty name", body({ name: "  " }), "malformed"],
      ["control in name", body({ name: "a\u0007" }), "malformed"],
      ["long name", body({ name: "a".repeat(101) }), "too-large"],
      ["bad inbox", body({ inbox: ["http://x"] }), "bad-relay-url"],
      ["no inbox relays", body({ inbox: [] }), "bad-tag"],
      ["key package not an event", body({ keyPackage: "x" }), "malformed"],
    ];
    for (const [name, content, code] of cases) {
      expect(
        codeOf(() => openJoinRequest(craft(content), admin, { now: NOW })),
        name,
      ).toBe(code);
    }
    expect(codeOf(() => openJoinRequest(craft(body(), joiner, NOW, 1447), admin, { now: NOW }))).toBe(
      "wrong-kind",
    );
    expect(
      codeOf(() =>
        openJoinRequest(craft(body(), joiner, NOW, 1448, [["p", link.linkPubkey]]), admin, { now: NOW }),
      ),
    ).toBe("bad-tag");
  });

  it("refuses bad requests from the joiner's side", () => {
    expect(codeOf(() => request({ name: "" }))).toBe("malformed");
    expect(codeOf(() => request({ inboxRelays: [] }))).toBe("bad-tag");
    expect(codeOf(() => request({ joinerSecretKey: new Uint8Array(32) }))).toBe("bad-parameter");
    expect(codeOf(() => joinProof(link.linkSecret, "x", joiner.pubkey, KP.id, NONCE))).toBe("bad-parameter");
    expect(codeOf(() => request({ nonce: "12" }))).toBe("bad-parameter");
  });

  it("only ever throws MarmotError (fuzz)", () => {
    fc.assert(
      fc.property(fc.jsonValue(), (content) => {
        try {
          openJoinRequest(craft(content as never), admin, { now: NOW });
        } catch (e) {
          expect(e).toBeInstanceOf(MarmotError);
        }
      }),
      { numRuns: 15 },
    );
  });
});
