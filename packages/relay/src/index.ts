/**
 * `@rally/relay`: a Nostr relay library for Rally — server, policies, storage port and adapters.
 */
export { AddressRates } from "./addressRates.ts";
export {
  type AuthHostOptions,
  authHosts,
  certificateNames,
  isLoopbackHost,
  isWildcardHost,
} from "./authHosts.ts";
export {
  BackupError,
  type BackupOptions,
  type BackupResult,
  backupPostgres,
  backupSqlite,
  findPgDump,
  type PostgresBackupOptions,
  SQLITE_FILE,
} from "./backup.ts";
export { BatchWriter } from "./batchWriter.ts";
export { addressKey } from "./clientAddress.ts";
export { type CompiledFilter, compileFilter, matchCompiled } from "./compiledFilter.ts";
export { ConnectionCaps } from "./connectionCaps.ts";
export { HSTS, type SecurityHeaderOptions, STRICT_CSP, securityHeaders } from "./httpSecurity.ts";
export { DEFAULT_LIMITS, type RelayLimits, resolveLimits } from "./limits.ts";
export { type Log, silentLog, stderrLog } from "./log.ts";
export { METRICS_CONTENT_TYPE, type MetricsSnapshot, RefusalCounts, renderMetrics } from "./metrics.ts";
export { loadNativeVerifier } from "./nativeVerifier.ts";
export { type RelayInfoOptions, relayInformation, SUPPORTED_NIPS } from "./nip11.ts";
export { acceptKinds, RALLY_KINDS } from "./policies/acceptKinds.ts";
export { refuseAuthEvents, requireAuth } from "./policies/auth.ts";
export { type DefaultPolicyOptions, defaultPolicies } from "./policies/defaults.ts";
export { maxEventSize, maxFutureCreatedAt } from "./policies/eventLimits.ts";
export { refuseExpired } from "./policies/expiration.ts";
export { privateInbox } from "./policies/privateInbox.ts";
export { protectedEvents } from "./policies/protectedEvents.ts";
export {
  checkFilter,
  type EventContext,
  type FilterDecision,
  type PolicyContext,
  type RelayPolicy,
  rejectEvent,
  rewriteFilters,
} from "./policies/types.ts";
export { QueryQueue } from "./queryQueue.ts";
export { TokenBucket } from "./rateLimit.ts";
export {
  Connection,
  RelayCore,
  type RelayCoreOptions,
  type RelayStats,
  type Transport,
} from "./relayCore.ts";
export { parseRetention, type RetentionRule } from "./retention.ts";
export { type LocalRelay, type RelayServer, type RelayServerOptions, startRelayServer } from "./server.ts";
export { StorageQuota } from "./storageQuota.ts";
export {
  type ConformanceCase,
  eventStoreConformance,
  runEventStoreConformance,
} from "./store/conformance.ts";
export { LATEST_VERSION, MIGRATIONS, type Migration, migrate } from "./store/migrations.ts";
export { openSqliteEventStore, SqliteEventStore, type SqliteEventStoreOptions } from "./store/sqlite.ts";
export type {
  CountOptions,
  EventKey,
  EventStore,
  QueryOptions,
  SaveOutcome,
  StoredEvent,
} from "./store/types.ts";
export { QueryTimeoutError } from "./store/types.ts";
export { SubscriptionIndex } from "./subscriptionIndex.ts";
