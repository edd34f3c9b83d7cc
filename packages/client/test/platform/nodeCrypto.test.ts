/**
 * The Node MLS crypto backend runs the protocol's backend conformance suite (RFC 9420 suite-1
 * vectors, agreement with @noble, tampering refused), and the engine gives byte-identical messages
 * on it and on the portable backend: sealed by one, read by the other, both ways; forged or damaged
 * messages are still refused, one at a time and in batches.
 */
import {
  configureMls,
  encrypt,
  type GroupState,
  type MlsCryptoBackend,
  type MlsEngineOptions,
  process,
  processBatch,
} from "@rally/protocol/mls";
import { afterAll, describe, expect, it } from "vitest";
import { generateDeviceKeyPair } from "../../../protocol/src/mls/device.ts";
import { unwrapState, wrapState } from "../../../protocol/src/mls/state.ts";
import { backendConformance } from "../../../protocol/test/mls/backendConformance.ts";
import { groupOf, person, text, untext } from "../../../protocol/test/mls/helpers.ts";
import { nodeCryptoBackend } from "../../src/platform/node/nodeCrypto.ts";

backendConformance("the Node backend", async () => nodeCryptoBackend());
// Its thread-pool check, run through the same suite in place of the calling-thread one.
backendConformance("the Node backend's thread-pool Ed25519 check", async () => {
  const b = nodeCryptoBackend();
  expect(b.ed25519VerifyOffThread).toBeDefined();
  return { ...b, ed25519Verify: b.ed25519VerifyOffThread ?? b.ed25519Verify };
});

const node: MlsCryptoBackend = nodeCryptoBackend();
const backends: [string, MlsEngineOptions][] = [
  ["portable", {}],
  ["node", { crypto: node }],
];

/** A fixed "random" source, so two backends sealing the same state must produce the same bytes. */
const fixedRandom = (n: number) => new Uint8Array(n).fill(0x5a);

async function threeMembers(): Promise<{ alice: GroupState; bob: GroupState; carol: GroupState }> {
  const [a, b, c] = [person("alice"), person("bob"), person("carol")];
  const { states } = await groupOf(a, [b, c]);
  return {
    alice: states.get("alice") as GroupState,
    bob: states.get("bob") as GroupState,
    carol: states.get("carol") as GroupState,
  };
}

afterAll(() => configureMls());

describe("the engine on the Node backend and on the portable one", () => {
  it("seals byte-identical messages from the same state", async () => {
    configureMls();
    const { alice } = await threeMembers();
    const sealed: Uint8Array[] = [];
    let nodeSigned = 0;
    const counted: MlsCryptoBackend = {
      ...node,
      ed25519Sign: (seed, message) => {
        nodeSigned++;
        return node.ed25519Sign(seed, message);
      },
    };
    for (const options of [{}, { crypto: counted }]) {
      configureMls({ ...options, random: fixedRandom });
      sealed.push((await encrypt(alice, text("same bytes either way"))).message);
    }
    // The second message really was signed by the Node backend.
    expect(nodeSigned).toBe(1);
    expect(sealed[0]?.length).toBeGreaterThan(100);
    expect(sealed[1]).toEqual(sealed[0]);
  });

  for (const [from, fromOptions] of backends) {
    for (const [to, toOptions] of backends) {
      if (from === to) continue;
      it(`messages sealed on ${from} are read on ${to}, one at a time and in a batch`, async () => {
        configureMls();
        let { alice, bob, carol } = await threeMembers();
        configureMls(fromOptions);
        const sent: Uint8Array[] = [];
        for (let i = 0; i < 12; i++) {
          const m = await encrypt(i % 3 ? alice : bob, text(`m${i}`));
          if (i % 3) alice = m.state;
          else bob = m.state;
          sent.push(m.message);
        }
        configureMls(toOptions);
        const read: string[] = [];
        for (const m of sent) {
          const out = await process(carol, m);
          carol = out.state;
          if (out.result.kind === "application") read.push(untext(out.result.plaintext));
        }
        expect(read).toEqual(sent.map((_, i) => `m${i}`));
        // Bob reads Alice's messages in one batch (his own are already spent: refused as processed).
        const batch = await processBatch(bob, sent);
        expect(batch.results.map((r) => (r.ok ? "ok" : r.error.code))).toEqual(
          sent.map((_, i) => (i % 3 ? "ok" : "already-processed")),
        );
      });
    }
  }

  it("single messages verify on the calling thread, batches on the thread pool", async () => {
    configureMls();
    let { alice, carol } = await threeMembers();
    const sent: Uint8Array[] = [];
    for (let i = 0; i < 5; i++) {
      const m = await encrypt(alice, text(`p${i}`));
      alice = m.state;
      sent.push(m.message);
    }
    const calls = { here: 0, pool: 0 };
    configureMls({
      crypto: {
        ...node,
        ed25519Verify: (k, m, s) => {
          calls.here++;
          return node.ed25519Verify(k, m, s);
        },
        ed25519VerifyOffThread: (k, m, s) => {
          calls.pool++;
          return node.ed25519VerifyOffThread?.(k, m, s) ?? Promise.resolve(false);
        },
      },
    });
    const batch = await processBatch(carol, sent.slice(0, 4));
    expect(batch.results.every((r) => r.ok)).toBe(true);
    expect(calls).toEqual({ here: 0, pool: 4 });
    carol = batch.state;
    await process(carol, sent[4] as Uint8Array);
    expect(calls).toEqual({ here: 1, pool: 4 });
  });

  it("on the Node backend, a damaged message or a wrong signature is refused", async () => {
    configureMls();
    let { alice, carol } = await threeMembers();
    configureMls({ crypto: node });
    const good1 = await encrypt(alice, text("good 1"));
    alice = good1.state;
    // Alice's client signs with a key that is not her leaf's: the encryption is valid, the signature not.
    const forged = await encrypt(
      wrapState({ ...unwrapState(alice), signaturePrivateKey: generateDeviceKeyPair().signaturePrivateKey }),
      text("forged"),
    );
    alice = wrapState({
      ...unwrapState(forged.state),
      signaturePrivateKey: unwrapState(alice).signaturePrivateKey,
    });
    const good2 = await encrypt(alice, text("good 2"));

    await expect(process(carol, forged.message)).rejects.toMatchObject({ code: "decrypt-failed" });
    // The content (signature included) and its tag are covered by AEAD: a flipped bit anywhere there fails.
    expect(good1.message.length).toBeGreaterThan(100);
    for (const at of [good1.message.length - 1, good1.message.length - 20, good1.message.length - 80]) {
      const damaged = good1.message.slice();
      damaged[at] = (damaged[at] as number) ^ 0x01;
      await expect(process(carol, damaged)).rejects.toMatchObject({ code: "decrypt-failed" });
    }

    for (const offThread of [true, false]) {
      configureMls({ crypto: nodeCryptoBackend({ offThread }) });
      const out = await processBatch(carol, [good1.message, forged.message, good2.message]);
      expect(
        out.results.map((r) =>
          r.ok && r.result.kind === "application" ? untext(r.result.plaintext) : r.ok ? "?" : r.error.code,
        ),
      ).toEqual(["good 1", "decrypt-failed", "good 2"]);
    }
    const first = await process(carol, good1.message);
    carol = first.state;
    // A replay of the same generation is refused too.
    await expect(process(carol, good1.message)).rejects.toMatchObject({ code: "already-processed" });
  });
});
