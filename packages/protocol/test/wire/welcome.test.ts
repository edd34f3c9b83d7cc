import fc from "fast-check";
import { encrypt, getConversationKey } from "nostr-tools/nip44";
import { finalizeEvent, generateSecretKey, getEventHash } from "nostr-tools/pure";
import { describe, expect, it } from "vitest";
import { generatePerson, verifyEventSignature } from "../../src/identity/index.ts";
import {
  buildWelcomeRumor,
  eventFrameBytes,
  MarmotError,
  RELAY_FRAME_LIMIT,
  sealRatchetTree,
  unwrapWelcome,
  welcomeWrapBytes,
  wrapWelcome,
} from "../../src/wire/index.ts";
import { clone, codeOf } from "./helpers.ts";

const alice = generatePerson();
const bob = generatePerson();
const carol = generatePerson();
const KP_ID = "ab".repeat(32);
const RELAYS = ["wss://relay.example.org", "wss://two.example.org"];
const NOW = 1_750_000_000;

function welcomeBytes(n: number): Uint8Array {
  return Uint8Array.from({ length: n }, (_, i) => (i * 7) & 0xff);
}

function wrapTo(recipient = bob.pubkey, n = 500) {
  return wrapWelcome({
    welcome: welcomeBytes(n),
    keyPackageEventId: KP_ID,
    relays: RELAYS,
    inviterSecretKey: alice.secretKey,
    inviteePubkey: recipient,
    now: NOW,
  });
}

/** Hand-builds the NIP-59 layers so each one can be made wrong on purpose. */
function craft(options: {
  rumor: Record<string, unknown>;
  sealSigner?: Uint8Array;
  sealTags?: string[][];
  recipient?: string;
  pTag?: string;
}): object {
  const sealSigner = options.sealSigner ?? alice.secretKey;
  const recipient = options.recipient ?? bob.pubkey;
  const seal = finalizeEvent(
    {
      kind: 13,
      created_at: NOW,
      tags: options.sealTags ?? [],
      content: encrypt(JSON.stringify(options.rumor), getConversationKey(sealSigner, recipient)),
    },
    sealSigner,
  );
  const oneTime = generateSecretKey();
  return finalizeEvent(
    {
      kind: 1059,
      created_at: NOW,
      tags: [["p", options.pTag ?? recipient]],
      content: encrypt(JSON.stringify(seal), getConversationKey(oneTime, recipient)),
    },
    oneTime,
  );
}

function rumorWith(edit: (r: Record<string, unknown>) => void, rehash = true): Record<string, unknown> {
  const rumor: Record<string, unknown> = {
    ...buildWelcomeRumor({
      welcome: welcomeBytes(50),
      keyPackageEventId: KP_ID,
      relays: RELAYS,
      inviterPubkey: alice.pubkey,
      now: NOW,
    }),
  };
  edit(rumor);
  if (rehash) {
    const { id: _id, ...body } = rumor;
    rumor.id = getEventHash(body as never);
  }
  return rumor;
}

