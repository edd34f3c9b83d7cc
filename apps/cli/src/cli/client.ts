/**
 * Opening the device for a `rally` command: its home (`--home`, SQLite in `<home>/rally.db`), the
 * unlock with its passphrase (unlock.ts), the device lock, and closing it again with a word about a wrong clock. How commands
 * meet the relays (catch up, act, deliver) is stated once in actions.ts.
 */
import type { RallyClient } from "@rally/client";
import { describeOffset } from "@rally/client";
import type { SqliteDeviceLockOptions } from "@rally/client/node";
import { createNodeClient } from "@rally/client/node";
import type { Command } from "commander";
import { CliError, globalOptions, warn } from "./output.ts";
import { unlockIfLocked } from "./unlock.ts";

/**
 * Opens the device, unlocks it when it is locked (the passphrase typed at the terminal or given
 * with --passphrase-stdin), runs `fn`, and closes it. `unlock: false` leaves a locked device
 * locked, for the commands that unlock it themselves (changing the passphrase, erasing).
 */
export async function withClient<T>(
  cmd: Command,
  fn: (client: RallyClient) => Promise<T>,
  options: { unlock?: boolean } = {},
): Promise<T> {
  const client = await openClient(cmd);
  try {
    if (options.unlock !== false) await unlockIfLocked(cmd, client);
    return await fn(client);
  } catch (e) {
    if ((e as { code?: string }).code === "locked") {
      throw new CliError(
        "This device is locked with a passphrase: run the command in a terminal to type it, or pass --passphrase-stdin and give it on the first line of standard input.",
      );
    }
    throw e;
  } finally {
    await warnClock(client);
    await client.close();
  }
}

/** Opens the device's home; a locked device opens too (`security().locked`). */
export async function openClient(cmd: Command): Promise<RallyClient> {
  const { home } = globalOptions(cmd);
  const origin = process.env.RALLY_ORIGIN;
  try {
    return await createNodeClient({
      home,
      lock: lockOptions(),
      ...testPageLimit(),
      ...(origin ? { origin } : {}),
    });
  } catch (e) {
    // Opening checks the MLS engine first (a removal must carry a new path, RFC 9420 §12.4): when
    // that fails (an error of the protocol's "mls" layer, ProtocolError), the data is fine and the
    // installation is not, and nothing may run. A full disk says so, and where, in its own words.
    const { layer, code } = e as { layer?: string; code?: string };
    if (layer === "mls" || code === "full") throw new CliError((e as Error).message);
    throw new CliError(`Cannot open Rally's data in ${home}: ${(e as Error).message}`);
  }
}

/** From this far off the person is told (Rally stamps with the relays' time from one minute). */
const CLOCK_WARN_SECONDS = 180;
let clockWarned = false;

/**
 * Says once, on stderr, that this device's clock is off, when a command that talked to relays
 * learned so (commands that never reach a relay learn nothing and say nothing).
 */
async function warnClock(client: RallyClient): Promise<void> {
  if (clockWarned) return;
  const offset = await client.clockOffset().catch(() => null);
  if (!offset || Math.abs(offset.seconds) <= CLOCK_WARN_SECONDS) return;
  clockWarned = true;
  warn(
    `rally: this device's clock is ${describeOffset(offset.seconds)} of the relays' clocks; ` +
      "Rally uses the relays' time for what it sends. Set the clock right.",
  );
}

/**
 * `RALLY_TEST_MAX_DB_PAGES` caps the home's database at that many pages (SQLite's max_page_count),
 * so tests can fill the "disk" for real and see what a person sees; never set in normal use.
 */
function testPageLimit(): { maxPageCount?: number } {
  const pages = Number(process.env.RALLY_TEST_MAX_DB_PAGES);
  return pages > 0 ? { maxPageCount: pages } : {};
}

/**
 * Each step of a command (catching up, sending, inviting) holds the home's device lock, so commands
 * started together take turns instead of writing the same MLS state side by side. A wait longer
 * than a second is said on stderr; after `RALLY_LOCK_TIMEOUT_MS` (default 60 s) the command gives up.
 */
function lockOptions(): SqliteDeviceLockOptions {
  const timeout = Number(process.env.RALLY_LOCK_TIMEOUT_MS);
  const pause = Number(process.env.RALLY_TEST_PAUSE_IN_LOCK);
  return {
    ...(timeout > 0 ? { timeoutMs: timeout } : {}),
    ...(pause > 0 ? { pauseAtRelease: pause } : {}),
    onWait: () => process.stderr.write("Waiting for another Rally command on this device…\n"),
  };
}

/** The error for something every relay refused for good: the relays' reasons, then `hint`. */
export function notSent(reasons: readonly string[], hint = ""): CliError {
  return new CliError(
    `not sent: every relay refused it: ${[...new Set(reasons)].join("; ")}.${hint ? ` ${hint}` : ""}`,
  );
}

/** How to send again what a command queued in a group. */
export function retryHint(group: string): string {
  return `It stays on this device: once a relay takes it, send it again with rally chat retry ${quoteArg(group)}`;
}

/** A command-line argument as a person would type it again (quoted when it has spaces). */
export function quoteArg(arg: string): string {
  return /^[\w.:@/+-]+$/.test(arg) ? arg : `"${arg.replace(/(["\\$`])/g, "\\$1")}"`;
}

/** Collects a repeatable option (`--relay A --relay B`). */
export function collect(value: string, previous: string[] | undefined): string[] {
  return [...(previous ?? []), value];
}

/** Short human time for listings. */
export function when(unix: number): string {
  return new Date(unix * 1000).toISOString().replace("T", " ").slice(0, 16);
}
