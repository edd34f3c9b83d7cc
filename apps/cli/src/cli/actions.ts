/**
 * How a command meets the relays: the CLI's policy, stated once. A command that opens the device
 * says which of two kinds it is, and these wrappers do the rest:
 *
 *   reads  — catch up with the relays (skipped with `--offline`), then show what the device holds.
 *   writes — catch up (so the act goes out in the group's current state, after any removal), act,
 *            deliver what the act queued (waiting a few seconds), fail the command when every relay
 *            refused it for good, then report to the person.
 *
 * Both open the device (`withClient`) and turn a GROUP argument (id, unique prefix or name) into
 * the group's id before the command's own step. A write that acts on what this device already
 * holds, where the group's current state changes nothing (an invitation on this device, a new
 * account, leaving, a retry), says `catchUp: false`. Commands that ask no relay at all (account
 * show, recovery words, invite links) use `withClient` alone.
 */
import type { RallyClient } from "@rally/client";
import type { Command } from "commander";
import { notSent, retryHint, withClient } from "./client.ts";
import { info, warn } from "./output.ts";

export interface ReadSpec {
  /** The GROUP argument as typed; the step gets the group's id. */
  group?: string;
  /** `--offline`: show what the device has without asking the relays. */
  offline?: boolean | undefined;
}

export function reads(
  cmd: Command,
  spec: ReadSpec & { group: string },
  show: (client: RallyClient, group: string) => Promise<void>,
): Promise<void>;
export function reads(
  cmd: Command,
  spec: ReadSpec,
  show: (client: RallyClient) => Promise<void>,
): Promise<void>;
export function reads(
  cmd: Command,
  spec: ReadSpec,
  show: (client: RallyClient, group: string) => Promise<void>,
): Promise<void> {
  return withClient(cmd, async (client) => {
    await freshen(cmd, client, spec.offline);
    await show(client, spec.group === undefined ? "" : await client.resolveGroup(spec.group));
  });
}

export interface WriteSpec<R> {
  /** The GROUP argument as typed; the act gets the group's id. */
  group?: string;
  /** Catch up with the relays before acting (default). */
  catchUp?: boolean;
  /**
   * Something every relay refused can be sent again with `rally chat retry GROUP`: the error says
   * so (needs `group`).
   */
  retry?: boolean;
  /** Whether the act queued anything; when not, nothing is delivered (default: it did). */
  sends?: (result: R) => boolean;
}

/** What a write's report is given besides the act's result. */
export interface Delivered {
  /** How many items still wait for a relay (0 when nothing was to be sent). */
  pending: number;
  client: RallyClient;
  /** The group's id (from `group`), "" for a write outside any group. */
  group: string;
}

export function writes<R>(
  cmd: Command,
  spec: WriteSpec<R> & { group: string },
  act: (client: RallyClient, group: string) => Promise<R>,
  report: (result: R, delivered: Delivered) => void | Promise<void>,
): Promise<void>;
export function writes<R>(
  cmd: Command,
  spec: WriteSpec<R>,
  act: (client: RallyClient) => Promise<R>,
  report: (result: R, delivered: Delivered) => void | Promise<void>,
): Promise<void>;
export function writes<R>(
  cmd: Command,
  spec: WriteSpec<R>,
  act: (client: RallyClient, group: string) => Promise<R>,
  report: (result: R, delivered: Delivered) => void | Promise<void>,
): Promise<void> {
  return withClient(cmd, async (client) => {
    if (spec.catchUp !== false) await freshen(cmd, client, false);
    const group = spec.group === undefined ? "" : await client.resolveGroup(spec.group);
    const result = await act(client, group);
    let pending = 0;
    if (spec.sends?.(result) ?? true) {
      const retry = spec.retry && spec.group !== undefined ? { retry: spec.group } : {};
      ({ pending } = await deliver(client, retry));
    }
    await report(result, { pending, client, group });
  });
}

/** How long a command waits for relays to take what it queued. */
const DELIVER_MS = 6_000;

/**
 * Tries to send everything queued; tells the person what is still waiting and why, and fails the
 * command ("not sent: every relay refused it: …", exit 1) when every relay refused something for
 * good, so no caller reports it as sent. `retry` names the group for the way to send it again.
 */
async function deliver(client: RallyClient, options: { retry?: string } = {}): Promise<{ pending: number }> {
  const report = await client.deliver(DELIVER_MS);
  if (report.clockRefused.length > 0) {
    warn(
      `rally: waiting: ${report.clockRefused.join(", ")} says this device's clock is wrong. ` +
        `It is sent again with the relays' time with the next rally command or "rally sync"; set the clock right.`,
    );
  }
  // Pending only because of the clock: said just above.
  if (report.pending > 0 && (report.unreachable.length > 0 || report.clockRefused.length === 0)) {
    const where = report.unreachable.map((u) => `${u.url} (${u.error.replace(/^error: /, "")})`).join(", ");
    // On stderr even with --json (stdout stays one JSON document): scripts log it, people read it.
    // Relay addresses come from group data and errors from relays: `warn` sanitises them.
    warn(
      `rally: saved on this device, not delivered yet${where ? `: no answer from ${where}` : ""}. ` +
        `It goes out with the next rally command or "rally sync" once a relay is reachable.`,
    );
  }
  if (report.failed > 0) throw notSent(report.refused, options.retry ? retryHint(options.retry) : "");
  return { pending: report.pending };
}

/** Catches up with the relays before a command shows or acts (skipped with `--offline`). */
async function freshen(cmd: Command, client: RallyClient, offline: boolean | undefined): Promise<void> {
  if (offline) return;
  if (!(await client.account())) return;
  try {
    const report = await client.sync();
    if (report.relays.length > 0 && report.relays.every((r) => !r.connected)) {
      info(cmd, "No relay could be reached: showing what this device already has.");
    }
  } catch (e) {
    // Another command kept the device busy past the timeout: say that, not "could not catch up".
    if ((e as { code?: string }).code === "busy") throw e;
    info(
      cmd,
      `Could not catch up with the relays (${(e as Error).message}): showing what this device already has.`,
    );
  }
}