describe("welcomes (kind 444 in NIP-59)", () => {
  it("round-trips to the invitee, revealing the inviter only inside", () => {
    const wrap = wrapTo();
    expect(wrap.kind).toBe(1059);
    expect(wrap.tags).toEqual([["p", bob.pubkey]]);
    expect(wrap.pubkey).not.toBe(alice.pubkey);
    expect(verifyEventSignature(wrap)).toBe(true);
    const got = unwrapWelcome(clone(wrap), bob.secretKey);
    expect(got.inviter).toBe(alice.pubkey);
    expect(got.welcome).toEqual(welcomeBytes(500));
    expect(got.keyPackageEventId).toBe(KP_ID);
    expect(got.relays).toEqual(RELAYS);
    expect(got.ratchetTree).toBeNull();
    expect(got.createdAt).toBe(NOW);
    expect(got.wrapId).toBe(wrap.id);
    // The rumor id does not depend on the wrapping, so a re-sent welcome is recognised.
    expect(unwrapWelcome(wrapTo(), bob.secretKey).rumorId).toBe(got.rumorId);
  });

  it("F7a: carries a join request's answer and the inviter's name, and refuses bad ones", () => {
    const answer = "cd".repeat(32);
    const wrap = wrapWelcome({
      welcome: welcomeBytes(100),
      keyPackageEventId: KP_ID,
      relays: RELAYS,
      answer,
      inviterName: "  Alice  ",
      inviterSecretKey: alice.secretKey,
      inviteePubkey: bob.pubkey,
      now: NOW,
    });
    const got = unwrapWelcome(wrap, bob.secretKey);
    expect(got.answer).toBe(answer);
    expect(got.inviterName).toBe("Alice");
    const plain = unwrapWelcome(wrapTo(), bob.secretKey);
    expect(plain.answer).toBeNull();
    expect(plain.inviterName).toBeNull();
    expect(
      codeOf(() =>
        wrapWelcome({
          welcome: welcomeBytes(10),
          keyPackageEventId: KP_ID,
          relays: RELAYS,
          answer: "xyz",
          inviterSecretKey: alice.secretKey,
          inviteePubkey: bob.pubkey,
        }),
      ),
    ).toBe("bad-parameter");
    const cases: [string[][], string][] = [
      [[["answer", "xyz"]], "bad-tag"],
      [
        [
          ["answer", answer],
          ["answer", answer],
        ],
        "bad-tag",
      ],
      [[["name", "a\u001b[2J"]], "bad-tag"],
      [[["name", "x".repeat(101)]], "bad-tag"],
    ];
    for (const [extra, code] of cases) {
      const rumor = rumorWith((r) => {
        r.tags = [...(r.tags as string[][]), ...extra];
      });
      expect(
        codeOf(() => unwrapWelcome(craft({ rumor }), bob.secretKey)),
        JSON.stringify(extra),
      ).toBe(code);
    }
  });

  it("carries a ratchet tree reference", () => {
    const sealed = sealRatchetTree({ tree: new Uint8Array(70_000).fill(1), now: NOW });
    const wrap = wrapWelcome({
      welcome: welcomeBytes(600),
      keyPackageEventId: KP_ID,
      relays: RELAYS,
      ratchetTree: sealed.ref,
      inviterSecretKey: alice.secretKey,
      inviteePubkey: bob.pubkey,
    });
    const got = unwrapWelcome(wrap, bob.secretKey);
    expect(got.ratchetTree?.events).toEqual(sealed.ref.events);
    expect(got.ratchetTree?.key).toEqual(sealed.ref.key);
  });

  it("predicts the exact wire size without encrypting", () => {
    for (const n of [1, 100, 10_000, 48_000, 49_200, 70_000]) {
      const input = { welcome: welcomeBytes(n), keyPackageEventId: KP_ID, relays: RELAYS };
      expect(welcomeWrapBytes(input)).toBe(eventFrameBytes(wrapTo(bob.pubkey, n)));
    }
  });

  it("fits the largest welcome a relay frame holds and refuses the next byte", () => {
    const fits = (n: number) =>
      welcomeWrapBytes({ welcome: new Uint8Array(n), keyPackageEventId: KP_ID, relays: RELAYS }) <=
      RELAY_FRAME_LIMIT;
    let lo = 1;
    let hi = 131_072;
    while (lo < hi) {
      const mid = Math.ceil((lo + hi) / 2);
      if (fits(mid)) lo = mid;
      else hi = mid - 1;
    }
    // docs/PROTOCOL.md quotes this figure.
    expect(lo).toBe(85_761);
    const wrap = wrapTo(bob.pubkey, lo);
    expect(eventFrameBytes(wrap)).toBeLessThanOrEqual(RELAY_FRAME_LIMIT);
    expect(unwrapWelcome(wrap, bob.secretKey).welcome.length).toBe(lo);
    expect(codeOf(() => wrapTo(bob.pubkey, lo + 1))).toBe("too-large");
  });

  it("refuses bad inputs when wrapping", () => {
    const base = {
      welcome: welcomeBytes(10),
      keyPackageEventId: KP_ID,
      relays: RELAYS,
      inviterSecretKey: alice.secretKey,
      inviteePubkey: bob.pubkey,
    };
    expect(codeOf(() => wrapWelcome({ ...base, welcome: new Uint8Array(0) }))).toBe("bad-parameter");
    expect(codeOf(() => wrapWelcome({ ...base, welcome: new Uint8Array(131_073) }))).toBe("too-large");
    expect(codeOf(() => wrapWelcome({ ...base, keyPackageEventId: "x" }))).toBe("bad-parameter");
    expect(codeOf(() => wrapWelcome({ ...base, relays: [] }))).toBe("bad-tag");
    expect(codeOf(() => wrapWelcome({ ...base, inviteePubkey: "abc" }))).toBe("bad-parameter");
    expect(codeOf(() => wrapWelcome({ ...base, inviterSecretKey: new Uint8Array(32) }))).toBe(
      "bad-parameter",
    );
  });
});

