/**
 * Data keys in browsers, over WebCrypto: AES-256-GCM for sealing and HMAC-SHA-256 for blinding,
 * in the format of `store/dataKey.ts`. Every key is imported as non-extractable, so script on the
 * page can use it but never read it out. Without a passphrase the two keys are kept as `CryptoKey`
 * objects (structured clones keep them non-extractable) in a small IndexedDB database of their
 * own, `<store>-keys`, which erasing deletes first.
 *
 * Runs in: browsers (windows and workers).
 */
import { deleteDB, openDB } from "idb";
import { type DataKey, type DataKeys, NONCE_BYTES, SEAL_VERSION, TAG_BYTES } from "../../store/dataKey.ts";

const REF_PREFIX = "idb:";
const KEYS = "keys";

interface KeptKey {
  seal: CryptoKey;
  mac: CryptoKey;
}

export function webDataKeys(storeName: string): DataKeys {
  const dbName = `${storeName}-keys`;
  const open = () =>
    openDB(dbName, 1, {
      upgrade: (db) => {
        db.createObjectStore(KEYS);
      },
    });
  return {
    async fromRaw(raw, blindSecret) {
      return webDataKey(await importKeys(raw, blindSecret));
    },
    async keep(raw, blindSecret) {
      const keys = await importKeys(raw, blindSecret);
      const id = Array.from(crypto.getRandomValues(new Uint8Array(16)), (b) =>
        b.toString(16).padStart(2, "0"),
      ).join("");
      const db = await open();
      try {
        await db.put(KEYS, keys, id);
      } finally {
        db.close();
      }
      return REF_PREFIX + id;
    },
    async load(reference) {
      const db = await open();
      try {
        const keys = (await db.get(KEYS, reference.slice(REF_PREFIX.length))) as KeptKey | undefined;
        if (!keys) throw new Error("This browser no longer holds the key to Rally's data.");
        return webDataKey(keys);
      } finally {
        db.close();
      }
    },
    async forget(reference) {
      const db = await open();
      try {
        await db.delete(KEYS, reference.slice(REF_PREFIX.length));
      } finally {
        db.close();
      }
    },
    async forgetAll() {
      await deleteDB(dbName);
    },
  };
}

async function importKeys(raw: Uint8Array, blindSecret: Uint8Array): Promise<KeptKey> {
  const [seal, mac] = await Promise.all([
    crypto.subtle.importKey("raw", raw.slice(), { name: "AES-GCM" }, false, ["encrypt", "decrypt"]),
    crypto.subtle.importKey("raw", blindSecret.slice(), { name: "HMAC", hash: "SHA-256" }, false, ["sign"]),
  ]);
  return { seal, mac };
}

function webDataKey(keys: KeptKey): DataKey {
  const utf8 = new TextEncoder();
  return {
    async seal(plain, ad) {
      const nonce = crypto.getRandomValues(new Uint8Array(NONCE_BYTES));
      const body = new Uint8Array(
        await crypto.subtle.encrypt(
          { name: "AES-GCM", iv: nonce, additionalData: utf8.encode(ad), tagLength: TAG_BYTES * 8 },
          keys.seal,
          plain.slice(),
        ),
      );
      const out = new Uint8Array(1 + NONCE_BYTES + body.length);
      out[0] = SEAL_VERSION;
      out.set(nonce, 1);
      out.set(body, 1 + NONCE_BYTES);
      return out;
    },
    async open(sealed, ad) {
      if (sealed.length < 1 + NONCE_BYTES + TAG_BYTES || sealed[0] !== SEAL_VERSION) {
        throw new Error("not a sealed value");
      }
      const plain = await crypto.subtle.decrypt(
        {
          name: "AES-GCM",
          iv: sealed.slice(1, 1 + NONCE_BYTES),
          additionalData: utf8.encode(ad),
          tagLength: TAG_BYTES * 8,
        },
        keys.seal,
        sealed.slice(1 + NONCE_BYTES),
      );
      return new Uint8Array(plain);
    },
    async blind(text) {
      const mac = new Uint8Array(await crypto.subtle.sign("HMAC", keys.mac, utf8.encode(text)));
      return Array.from(mac, (b) => b.toString(16).padStart(2, "0")).join("");
    },
  };
}
