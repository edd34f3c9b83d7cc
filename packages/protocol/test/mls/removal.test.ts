/**
 * A removed member keeps every byte of its saved state and still reads nothing sent after its
 * removal (RFC 9420 §16.5 "forward secrecy" / post-removal security).
 */
import { describe, expect, it } from "vitest";
import {
  decodeState,
  encodeState,
  encrypt,
  exporterSecret,
  type GroupState,
  isActive,
  process,
  removeMembers,
  selfUpdate,
} from "../../src/mls/index.ts";
import { unwrapState, wrapState } from "../../src/mls/state.ts";
import { failureCode, groupOf, person, text } from "./helpers.ts";

describe("removal", () => {
  it("a removed member with its full saved state cannot read anything after removal", async () => {
    const [alice, bob, carol] = [person("alice"), person("bob"), person("carol")];
    const { states } = await groupOf(alice, [bob, carol]);
    let a = states.get("alice") as GroupState;
    let c = states.get("carol") as GroupState;
    const bob0 = states.get("bob") as GroupState;
    // Bob saves everything he has, as an attacker would.
    const savedBefore = encodeState(bob0);

    const removal = await removeMembers(a, [bob.pubkey]);
    a = removal.state;
    c = (await process(c, removal.commit)).state;
    const bobAfter = await process(bob0, removal.commit);
    expect(bobAfter.result).toMatchObject({ kind: "commit", removedSelf: true });
    // The removal began an epoch for Bob too: what he files under it comes after the epoch before.
    expect(bobAfter.result).toMatchObject({ epoch: Number(unwrapState(removal.state).groupContext.epoch) });
    expect(Number(unwrapState(bobAfter.state).groupContext.epoch)).toBe(
      Number(unwrapState(bob0).groupContext.epoch),
    );
    expect(isActive(bobAfter.state)).toBe(false);
    const savedAfter = encodeState(bobAfter.state);

    // Traffic after the removal: messages, a key rotation, more messages.
    const m1 = await encrypt(a, text("after removal 1"));
    a = m1.state;
    const up = await selfUpdate(c);
    c = up.state;
    a = (await process(a, up.commit)).state;
    const m2 = await encrypt(a, text("after removal 2"));

    const epochAfterRemoval = await exporterSecret(removal.state);
    for (const saved of [savedBefore, savedAfter]) {
      const bobState = decodeState(saved.epochPart, saved.messagePart);
      // A modified client that ignores "you were removed" gets no further: Bob never held the
      // secrets of the epoch his removal started (RFC 9420 §12.4: the removing commit carries a
      // fresh UpdatePath encrypted to everyone but him).
      const stubborn = wrapState({ ...unwrapState(bobState), groupActiveState: { kind: "active" } });
      for (const state of [bobState, stubborn]) {
        for (const msg of [m1.message, up.commit, m2.message]) {
          const code = await failureCode(state, msg);
          expect(["future-epoch", "not-member", "old-epoch", "decrypt-failed"]).toContain(code);
        }
        expect(await exporterSecret(state)).not.toEqual(epochAfterRemoval);
        expect(await exporterSecret(state)).not.toEqual(await exporterSecret(a));
      }
    }
    // The bytes of the later epochs' secrets appear nowhere in Bob's saved states.
    const needles = [removal.state, a].flatMap((s) => {
      const ks = unwrapState(s).keySchedule;
      return [ks.exporterSecret, ks.senderDataSecret, ks.initSecret, ks.epochAuthenticator];
    });
    for (const saved of [savedBefore, savedAfter]) {
      for (const part of [saved.epochPart, saved.messagePart]) {
        for (const needle of needles) expect(Buffer.from(part).includes(Buffer.from(needle))).toBe(false);
      }
    }
    // Carol, still a member, reads both.
    const r1 = await process(c, m1.message);
    expect(r1.result.kind).toBe("application");
  });
});