describe("welcome refusals", () => {
  it("sends someone else's wrap to not-for-me", () => {
    expect(codeOf(() => unwrapWelcome(wrapTo(carol.pubkey), bob.secretKey))).toBe("not-for-me");
    // A p tag changed to Bob breaks the outer signature.
    const wrap = wrapTo(carol.pubkey);
    expect(codeOf(() => unwrapWelcome({ ...wrap, tags: [["p", bob.pubkey]] }, bob.secretKey))).toBe(
      "bad-signature",
    );
    // A wrap re-signed with Bob's p tag but encrypted to Carol does not decrypt.
    const forged = craft({ rumor: rumorWith(() => {}), recipient: carol.pubkey, pTag: bob.pubkey });
    expect(codeOf(() => unwrapWelcome(forged, bob.secretKey))).toBe("decrypt-failed");
  });

  it("refuses a rumor whose author is not the seal signer", () => {
    const mallory = generatePerson();
    const forged = craft({ rumor: rumorWith(() => {}), sealSigner: mallory.secretKey });
    expect(codeOf(() => unwrapWelcome(forged, bob.secretKey))).toBe("sender-mismatch");
  });

  it("refuses seals with tags and rumors that are signed, mis-hashed or of another kind", () => {
    expect(codeOf(() => unwrapWelcome(craft({ rumor: rumorWith(() => {}) }), bob.secretKey))).toBe(
      "no error",
    );
    expect(
      codeOf(() =>
        unwrapWelcome(craft({ rumor: rumorWith(() => {}), sealTags: [["p", bob.pubkey]] }), bob.secretKey),
      ),
    ).toBe("bad-tag");
    const signed = rumorWith((r) => {
      r.sig = "00".repeat(64);
    }, false);
    expect(codeOf(() => unwrapWelcome(craft({ rumor: signed }), bob.secretKey))).toBe("malformed");
    const badId = rumorWith((r) => {
      r.content = "AAAA";
    }, false);
    expect(codeOf(() => unwrapWelcome(craft({ rumor: badId }), bob.secretKey))).toBe("bad-signature");
    expect(
      codeOf(() => unwrapWelcome(craft({ rumor: rumorWith((r) => (r.kind = 14)) }), bob.secretKey)),
    ).toBe("wrong-kind");
  });

  it("refuses bad welcome fields", () => {
    const cases: [string, (r: Record<string, unknown>) => void, string][] = [
      ["content not base64", (r) => (r.content = "%%%"), "bad-encoding"],
      ["empty content", (r) => (r.content = ""), "malformed"],
      ["no e tag", (r) => (r.tags = [["relays", ...RELAYS]]), "bad-tag"],
      [
        "bad e tag",
        (r) =>
          (r.tags = [
            ["e", "zz"],
            ["relays", ...RELAYS],
          ]),
        "bad-tag",
      ],
      [
        "two e tags",
        (r) =>
          (r.tags = [
            ["e", KP_ID],
            ["e", KP_ID],
            ["relays", ...RELAYS],
          ]),
        "bad-tag",
      ],
      ["no relays", (r) => (r.tags = [["e", KP_ID]]), "bad-tag"],
      ["empty relays", (r) => (r.tags = [["e", KP_ID], ["relays"]]), "bad-tag"],
      [
        "bad relay",
        (r) =>
          (r.tags = [
            ["e", KP_ID],
            ["relays", "http://x"],
          ]),
        "bad-relay-url",
      ],
      [
        "two relays tags",
        (r) =>
          (r.tags = [
            ["e", KP_ID],
            ["relays", RELAYS[0]!],
            ["relays", RELAYS[1]!],
          ]),
        "bad-tag",
      ],
      [
        "hex encoding",
        (r) =>
          (r.tags = [
            ["e", KP_ID],
            ["relays", ...RELAYS],
            ["encoding", "hex"],
          ]),
        "bad-encoding",
      ],
      [
        "bad tree tag",
        (r) =>
          (r.tags = [
            ["e", KP_ID],
            ["relays", ...RELAYS],
            ["ratchet_tree", "00"],
          ]),
        "bad-tag",
      ],
    ];
    for (const [name, edit, code] of cases) {
      expect(
        codeOf(() => unwrapWelcome(craft({ rumor: rumorWith(edit) }), bob.secretKey)),
        name,
      ).toBe(code);
    }
  });

  it("refuses an oversized wrap before decrypting, and non-events", () => {
    const wrap = wrapTo();
    expect(
      codeOf(() => unwrapWelcome({ ...wrap, content: "A".repeat(RELAY_FRAME_LIMIT + 4) }, bob.secretKey)),
    ).toBe("too-large");
    expect(codeOf(() => unwrapWelcome(null, bob.secretKey))).toBe("malformed");
    expect(codeOf(() => unwrapWelcome({ ...wrap, kind: 1 }, bob.secretKey))).toBe("wrong-kind");
    expect(codeOf(() => unwrapWelcome(wrap, new Uint8Array(32)))).toBe("bad-parameter");
  });

  it("only ever throws MarmotError (fuzz)", () => {
    const good = wrapTo();
    fc.assert(
      fc.property(
        fc.constantFrom("id", "pubkey", "created_at", "kind", "tags", "content", "sig"),
        fc.anything(),
        (field, value) => {
          const mutated: Record<string, unknown> = clone(good);
          mutated[field] = value;
          try {
            unwrapWelcome(mutated, bob.secretKey);
          } catch (e) {
            expect(e).toBeInstanceOf(MarmotError);
          }
        },
      ),
      { numRuns: 150 },
    );
    fc.assert(
      fc.property(fc.jsonValue(), (rumor) => {
        try {
          unwrapWelcome(craft({ rumor: rumor as Record<string, unknown> }), bob.secretKey);
        } catch (e) {
          expect(e).toBeInstanceOf(MarmotError);
        }
      }),
      { numRuns: 40 },
    );
  });
});
