/**
 * NIP-11 relay information document, served over HTTP to `Accept: application/nostr+json`.
 * https://github.com/nostr-protocol/nips/blob/master/11.md
 */
import type { RelayLimits } from "./limits.ts";
import { type RetentionRule, retentionInfo } from "./retention.ts";

/** What the relay stores, for `limitation` and NIP-11 `retention`. */
export interface WritePolicyInfo {
  /** The kind allow-list, when there is one. */
  acceptKinds?: readonly number[];
  retention?: readonly RetentionRule[];
}

export interface RelayInfoOptions {
  name?: string;
  description?: string;
  /** Operator's hex public key. */
  pubkey?: string;
  contact?: string;
}

export const SUPPORTED_NIPS = [1, 9, 11, 40, 42, 45, 70, 77] as const;
export const SOFTWARE = "rally";
export const VERSION = "0.1.0";

export function relayInformation(
  info: RelayInfoOptions,
  limits: RelayLimits,
  authRequired: boolean,
  writes: WritePolicyInfo = {},
): Record<string, unknown> {
  return {
    name: info.name ?? "Rally relay",
    description:
      info.description ??
      "A Nostr relay for Rally: it stores and forwards end-to-end encrypted group messages it cannot read.",
    ...(info.pubkey ? { pubkey: info.pubkey } : {}),
    ...(info.contact ? { contact: info.contact } : {}),
    supported_nips: [...SUPPORTED_NIPS],
    software: SOFTWARE,
    version: VERSION,
    limitation: {
      max_message_length: limits.maxMessageBytes,
      max_subscriptions: limits.maxSubscriptions,
      max_filters: limits.maxFilters,
      max_limit: limits.maxLimit,
      default_limit: limits.maxLimit,
      max_subid_length: limits.maxSubIdLength,
      max_event_tags: limits.maxEventTags,
      max_content_length: limits.maxEventBytes,
      min_pow_difficulty: 0,
      auth_required: authRequired,
      payment_required: false,
      restricted_writes: authRequired || writes.acceptKinds !== undefined,
      created_at_upper_limit: limits.maxFutureSeconds,
      // Not in NIP-11's list; named as it names the others, and left out when unlimited.
      ...(Number.isFinite(limits.maxAuthorBytes)
        ? { max_stored_bytes_per_author: limits.maxAuthorBytes }
        : {}),
      ...(Number.isFinite(limits.maxStoredBytes) ? { max_stored_bytes: limits.maxStoredBytes } : {}),
      max_connections_per_address: limits.maxConnectionsPerAddress,
      ...(writes.acceptKinds ? { accepted_kinds: [...writes.acceptKinds] } : {}),
    },
    ...(writes.retention && writes.retention.length > 0
      ? { retention: retentionInfo(writes.retention) }
      : {}),
  };
}
