/**
 * What delivery can throw at the engine: duplicates, replays, old and future epochs, other groups,
 * garbage. Each gets a typed error and leaves the state usable.
 */
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import {
  createGroup,
  encrypt,
  epoch,
  exporterSecret,
  type GroupState,
  isMlsEngineError,
  peekMessage,
  process,
  selfUpdate,
} from "../../src/mls/index.ts";
import { failureCode, groupOf, person, text, untext } from "./helpers.ts";

describe("replays and out-of-order delivery", () => {
  it("a duplicated application message is refused the second time; the state goes on", async () => {
    const [alice, bob] = [person("alice"), person("bob")];
    const { states } = await groupOf(alice, [bob]);
    let a = states.get("alice") as GroupState;
    let b = states.get("bob") as GroupState;
    const m1 = await encrypt(a, text("one"));
    a = m1.state;
    b = (await process(b, m1.message)).state;
    expect(await failureCode(b, m1.message)).toBe("already-processed");
    // The sender's own copy coming back from a relay is refused too.
    expect(await failureCode(a, m1.message)).toBe("already-processed");
    const m2 = await encrypt(a, text("two"));
    const r2 = await process(b, m2.message);
    expect(r2.result.kind === "application" && untext(r2.result.plaintext)).toBe("two");
  });

  it("messages of one sender may arrive out of order", async () => {
    const [alice, bob] = [person("alice"), person("bob")];
    const { states } = await groupOf(alice, [bob]);
    let a = states.get("alice") as GroupState;
    let b = states.get("bob") as GroupState;
    const sent: Uint8Array[] = [];
    for (let i = 0; i < 5; i++) {
      const m = await encrypt(a, text(`m${i}`));
      a = m.state;
      sent.push(m.message);
    }
    const got: string[] = [];
    for (const i of [4, 0, 3, 1, 2]) {
      const r = await process(b, sent[i] as Uint8Array);
      b = r.state;
      if (r.result.kind === "application") got.push(untext(r.result.plaintext));
    }
    expect(got).toEqual(["m4", "m0", "m3", "m1", "m2"]);
    for (const m of sent) expect(await failureCode(b, m)).toBe("already-processed");
  });

  it("a commit processed twice is an old-epoch change; a future one waits", async () => {
    const [alice, bob] = [person("alice"), person("bob")];
    const { states } = await groupOf(alice, [bob]);
    const a = states.get("alice") as GroupState;
    const b = states.get("bob") as GroupState;
    const c1 = await selfUpdate(a);
    const c2 = await selfUpdate(c1.state);
    expect(await failureCode(b, c2.commit)).toBe("future-epoch");
    const b1 = (await process(b, c1.commit)).state;
    expect(await failureCode(b1, c1.commit)).toBe("old-epoch");
    const b2 = (await process(b1, c2.commit)).state;
    expect(epoch(b2)).toBe(3);
    expect(await exporterSecret(b2)).toEqual(await exporterSecret(c2.state));
  });

  it("late application messages of a retained past epoch still decrypt", async () => {
    const [alice, bob] = [person("alice"), person("bob")];
    const { states } = await groupOf(alice, [bob]);
    let a = states.get("alice") as GroupState;
    let b = states.get("bob") as GroupState;
    const late = await encrypt(a, text("sent before the commit"));
    a = late.state;
    const c = await selfUpdate(a);
    b = (await process(b, c.commit)).state;
    const r = await process(b, late.message);
    expect(r.result).toMatchObject({ kind: "application", sender: alice.pubkey, epoch: 1 });
    // Past the retention window (3 epochs) it is an old-epoch message.
    let s = c.state;
    const old = await encrypt(s, text("old"));
    s = old.state;
    for (let i = 0; i < 4; i++) {
      const u = await selfUpdate(s);
      s = u.state;
      b = (await process(b, u.commit)).state;
    }
    expect(await failureCode(b, old.message)).toBe("old-epoch");
  });

  it("messages of another group are refused", async () => {
    const [alice, bob] = [person("alice"), person("bob")];
    const { states } = await groupOf(alice, [bob]);
    const other = await createGroup(alice.device, { name: "Other" });
    const m = await encrypt(other, text("x"));
    expect(await failureCode(states.get("bob") as GroupState, m.message)).toBe("wrong-group");
  });

  it("peekMessage reads epoch and kind without decrypting", async () => {
    const [alice, bob] = [person("alice"), person("bob")];
    const { states } = await groupOf(alice, [bob]);
    const a = states.get("alice") as GroupState;
    const m = await encrypt(a, text("x"));
    expect(peekMessage(m.message)).toMatchObject({ kind: "application", epoch: 1 });
    expect(peekMessage((await selfUpdate(a)).commit)).toMatchObject({ kind: "commit", epoch: 1 });
  });

  it("garbage, truncations and bit flips only ever give typed errors", async () => {
    const [alice, bob] = [person("alice"), person("bob")];
    const { states } = await groupOf(alice, [bob]);
    const a = states.get("alice") as GroupState;
    const b = states.get("bob") as GroupState;
    const m = await encrypt(a, text("a message that will be damaged"));
    const c = await selfUpdate(a);
    const valid = [m.message, c.commit];
    await fc.assert(
      fc.asyncProperty(
        fc.oneof(
          fc.uint8Array({ maxLength: 300 }),
          fc.record({ which: fc.nat(1), cut: fc.nat() }).map(({ which, cut }) => {
            const v = valid[which] as Uint8Array;
            return v.subarray(0, cut % v.length);
          }),
          fc.record({ which: fc.nat(1), at: fc.nat(), bit: fc.nat(7) }).map(({ which, at, bit }) => {
            const v = (valid[which] as Uint8Array).slice();
            const i = at % v.length;
            v[i] = (v[i] as number) ^ (1 << bit);
            return v;
          }),
        ),
        async (bytes) => {
          try {
            await process(b, bytes);
            return false; // a damaged message must never be accepted
          } catch (e) {
            return isMlsEngineError(e);
          }
        },
      ),
      { numRuns: 150 },
    );
    // The undamaged messages still work afterwards: nothing was consumed by the failures.
    const r = await process(b, m.message);
    expect(r.result.kind).toBe("application");
  });
});
