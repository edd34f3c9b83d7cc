import { bytesToHex } from "@noble/hashes/utils.js";
import fc from "fast-check";
import { encrypt, getConversationKey } from "nostr-tools/nip44";
import { finalizeEvent, generateSecretKey } from "nostr-tools/pure";
import { describe, expect, it } from "vitest";
import { generatePerson, signEvent } from "../../src/identity/index.ts";
import {
  buildKeyPackageEvent,
  createInviteLink,
  JOIN_REQUEST_GRACE_SECONDS,
  joinProof,
  joinRequestFilter,
  MarmotError,
  newKeyPackageSlot,
  openJoinRequest,
  wrapJoinRequest,
} from "../../src/marmot/index.ts";
import { clone, codeOf } from "./helpers.ts";

const NOW = 1_750_000_000;
const joiner = generatePerson();
const stranger = generatePerson();
const made = createInviteLink({ relays: ["wss://relay.example.org"], name: "Garden", expiresAt: NOW + 3600 });
const { link, linkSecretKey } = made;
const admin = { linkSecretKey, linkSecret: link.linkSecret, expiresAt: link.expiresAt };

function keyPackageOf(person = joiner) {
  return signEvent(
    buildKeyPackageEvent({
      keyPackage: new Uint8Array(300).fill(4),
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
    proof: bytesToHex(joinProof(link.linkSecret, link.linkPubkey, joiner.pubkey, KP.id)),
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
      joinProof(link.linkSecret, link.linkPubkey, joiner.pubkey, keyPackageOf(stranger).id),
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
    expect(codeOf(() => joinProof(link.linkSecret, "x", joiner.pubkey, KP.id))).toBe("bad-parameter");
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
