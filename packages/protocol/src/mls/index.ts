/**
 * Rally's MLS engine (RFC 9420 over ts-mls, after Marmot MIP-00..03): device identities bound to
 * Nostr keys, key packages, groups with admin-controlled group data, commits, welcomes, message
 * encryption, ordering helpers and two-part persistence. Pure: state in, new state and bytes out.
 * Only this folder imports ts-mls; nothing here exposes its types.
 */

export { configureMls, type MlsEngineOptions } from "./context.ts";
export {
  bindingFromSignedEvent,
  DEVICE_BINDING_LABEL,
  type DeviceBinding,
  deviceBindingTemplate,
  KIND_DEVICE_BINDING,
  RALLY_CREDENTIAL_TYPE,
  verifyDeviceBinding,
} from "./credential.ts";
export {
  type Awaitable,
  agreesWithNoble,
  type MlsCryptoBackend,
  nobleBackend,
  portableBackend,
} from "./cryptoBackend.ts";
export { RALLY_CIPHERSUITE } from "./cryptoProvider.ts";
export {
  createDeviceIdentity,
  type DeviceIdentity,
  decodeDeviceIdentity,
  deviceIdentityFromSignedBinding,
  encodeDeviceIdentity,
  generateDeviceKeyPair,
} from "./device.ts";
export { isMlsEngineError, MlsEngineError, type MlsErrorCode } from "./errors.ts";
export {
  type AddOutput,
  addMembers,
  type CommitOutput,
  commitPendingProposals,
  createGroup,
  joinFromWelcome,
  type NewGroup,
  proposeLeave,
  removeDevices,
  removeMembers,
  selfUpdate,
  updateGroupData,
  type Welcome,
} from "./group.ts";
export {
  DISAPPEAR_AFTER_CHOICES,
  decodeGroupData,
  encodeGroupData,
  type GroupData,
  RALLY_GROUP_DATA_EXTENSION,
} from "./groupData.ts";
export {
  currentAdmins,
  epoch,
  exporterEpochs,
  exporterSecret,
  exporterSecretAt,
  type GroupIdHex,
  groupData,
  groupId,
  isActive,
  isAdmin,
  type MessageInfo,
  members,
  ownLeafIndex,
  ownPubkey,
  peekMessage,
  pendingProposalCount,
  TRANSPORT_EXPORTER_LABEL,
} from "./inspect.ts";
export {
  createKeyPackage,
  type KeyPackageInfo,
  type KeyPackageOptions,
  LAST_RESORT_EXTENSION,
  type NewKeyPackage,
  parseKeyPackage,
} from "./keyPackage.ts";
export type { Member, MemberDevice } from "./members.ts";
export { type CommitRank, compareCommits, orderForProcessing, pickWinningCommit } from "./ordering.ts";
export { MAX_DEVICES_PER_PERSON } from "./permissions.ts";
export {
  decodeState,
  type EncodedState,
  encodeEpochPart,
  encodeMessagePart,
  encodeState,
} from "./persist.ts";
export {
  type BatchItem,
  type BatchOutput,
  encrypt,
  MAX_PLAINTEXT_BYTES,
  type PersistHint,
  type ProcessOutput,
  type ProcessResult,
  process,
  processBatch,
} from "./process.ts";
export { engineSelfTest } from "./selfTest.ts";
export type { GroupState } from "./state.ts";
export {
  type Envelope,
  headState,
  receive,
  recordOwnCommit,
  startTimeline,
  type Timeline,
  type TimelineEvent,
} from "./timeline.ts";
export {
  type KeyUpdateAdvice,
  keyUpdateAdvice,
  PATH_CIPHERTEXT_BYTES,
  type PathCost,
  pathCost,
} from "./treeHealth.ts";
