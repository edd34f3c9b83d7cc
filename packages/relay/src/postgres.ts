/**
 * The PostgreSQL event store, apart from the package's main entry (`@rally/relay/postgres`): its
 * client library is loaded only by what uses it, so an SQLite relay never pays for it in memory.
 */
export {
  type OtherProcessEvent,
  openPostgresEventStore,
  PostgresEventStore,
  type PostgresEventStoreOptions,
} from "./store/postgres.ts";
export { migratePostgres, POSTGRES_MIGRATIONS, type PostgresMigration } from "./store/postgresMigrations.ts";
