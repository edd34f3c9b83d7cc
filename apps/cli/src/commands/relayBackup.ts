/**
 * `rally relay backup FILE`: a consistent copy of a relay's database, safe while the relay runs.
 * SQLite (the data folder `rally relay --data` uses) through SQLite's online backup API;
 * PostgreSQL (`--db postgres://…`) through `pg_dump`. See packages/relay/src/backup.ts.
 */
import path from "node:path";
import { BackupError, backupPostgres, backupSqlite } from "@rally/relay";
import type { Command } from "commander";
import { databaseUrl, shownDatabase } from "../cli/database.ts";
import { CliError, globalOptions, printResult } from "../cli/output.ts";

interface BackupFlags {
  data?: string;
  db?: string;
  force?: boolean;
}

export function registerRelayBackup(relay: Command): void {
  relay
    .command("backup <file>")
    .description("copy the relay's database to FILE while it runs (restore: start rally relay on a copy)")
    .option("--data <dir>", "the relay's data folder (default: <home>/relay)")
    .option("--db <url>", "back up this PostgreSQL database (postgres://…) with pg_dump", databaseUrl)
    .option("--force", "replace FILE if it exists")
    .action(async (file: string, _opts: BackupFlags, cmd: Command) => {
      // `--data`/`--db` also belong to `rally relay` itself, which reads them when given after `backup`.
      const opts = cmd.optsWithGlobals<BackupFlags>();
      const { home } = globalOptions(cmd);
      const force = opts.force === true;
      try {
        const result = opts.db
          ? await backupPostgres(opts.db, file, { force })
          : await backupSqlite(path.resolve(opts.data ?? path.join(home, "relay")), file, { force });
        printResult(cmd, result, [
          `Copied ${result.events} events (${result.bytes} bytes) to ${result.file}`,
          opts.db
            ? `Restore into an empty database: pg_restore --dbname <url> ${result.file}  (from ${shownDatabase(opts.db)})`
            : `Restore: copy it as events.sqlite into an empty folder and run rally relay --data <that folder>`,
        ]);
      } catch (error) {
        if (error instanceof BackupError) throw new CliError(error.message);
        throw error;
      }
    });
}
