/**
 * Rally's patches to ts-mls (scripts/patch-ts-mls.mjs) that make each message cheaper: they must be
 * installed, and they must not change a byte. The KDFLabel and SignContent builders are compared
 * with ts-mls's own encoders at every length where the encoding changes shape; the GroupContext
 * kept per object must never stand in for a context whose fields changed. (The RFC 9420 vectors in
 * backendConformance.ts check the same code against published bytes.)
 */
import { execFileSync } from "node:child_process";
import { fileURLToPath } from "node:url";
import { generateSecretKey } from "nostr-tools/pure";
import {
  contentTypes,
  encode,
  type FramedContent,
  type GroupContext,
  type Kdf,
  type Signature,
  senderTypes,
  wireformats,
} from "ts-mls";
import { describe, expect, it } from "vitest";
import { uint16Encoder } from "../../node_modules/ts-mls/dist/src/codec/number.js";
import { composeBufferEncoders } from "../../node_modules/ts-mls/dist/src/codec/tlsEncoder.js";
import { varLenDataEncoder } from "../../node_modules/ts-mls/dist/src/codec/variableLength.js";
import { expandWithLabel } from "../../node_modules/ts-mls/dist/src/crypto/kdf.js";
import { signWithLabel, verifyWithLabel } from "../../node_modules/ts-mls/dist/src/crypto/signature.js";
import {
  framedContentTBSEncoder,
  verifyFramedContentSignature,
} from "../../node_modules/ts-mls/dist/src/framedContent.js";
import { groupContextEncoder } from "../../node_modules/ts-mls/dist/src/groupContext.js";
import { rallyCiphersuite } from "../../src/mls/cryptoProvider.ts";
import { createDeviceIdentity, createGroup } from "../../src/mls/index.ts";
import { unwrapState } from "../../src/mls/state.ts";

const root = fileURLToPath(new URL("../../../../", import.meta.url));

it("every ts-mls patch is installed (node scripts/patch-ts-mls.mjs --check)", () => {
  const out = execFileSync(process.execPath, ["scripts/patch-ts-mls.mjs", "--check"], {
    cwd: root,
    encoding: "utf8",
  });
  expect(out).toMatch(/all \d+ patches in place/);
});

const bytes = (n: number, seed = 1): Uint8Array =>
  Uint8Array.from({ length: n }, (_, i) => (i * 31 + seed) & 0xff);
// Label lengths around 64 bytes once "MLS 1.0 " is prepended; context lengths around each varint step.
const LABELS = ["key", "nonce", "secret", "tree", "x".repeat(55), "x".repeat(56), "y".repeat(200)];
const CONTEXTS = [0, 1, 4, 63, 64, 65, 300, 16383, 16384, 20000];
const LENGTHS = [0, 12, 16, 32, 255, 256, 8160, 65535, 65536];

describe("KDFLabel (RFC 9420 §8) written directly", () => {
  it("gives the bytes of ts-mls's encoder for every label, context and output length", async () => {
    const reference = composeBufferEncoders([uint16Encoder, varLenDataEncoder, varLenDataEncoder]);
    const seen: Uint8Array[] = [];
    const recording: Kdf = {
      extract: async () => new Uint8Array(32),
      expand: async (_prk, info) => {
        seen.push(info);
        return new Uint8Array(32);
      },
      size: 32,
    };
    for (const label of LABELS)
      for (const n of CONTEXTS)
        for (const length of LENGTHS) {
          const context = bytes(n, length);
          seen.length = 0;
          await expandWithLabel(new Uint8Array(32), label, context, length, recording);
          const expected = encode(reference, [length, new TextEncoder().encode(`MLS 1.0 ${label}`), context]);
          const same = seen[0] !== undefined && Buffer.from(seen[0]).equals(expected);
          expect(same, `${label.length}-char label, ${n}-byte context, length ${length}`).toBe(true);
        }
  });
});

