/**
 * Rally's Nostr wire formats for groups, after the Marmot protocol (MLS over Nostr) with Rally's
 * privacy changes: key package events (30443), inbox relays (10050), group messages (445) with
 * per-epoch routing tags, gift-wrapped welcomes (444) and ratchet trees sent beside them, inner
 * messages, invite links and join requests. Pure functions; time and randomness are parameters.
 * The profile is written down in docs/PROTOCOL.md.
 */

export {
  ACCOUNT_BACKUP_D,
  type AccountBackup,
  type BackupGroup,
  makeBackupEvent,
  openBackupEvent,
} from "./accountBackup.ts";
export { eventFrameBytes } from "./bytes.ts";
export {
  DEVICE_LINK_SECONDS,
  type DeviceLink,
  type DeviceLinkMessage,
  deviceLinkAccountCheck,
  deviceLinkCode,
  deviceLinkUrl,
  HISTORY_PART_BYTES,
  historyParts,
  MAX_DEVICE_NAME_CHARS,
  normalizeDeviceLinkCode,
  openDeviceLinkMessage,
  parseDeviceLink,
  wrapDeviceLinkMessage,
} from "./deviceLink.ts";
export { MarmotError, type MarmotErrorCode } from "./errors.ts";
export { checkRumor, checkSignedEvent, defaultVerify, type Rumor, type VerifyEvent } from "./eventShape.ts";
export { giftWrapFrameBytes, nip44PayloadLength, RELAY_FRAME_LIMIT } from "./giftWrap.ts";
export {
  deriveGroupMessageKeys,
  type GroupMessageKeys,
  groupMessageFilter,
  MAX_GROUP_MESSAGE_BYTES,
  MAX_GROUP_MESSAGE_PADDED,
  routingTag,
  type SignEvent,
  type UnwrapGroupMessageOptions,
  unwrapGroupMessage,
  type WrapGroupMessageInput,
  wrapGroupMessage,
} from "./groupMessage.ts";
export {
  buildInboxRelaysEvent,
  inboxRelaysFilter,
  MAX_INBOX_RELAYS,
  parseInboxRelaysEvent,
  type ReceivedInboxRelays,
} from "./inboxRelays.ts";
export {
  checkRumorSender,
  createInnerRumor,
  decodeInnerRumor,
  encodeInnerRumor,
  INNER_KINDS,
  type InnerRumor,
  type InnerRumorInput,
  MAX_INNER_RUMOR_BYTES,
} from "./innerRumor.ts";
export {
  createInviteLink,
  DAMAGED_LINK_MESSAGE,
  encodeInviteLink,
  INVITE_LINK_VERSION,
  type InviteLink,
  inviteLinkId,
  inviteLinkUrl,
  isInviteLinkExpired,
  LINK_CHECK_BYTES,
  LINK_SECRET_BYTES,
  MAX_LINK_NAME_BYTES,
  MAX_LINK_RELAYS,
  type NewInviteLink,
  parseInviteLink,
} from "./inviteLink.ts";
export {
  JOIN_NONCE_BYTES,
  JOIN_REQUEST_GRACE_SECONDS,
  type JoinRequest,
  joinAnswer,
  joinProof,
  joinRequestFilter,
  MAX_JOINER_NAME_BYTES,
  openJoinRequest,
  wrapJoinRequest,
} from "./joinRequest.ts";
export {
  buildKeyPackageEvent,
  DEFAULT_CIPHERSUITE,
  formatMlsId,
  type KeyPackageEventInput,
  keyPackageFilter,
  MAX_KEY_PACKAGE_BYTES,
  MLS_PROTOCOL_VERSION,
  newKeyPackageSlot,
  parseKeyPackageEvent,
  type ReceivedKeyPackage,
} from "./keyPackageEvent.ts";
export * from "./kinds.ts";
export { PADDING_BUCKETS, PADDING_STEP, paddedSize } from "./padding.ts";
export {
  type AnswerWorkOptions,
  answerWorkProblem,
  checkPublicAnswerInput,
  checkPublicEventAddress,
  MAX_ANSWER_CONTACT,
  MAX_ANSWER_GUESTS,
  MAX_ANSWER_NAME,
  MAX_ANSWER_NOTE,
  openPublicAnswer,
  openPublicReply,
  PUBLIC_ANSWER_POW,
  type PublicAnswer,
  type PublicAnswerInput,
  type PublicAnswerStatus,
  type PublicReply,
  wrapPublicAnswer,
  wrapPublicReply,
} from "./publicAnswer.ts";
export {
  MAX_RATCHET_TREE_CHUNKS,
  MAX_RATCHET_TREE_PADDED,
  openRatchetTree,
  parseRatchetTreeTag,
  RATCHET_TREE_CHUNK_BYTES,
  RATCHET_TREE_TTL_SECONDS,
  type RatchetTreeRef,
  ratchetTreeTag,
  type SealedRatchetTree,
  sealRatchetTree,
} from "./ratchetTree.ts";
export {
  isRejoinKind,
  openRejoinRequest,
  type RejoinRequest,
  rejoinAnswer,
  wrapRejoinRequest,
} from "./rejoinRequest.ts";
export {
  checkRelayUrl,
  MAX_RELAY_URL_BYTES,
  normalizeRelayList,
  normalizeRelayUrl,
  type RelayUrl,
} from "./relayUrl.ts";
export {
  buildWelcomeRumor,
  MAX_INVITER_NAME_BYTES,
  MAX_WELCOME_BYTES,
  parseWelcomeRumor,
  type ReceivedWelcome,
  unwrapWelcome,
  type WelcomeInput,
  welcomeWrapBytes,
  wrapWelcome,
} from "./welcome.ts";
