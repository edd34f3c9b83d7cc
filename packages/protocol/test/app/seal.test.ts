import { describe, expect, test } from "vitest";
import {
  buildPlaces,
  buildRsvp,
  eventAddress,
  InvalidInputError,
  KIND_SEALED,
  makeRumor,
  parseSealed,
  reduceGroup,
  sealRumor,
  unsealRumor,
  withUnsealed,
} from "../../src/app/index.ts";
import { alice, bob, carol, dave, from } from "./people.ts";

// alice hosts with bob as co-host; carol answers; dave is another member.
const address = eventAddress(31923, alice.pk, "ev1");
const answer = buildRsvp({
  pubkey: carol.pk,
  createdAt: 50,
  event: { kind: 31923, owner: alice.pk, d: "ev1" },
  status: "going",
  guests: 1,
  note: "I'll bring the banner",
});
const seal = () =>
  sealRumor({
    inner: answer,
    senderSecretKey: carol.sk,
    recipients: [alice.pk, bob.pk],
    createdAt: 50,
    address,
  });

describe("sealed answers for hosts only", () => {
  test("hosts and the sender can read it", () => {
    const s = seal();
    expect(s.kind).toBe(KIND_SEALED);
    expect(s.pubkey).toBe(carol.pk);
    for (const reader of [alice, bob, carol])
      expect(unsealRumor(s, reader.sk)).toEqual({ ok: true, value: answer });
  });

  test("a member who is not a host cannot read it, and the group sees only that an answer exists", () => {
    const s = seal();
    expect(unsealRumor(s, dave.sk)).toEqual({
      ok: false,
      error: "this sealed message is not addressed to you",
    });
    expect(parseSealed(s)).toEqual({
      ok: true,
      value: { innerKind: 31925, address, recipients: [alice.pk, bob.pk, carol.pk].sort() },
    });
    // Nothing of the answer is visible in the seal itself.
    const visible = JSON.stringify(s);
    for (const secret of ["accepted", "banner", "rally_guests"]) expect(visible).not.toContain(secret);
    // Even trying every payload with dave's key fails: each is bound to ECDH(carol, recipient).
    const payloads = JSON.parse(s.content) as Record<string, string>;
    for (const pk of Object.keys(payloads)) {
      const forged = makeRumor({
        ...s,
        createdAt: s.created_at,
        content: JSON.stringify({ [dave.pk]: payloads[pk] }),
      });
      expect(unsealRumor(forged, dave.sk).ok).toBe(false);
    }
  });

  test("tampering, wrong authors and malformed seals are refused with a reason", () => {
    const s = seal();
    const payloads = JSON.parse(s.content) as Record<string, string>;
    const flipped = payloads[alice.pk]!.replace(
      /^(.{20})(.)/,
      (_m, a: string, c: string) => a + (c === "A" ? "B" : "A"),
    );
    const tampered = makeRumor({
      pubkey: s.pubkey,
      createdAt: s.created_at,
      kind: s.kind,
      tags: s.tags,
      content: JSON.stringify({ ...payloads, [alice.pk]: flipped }),
    });
    expect(unsealRumor(tampered, alice.sk)).toMatchObject({ ok: false });
    // An inner answer in someone else's name cannot even be sealed…
    expect(() =>
      sealRumor({ inner: answer, senderSecretKey: dave.sk, recipients: [alice.pk], createdAt: 1 }),
    ).toThrow(InvalidInputError);
    // …and carol's seal re-sent by dave (as his own rumor) is not dave's answer.
    const replay = makeRumor({
      pubkey: dave.pk,
      createdAt: s.created_at,
      kind: s.kind,
      tags: s.tags,
      content: s.content,
    });
    expect(unsealRumor(replay, alice.sk)).toMatchObject({ ok: false });
    const notJson = makeRumor({
      pubkey: carol.pk,
      createdAt: 1,
      kind: KIND_SEALED,
      tags: [["k", "31925"]],
      content: "{",
    });
    expect(parseSealed(notJson)).toEqual({ ok: false, error: "sealed content is not JSON" });
    const noK = makeRumor({ pubkey: carol.pk, createdAt: 1, kind: KIND_SEALED, tags: [], content: "{}" });
    expect(parseSealed(noK)).toEqual({ ok: false, error: "seal has no `k` tag" });
  });

  test("withUnsealed feeds a host's reducer the answer; others count it without reading it", () => {
    const event = makeRumor({
      pubkey: alice.pk,
      createdAt: 10,
      kind: 31923,
      tags: [
        ["d", "ev1"],
        ["title", "Action planning"],
        ["start", "2000000000"],
        ["p", bob.pk, "", "host"],
        ["rally_capacity", "10"],
        ["rally_rsvp_visibility", "hosts"],
      ],
      content: "",
    });
    // The host's confirmation of places is sealed to the hosts like the answers it orders.
    const places = sealRumor({
      inner: buildPlaces({
        pubkey: bob.pk,
        createdAt: 60,
        event: { kind: 31923, owner: alice.pk, d: "ev1" },
        seq: 1,
        places: [{ pubkey: carol.pk, answer: answer.id, guests: 1 }],
      }),
      senderSecretKey: bob.sk,
      recipients: [alice.pk, bob.pk],
      createdAt: 60,
      address,
    });
    const entries = [from(event, 0), from(seal(), 0), from(places, 0)];
    const context = { admins: [alice.pk], members: [alice.pk, bob.pk, carol.pk, dave.pk] };
    const forBob = reduceGroup(withUnsealed(entries, bob.sk), context);
    expect(forBob.events[0]).toMatchObject({ going: [carol.pk], seatsTaken: 2, sealedAnswers: [carol.pk] });
    const forAlice = reduceGroup(withUnsealed(entries, alice.sk), context);
    expect(forAlice.events[0]).toEqual(forBob.events[0]);
    const forDave = reduceGroup(withUnsealed(entries, dave.sk), context);
    expect(forDave.events[0]).toMatchObject({
      going: [],
      rsvps: [],
      sealedAnswers: [carol.pk],
      places: null,
    });
  });
});
