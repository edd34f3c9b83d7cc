/**
 * The conformance suite every `MlsCryptoBackend` runs (the portable ones here in `vectors.test.ts`,
 * native ones where they live): RFC 9420 test vectors (mlswg/mls-implementations, as shipped with
 * ts-mls at tag v2.0.0-rc.10, commit 6244d4e5), ciphersuite 0x0001 entries, through Rally's
 * ciphersuite on that backend — so replacing ts-mls's default crypto did not change a single output —
 * and agreement with @noble on random inputs. The protocol-level helpers (labels, message
 * protection) are ts-mls's own internals, imported by path because the package exports only its root.
 */
import { ed25519 } from "@noble/curves/ed25519.js";
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
import { type MlsCryptoBackend, nobleBackend } from "../../src/mls/cryptoBackend.ts";
import { rallyCiphersuite } from "../../src/mls/cryptoProvider.ts";
import { decodeMlsMessage } from "../../src/mls/mlsCodec.ts";
import basics from "./vectors/crypto-basics-suite1.json" with { type: "json" };
import protection from "./vectors/message-protection-suite1.json" with { type: "json" };

const h = hexToBytes;
const v = basics[0] as (typeof basics)[0];
const p = protection[0] as (typeof protection)[0];

/**
 * Registers the conformance suite for one backend: the RFC 9420 vectors through Rally's ciphersuite
 * on that backend, then agreement with @noble on random inputs, both ways, and refusal of tampering.
 */
export function backendConformance(label: string, makeBackend: () => Promise<MlsCryptoBackend>): void {
  describe(`RFC 9420 crypto-basics vectors (suite 1) on ${label}`, () => {
    it("match", async () => {
      const backend = await makeBackend();
      const cs = await rallyCiphersuite({ backend });
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
  });

  describe(`RFC 9420 message-protection vector (suite 1) on ${label}`, () => {
    it("decrypts and verifies the private application, proposal and commit messages", async () => {
      const cs = await rallyCiphersuite({ backend: await makeBackend() });
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

  describe(`${label} agrees with @noble`, () => {
    const random = (n: number) => crypto.getRandomValues(new Uint8Array(n));
    it("on hashes, HKDF and AES-GCM, sealing with either and opening with the other", async () => {
      const b = await makeBackend();
      for (let i = 0; i < 20; i++) {
        const data = random(i * 37);
        const key = random(i % 2 ? 32 : 13);
        expect(await b.sha256(data)).toEqual(nobleBackend.sha256(data));
        expect(await b.hmacSha256(key, data)).toEqual(nobleBackend.hmacSha256(key, data));
        expect(await b.hkdfExtract(key, data)).toEqual(nobleBackend.hkdfExtract(key, data));
        expect(await b.hkdfExtract(new Uint8Array(0), data)).toEqual(
          nobleBackend.hkdfExtract(new Uint8Array(0), data),
        );
        const len = [12, 16, 32, 33, 64, 100][i % 6] as number;
        expect(await b.hkdfExpand(key, data.subarray(0, 40), len)).toEqual(
          nobleBackend.hkdfExpand(key, data.subarray(0, 40), len),
        );
        const [k, n, aad] = [random(16), random(12), random(i)];
        const sealed = await b.aesGcmSeal(k, n, aad, data);
        expect(sealed).toEqual(nobleBackend.aesGcmSeal(k, n, aad, data));
        expect(await b.aesGcmOpen(k, n, aad, nobleBackend.aesGcmSeal(k, n, aad, data))).toEqual(data);
        expect(nobleBackend.aesGcmOpen(k, n, aad, sealed)).toEqual(data);
      }
    });

    it("refuses a flipped bit anywhere in an AES-GCM message, its AAD or a short input", async () => {
      const b = await makeBackend();
      const [k, n, aad, pt] = [random(16), random(12), random(20), random(64)];
      const sealed = await b.aesGcmSeal(k, n, aad, pt);
      for (const at of [0, 31, sealed.length - 17, sealed.length - 16, sealed.length - 1]) {
        const bad = sealed.slice();
        bad[at] = (bad[at] as number) ^ 0x01;
        await expect(async () => b.aesGcmOpen(k, n, aad, bad)).rejects.toThrow();
      }
      const badAad = aad.slice();
      badAad[3] = (badAad[3] as number) ^ 0x80;
      await expect(async () => b.aesGcmOpen(k, n, badAad, sealed)).rejects.toThrow();
      await expect(async () => b.aesGcmOpen(k, n, aad, sealed.subarray(0, 15))).rejects.toThrow();
    });

    it("on Ed25519: same signatures, each verifies the other's, refuses tampering and bad shapes", async () => {
      const b = await makeBackend();
      for (let i = 0; i < 8; i++) {
        const seed = random(32);
        const pub = ed25519.getPublicKey(seed);
        const msg = random(i * 50);
        const sig = await b.ed25519Sign(seed, msg);
        expect(sig).toEqual(nobleBackend.ed25519Sign(seed, msg));
        expect(await b.ed25519Verify(pub, msg, sig)).toBe(true);
        expect(nobleBackend.ed25519Verify(pub, msg, sig)).toBe(true);
        // A restored state carries new arrays: the same key as a copy verifies too.
        expect(await b.ed25519Verify(pub.slice(), msg, sig.slice())).toBe(true);
        const badSig = sig.slice();
        badSig[i] = (badSig[i] as number) ^ 4;
        expect(await b.ed25519Verify(pub, msg, badSig)).toBe(false);
        if (msg.length > 0) {
          const badMsg = msg.slice();
          badMsg[0] = (badMsg[0] as number) ^ 1;
          expect(await b.ed25519Verify(pub, badMsg, sig)).toBe(false);
        }
        expect(await b.ed25519Verify(ed25519.getPublicKey(random(32)), msg, sig)).toBe(false);
      }
      const msg = random(10);
      const sig = nobleBackend.ed25519Sign(random(32), msg);
      // Not a curve point, all zero, wrong lengths: false through the ciphersuite, never an exception.
      const cs = await rallyCiphersuite({ backend: b });
      expect(await cs.signature.verify(new Uint8Array(32).fill(0xff), msg, sig)).toBe(false);
      expect(await cs.signature.verify(new Uint8Array(32), msg, sig)).toBe(false);
      expect(await cs.signature.verify(new Uint8Array(31), msg, sig)).toBe(false);
      expect(await cs.signature.verify(ed25519.getPublicKey(random(32)), msg, sig.subarray(0, 63))).toBe(
        false,
      );
    });
  });
}
