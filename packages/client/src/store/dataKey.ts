/**
 * The data key: one random 256-bit key per device store, under which every stored value that is
 * not a bare index is encrypted (`sealing.ts`). Each platform makes it from its own well-kept
 * primitives — Node's OpenSSL (`platform/node/nodeDataKeys.ts`), the browser's WebCrypto with keys
 * that cannot be exported (`platform/browser/webDataKeys.ts`) — behind this one shape, so both
 * write the same format:
 *
 * - `seal`: AES-256-GCM with a random 96-bit nonce, `0x01 ‖ nonce ‖ ciphertext ‖ tag`; the
 *   associated data names where the value lives (its key), so a sealed value moved to another
 *   record does not open.
 * - `blind`: HMAC-SHA-256 under the blinding key, for the few indexed columns that would otherwise name people or events
 *   (a rumor's author, a processed event id): equal inputs still match, nothing else shows.
 *
 * The sealing key is the data key itself. The blinding key is a second random secret, kept sealed
 * under the data key in the vault record and carried over when the data key is replaced: blinded
 * columns cannot be re-computed from what they hold, so they must keep matching across new data keys.
 *
 * Runs in: Node and browsers (types and constants only).
 */

export interface DataKey {
  seal(plain: Uint8Array, ad: string): Promise<Uint8Array>;
  /** Throws when the bytes were not sealed by this key for this `ad` (or were changed). */
  open(sealed: Uint8Array, ad: string): Promise<Uint8Array>;
  /** 64 lowercase hex characters. */
  blind(text: string): Promise<string>;
}

/** What each platform supplies: making, keeping and finding data keys. */
export interface DataKeys {
  /** A key from its 32 raw bytes and the blinding secret (the platform keeps no copy of them). */
  fromRaw(raw: Uint8Array, blindSecret: Uint8Array): Promise<DataKey>;
  /**
   * Keeps a key on this device without a passphrase and returns the reference the vault record
   * holds to find it again. Node: the raw key itself (hex), beside the data; browsers: the id of a
   * non-extractable WebCrypto key kept in a separate IndexedDB database.
   */
  keep(raw: Uint8Array, blindSecret: Uint8Array): Promise<string>;
  /** The key a `keep` reference names; throws when it is gone. */
  load(reference: string): Promise<DataKey>;
  /** Destroys a kept key (nothing when the reference holds the key itself). */
  forget(reference: string): Promise<void>;
  /** Destroys every kept key of this store (erasing the device). */
  forgetAll(): Promise<void>;
}

export const SEAL_VERSION = 1;
export const NONCE_BYTES = 12;
export const TAG_BYTES = 16;
export const DATA_KEY_BYTES = 32;
