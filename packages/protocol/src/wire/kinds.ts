/**
 * Nostr kinds of Rally's group transport (docs/PROTOCOL.md, "Kinds"): names from the one kinds
 * table, nostr/kinds.ts. 444/445 and 30443 follow Marmot; 10050 is NIP-17's inbox relay list; 13/1059
 * are NIP-59; the ratchet-tree chunk and the join request are Rally's own.
 */
export {
  KIND_ACCOUNT_BACKUP,
  KIND_GIFT_WRAP,
  KIND_GROUP_MESSAGE,
  KIND_INBOX_RELAYS,
  KIND_JOIN_REQUEST,
  KIND_KEY_PACKAGE,
  KIND_RATCHET_TREE_CHUNK,
  KIND_REJOIN_REQUEST,
  KIND_SEAL,
  KIND_WELCOME,
} from "../nostr/kinds.ts";
