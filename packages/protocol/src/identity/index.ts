/**
 * Identity: a person's Nostr key, the twelve recovery words it comes from (BIP-39 + NIP-06), its
 * passphrase-encrypted form (NIP-49), how keys are written (NIP-19) and relay authentication
 * (NIP-42). Pure functions; time and randomness are parameters with defaults.
 */

/** Signing and verifying are the nostr layer's; here for callers that hold a person's key. */
export { signEvent, verifyEventSignature } from "../nostr/index.ts";
export {
  AUTH_MAX_SKEW_SECONDS,
  buildAuthEvent,
  checkAuthEvent,
  KIND_AUTH,
  normalizeRelayUrlForAuth,
  signAuthEvent,
} from "./auth.ts";
export { backupKeyFromWords } from "./backupKey.ts";
export { IdentityError, type IdentityErrorCode } from "./errors.ts";
export {
  generatePerson,
  generateSecretKey,
  isPubkeyHex,
  isSecretKey,
  type Npub,
  npubEncode,
  nsecEncode,
  type Person,
  type PubkeyHex,
  parsePubkey,
  parseSecretKey,
  personFromSecretKey,
} from "./keys.ts";
export {
  DEFAULT_LOG_N,
  decryptSecretKey,
  encryptSecretKey,
  inspectNcryptsec,
  type KeySecurity,
  MAX_LOG_N,
  type Ncryptsec,
  type NcryptsecInfo,
} from "./passphrase.ts";
export {
  checkRecoveryWords,
  createPerson,
  generateRecoveryWords,
  isValidRecoveryWords,
  type PersonWithWords,
  personFromRecoveryWords,
  RECOVERY_WORD_COUNT,
  secretKeyFromRecoveryWords,
  splitRecoveryWords,
} from "./recoveryWords.ts";
