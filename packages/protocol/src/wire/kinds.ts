/**
 * Nostr kinds of Rally's group transport (docs/PROTOCOL.md, "Kinds"). 444/445 and 30443 follow
 * Marmot; 10050 is NIP-17's inbox relay list; 13/1059 are NIP-59. The ratchet-tree chunk and the
 * join request are Rally's own, in ranges no published NIP uses.
 */

/** NIP-59 seal. */
export const KIND_SEAL = 13;
/** Marmot welcome rumor: never signed, only travels inside a gift wrap. */
export const KIND_WELCOME = 444;
/** Marmot group message: ciphertext signed by a one-time key. */
export const KIND_GROUP_MESSAGE = 445;
/** NIP-59 gift wrap. */
export const KIND_GIFT_WRAP = 1059;
/** Rally: one chunk of an encrypted ratchet tree, referenced from a welcome. */
export const KIND_RATCHET_TREE_CHUNK = 1447;
/** Rally: join request rumor sent through an invite link (only inside a gift wrap). */
export const KIND_JOIN_REQUEST = 1448;
/** NIP-17 inbox relays: where gift wraps for a person go. */
export const KIND_INBOX_RELAYS = 10050;
/** Marmot key package, addressable: one `d` slot per device. */
export const KIND_KEY_PACKAGE = 30443;
