/**
 * Data keys in Node, over OpenSSL (`node:crypto`): AES-256-GCM for sealing and HMAC-SHA-256 for
 * blinding, in the format of `store/dataKey.ts`. Without a passphrase the key is kept in the vault
 * record itself, beside the data: the files alone then open everything, which Rally says plainly
 * (`security().protection === "device"`).
 *
 * Runs in: Node.
 */
import { createCipheriv, createDecipheriv, createHmac, randomBytes } from "node:crypto";
import {
  DATA_KEY_BYTES,
  type DataKey,
  type DataKeys,
  NONCE_BYTES,
  SEAL_VERSION,
  TAG_BYTES,
} from "../../store/dataKey.ts";

const REF_PREFIX = "raw:";

export function nodeDataKeys(): DataKeys {
  return {
    async fromRaw(raw, blindSecret) {
      return nodeDataKey(raw, blindSecret);
    },
    async keep(raw, blindSecret) {
      return REF_PREFIX + Buffer.from(raw).toString("hex") + Buffer.from(blindSecret).toString("hex");
    },
    async load(reference) {
      const hex = reference.startsWith(REF_PREFIX) ? reference.slice(REF_PREFIX.length) : "";
      if (!/^[0-9a-f]{128}$/.test(hex)) throw new Error("The device key reference is damaged.");
      const bytes = Buffer.from(hex, "hex");
      return nodeDataKey(bytes.subarray(0, DATA_KEY_BYTES), bytes.subarray(DATA_KEY_BYTES));
    },
    async forget() {
      // The reference is the key: overwriting the vault record destroys it.
    },
    async forgetAll() {},
  };
}

function nodeDataKey(raw: Uint8Array, blindSecret: Uint8Array): DataKey {
  if (raw.length !== DATA_KEY_BYTES || blindSecret.length !== DATA_KEY_BYTES) {
    throw new Error(`A data key is ${DATA_KEY_BYTES} bytes.`);
  }
  // Copies held by this closure only; the caller's arrays may be wiped.
  const key = Buffer.from(raw);
  const macKey = Buffer.from(blindSecret);
  return {
    async seal(plain, ad) {
      const nonce = randomBytes(NONCE_BYTES);
      const cipher = createCipheriv("aes-256-gcm", key, nonce);
      cipher.setAAD(Buffer.from(ad, "utf8"));
      const body = Buffer.concat([cipher.update(plain), cipher.final()]);
      const out = new Uint8Array(1 + NONCE_BYTES + body.length + TAG_BYTES);
      out[0] = SEAL_VERSION;
      out.set(nonce, 1);
      out.set(body, 1 + NONCE_BYTES);
      out.set(cipher.getAuthTag(), 1 + NONCE_BYTES + body.length);
      return out;
    },
    async open(sealed, ad) {
      if (sealed.length < 1 + NONCE_BYTES + TAG_BYTES || sealed[0] !== SEAL_VERSION) {
        throw new Error("not a sealed value");
      }
      const nonce = sealed.subarray(1, 1 + NONCE_BYTES);
      const tag = sealed.subarray(sealed.length - TAG_BYTES);
      const decipher = createDecipheriv("aes-256-gcm", key, nonce);
      decipher.setAAD(Buffer.from(ad, "utf8"));
      decipher.setAuthTag(tag);
      const body = decipher.update(sealed.subarray(1 + NONCE_BYTES, sealed.length - TAG_BYTES));
      const last = decipher.final();
      return last.length === 0 ? new Uint8Array(body) : new Uint8Array(Buffer.concat([body, last]));
    },
    async blind(text) {
      return createHmac("sha256", macKey).update(text, "utf8").digest("hex");
    },
  };
}
