/**
 * RFC 9420 test vectors (mlswg/mls-implementations, as shipped with ts-mls at tag v2.0.0-rc.10,
 * commit 6244d4e5), ciphersuite 0x0001 entries, run against Rally's own ciphersuite implementation
 * (`cryptoProvider.ts`: @noble HKDF/HMAC/SHA-256/AES-GCM, cached WebCrypto Ed25519) — so replacing
 * ts-mls's default crypto did not change a single output. The protocol-level helpers (labels,
 * message protection) are ts-mls's own internals, imported by path because the package exports
 * only its root.
 */
import { hexToBytes } from "@noble/hashes/utils.js";
import {
  contentTypes,
  defaultCapabilities,
  defaultCredentialTypes,
  leafNodeSources,
  nodeTypes,
  protocolVersions,
  type RatchetTree,
} from "ts-mls";
import { describe, expect, it } from "vitest";
import { refhash } from "../../node_modules/ts-mls/dist/src/crypto/hash.js";
import { decryptWithLabel } from "../../node_modules/ts-mls/dist/src/crypto/hpke.js";
import {
  deriveSecret,
  deriveTreeSecret,
  expandWithLabel,
} from "../../node_modules/ts-mls/dist/src/crypto/kdf.js";
import { signWithLabel, verifyWithLabel } from "../../node_modules/ts-mls/dist/src/crypto/signature.js";
import { unprotectPrivateMessage } from "../../node_modules/ts-mls/dist/src/messageProtection.js";
import { createSecretTree } from "../../node_modules/ts-mls/dist/src/secretTree.js";
import { nobleEd25519, rallyCiphersuite } from "../../src/mls/cryptoProvider.ts";
import { decodeMlsMessage } from "../../src/mls/mlsCodec.ts";
import basics from "./vectors/crypto-basics-suite1.json" with { type: "json" };
import protection from "./vectors/message-protection-suite1.json" with { type: "json" };

const h = hexToBytes;
const v = basics[0] as (typeof basics)[0];
const p = protection[0] as (typeof protection)[0];

describe("RFC 9420 crypto-basics vectors (suite 1) on Rally's crypto", () => {
  for (const variant of ["webcrypto", "noble"] as const) {
    it(`match with ${variant} signatures`, async () => {
      const cs = await rallyCiphersuite(variant === "noble" ? { nobleSignatures: true } : {});
      if (variant === "noble") expect(cs.signature).toBe(nobleEd25519);
      expect(await refhash(v.ref_hash.label, h(v.ref_hash.value), cs.hash)).toEqual(h(v.ref_hash.out));
      const e = v.expand_with_label;
      expect(await expandWithLabel(h(e.secret), e.label, h(e.context), e.length, cs.kdf)).toEqual(h(e.out));
      expect(await deriveSecret(h(v.derive_secret.secret), v.derive_secret.label, cs.kdf)).toEqual(
        h(v.derive_secret.out),
      );
      const t = v.derive_tree_secret;
      expect(await deriveTreeSecret(h(t.secret), t.label, t.generation, t.length, cs.kdf)).toEqual(h(t.out));
      const s = v.sign_with_label;
      expect(await verifyWithLabel(h(s.pub), s.label, h(s.content), h(s.signature), cs.signature)).toBe(true);
      // Ed25519 is deterministic: our signer reproduces the vector's signature exactly.
      expect(await signWithLabel(h(s.priv), s.label, h(s.content), cs.signature)).toEqual(h(s.signature));
      const bad = h(s.signature);
      bad[0] = (bad[0] as number) ^ 1;
      expect(await verifyWithLabel(h(s.pub), s.label, h(s.content), bad, cs.signature)).toBe(false);
      const x = v.encrypt_with_label;
      const priv = await cs.hpke.importPrivateKey(h(x.priv));
      expect(
        await decryptWithLabel(priv, x.label, h(x.context), h(x.kem_output), h(x.ciphertext), cs.hpke),
      ).toEqual(h(x.plaintext));
    });
  }
});

describe("RFC 9420 message-protection vector (suite 1) on Rally's crypto", () => {
  it("decrypts and verifies the private application, proposal and commit messages", async () => {
    const cs = await rallyCiphersuite();
    const gc = {
      version: protocolVersions.mls10,
      cipherSuite: 1,
      groupId: h(p.group_id),
      epoch: BigInt(p.epoch),
      treeHash: h(p.tree_hash),
      confirmedTranscriptHash: h(p.confirmed_transcript_hash),
      extensions: [],
    };
    // The vector's sender is leaf 1; sender data validation wants a non-blank leaf there.
    const tree: RatchetTree = [
      undefined,
      undefined,
      {
        nodeType: nodeTypes.leaf,
        leaf: {
          leafNodeSource: leafNodeSources.commit,
          hpkePublicKey: new Uint8Array(),
          signaturePublicKey: new Uint8Array(),
          capabilities: defaultCapabilities(),
          parentHash: new Uint8Array(),
          extensions: [],
          signature: new Uint8Array(),
          credential: { credentialType: defaultCredentialTypes.basic, identity: new Uint8Array() },
        },
      },
    ];
    const retention = {
      retainKeysForEpochs: 1,
      retainKeysForGenerations: 10,
      maximumForwardRatchetSteps: 200,
    };
    const open = async (hex: string) => {
      const msg = decodeMlsMessage(h(hex));
      if (!("privateMessage" in msg)) throw new Error("expected a private message");
      return unprotectPrivateMessage(
        h(p.sender_data_secret),
        msg.privateMessage,
        createSecretTree(2, h(p.encryption_secret)),
        tree,
        gc,
        retention,
        cs,
        h(p.signature_pub),
      );
    };
    const app = await open(p.application_priv);
    expect(app.content.content.contentType).toBe(contentTypes.application);
    if (app.content.content.contentType === contentTypes.application) {
      expect(app.content.content.applicationData).toEqual(h(p.application));
    }
    expect((await open(p.proposal_priv)).content.content.contentType).toBe(contentTypes.proposal);
    expect((await open(p.commit_priv)).content.content.contentType).toBe(contentTypes.commit);
    // One flipped ciphertext bit and the message is refused.
    const damaged = h(p.application_priv);
    damaged[damaged.length - 1] = (damaged[damaged.length - 1] as number) ^ 1;
    await expect(open(Buffer.from(damaged).toString("hex"))).rejects.toThrow();
  });
});
