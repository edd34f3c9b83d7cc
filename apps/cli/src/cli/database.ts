/**
 * `--db` of `rally relay` and `rally serve`: a PostgreSQL connection string. Checked before the
 * relay starts, and shown without its password.
 */
import { CliError } from "./output.ts";

/** Commander parser for `--db`: a `postgres://` or `postgresql://` URL. */
export function databaseUrl(value: string): string {
  let url: URL | undefined;
  try {
    url = new URL(value);
  } catch {
    url = undefined;
  }
  if (!url || (url.protocol !== "postgres:" && url.protocol !== "postgresql:"))
    throw new CliError(
      "--db takes a PostgreSQL connection string, e.g. postgres://rally@localhost/rally (without --db the relay keeps its events in SQLite under --data)",
    );
  return value;
}

/** The connection string without password or parameters, fit to print. */
export function shownDatabase(value: string): string {
  const url = new URL(value);
  url.password = "";
  url.search = "";
  return url.toString();
}