describe("SignContent (RFC 9420 §5.1.2) with labels encoded once", () => {
  it("signs and checks exactly ts-mls's encoding", async () => {
    const reference = composeBufferEncoders([varLenDataEncoder, varLenDataEncoder]);
    const seen: Uint8Array[] = [];
    const recording: Signature = {
      sign: async (_key, message) => {
        seen.push(message);
        return new Uint8Array(64);
      },
      verify: async (_key, message) => {
        seen.push(message);
        return true;
      },
      keygen: async () => ({ signKey: new Uint8Array(32), publicKey: new Uint8Array(32) }),
    };
    for (const label of ["FramedContentTBS", "LeafNodeTBS", "z".repeat(100)])
      for (const n of [0, 63, 64, 16383, 16384]) {
        const content = bytes(n);
        const expected = encode(reference, [new TextEncoder().encode(`MLS 1.0 ${label}`), content]);
        seen.length = 0;
        await signWithLabel(new Uint8Array(32), label, content, recording);
        await verifyWithLabel(new Uint8Array(32), label, content, new Uint8Array(64), recording);
        expect(seen).toEqual([expected, expected]);
      }
  });
});

describe("the GroupContext encoding kept per object", () => {
  const groupContext = async (): Promise<GroupContext> => {
    const state = await createGroup(createDeviceIdentity(generateSecretKey()), {
      name: "Patches",
      relays: ["wss://relay.example.org"],
    });
    return unwrapState(state).groupContext;
  };
  const content = (gc: GroupContext): FramedContent => ({
    groupId: gc.groupId,
    epoch: gc.epoch,
    sender: { senderType: senderTypes.member, leafIndex: 0 },
    authenticatedData: new Uint8Array(0),
    contentType: contentTypes.application,
    applicationData: bytes(40),
  });
  const tbsContext = (fc: FramedContent, gc: GroupContext): Uint8Array => {
    const tbs = encode(framedContentTBSEncoder, {
      protocolVersion: gc.version,
      wireformat: wireformats.mls_private_message,
      content: fc,
      senderType: senderTypes.member,
      context: gc,
    });
    const own = encode(groupContextEncoder, gc);
    return tbs.subarray(tbs.length - own.length);
  };

  it("is the context's own encoding, also after one of its fields was replaced", async () => {
    const gc = await groupContext();
    const fc = content(gc);
    expect(tbsContext(fc, gc)).toEqual(encode(groupContextEncoder, gc));
    expect(tbsContext(fc, gc)).toEqual(encode(groupContextEncoder, gc)); // second time: from the cache
    // The same object with another field (ts-mls never does this, the cache must still notice).
    const mutable = gc as { -readonly [K in keyof GroupContext]: GroupContext[K] };
    for (const change of [
      () => {
        mutable.epoch = gc.epoch + 1n;
      },
      () => {
        mutable.treeHash = bytes(32, 7);
      },
      () => {
        mutable.confirmedTranscriptHash = bytes(32, 9);
      },
      () => {
        mutable.extensions = [];
      },
    ]) {
      const before = encode(groupContextEncoder, gc);
      change();
      const after = encode(groupContextEncoder, gc);
      expect(after).not.toEqual(before);
      expect(tbsContext(fc, gc)).toEqual(after);
    }
  });

  it("never lets a signature made under one context pass under another", async () => {
    const cs = await rallyCiphersuite();
    const { signKey, publicKey } = await cs.signature.keygen();
    const gc = await groupContext();
    const fc = content(gc);
    const tbs = encode(framedContentTBSEncoder, {
      protocolVersion: gc.version,
      wireformat: wireformats.mls_private_message,
      content: fc,
      senderType: senderTypes.member,
      context: gc,
    });
    const signature = await signWithLabel(signKey, "FramedContentTBS", tbs, cs.signature);
    const auth = { contentType: contentTypes.application, signature } as const;
    const check = (ctx: GroupContext) =>
      verifyFramedContentSignature(publicKey, wireformats.mls_private_message, fc, auth, ctx, cs.signature);
    expect(await check(gc)).toBe(true);
    expect(await check({ ...gc, epoch: gc.epoch + 1n })).toBe(false);
    expect(await check({ ...gc, treeHash: bytes(32, 3) })).toBe(false);
    expect(await check(gc)).toBe(true);
  });
});
