/**
 * `rally sync`: one round with the relays — send what is queued, fetch and process everything
 * pending (invitations, group messages, join requests), and report. Exits non-zero when no relay
 * could be reached at all (nothing is lost: everything stays queued on this device), and when
 * every relay refused something for good (it is not sent; `rally chat retry` sends it again).
 */
import type { Command } from "commander";
import { notSent, withClient } from "../cli/client.ts";
import { CliError, globalOptions, info, printResult, warn } from "../cli/output.ts";

export function register(program: Command): void {
  program
    .command("sync")
    .description("send what is waiting and fetch everything new from the relays")
    .action(async (_opts: unknown, cmd: Command) => {
      await withClient(cmd, async (client) => {
        const report = await client.sync();
        const reachable = report.relays.some((r) => r.connected);
        if (!reachable && report.relays.length > 0) {
          const why = report.relays.map((r) => `${r.url}${r.error ? ` (${r.error})` : ""}`).join(", ");
          throw new CliError(
            `Could not reach any relay: ${why}. Nothing is lost: ${report.pendingOutbox} item(s) stay queued on this device. Check that a relay is running, then run "rally sync" again.`,
          );
        }
        // Refused for good: exit 1 with the reasons on stderr; people read the counts first, while
        // --json prints one document, the error.
        if (report.failed > 0 && globalOptions(cmd).json) throw syncRefused(report.refused);
        printResult(cmd, report, [
          `Received ${report.received} new item(s), sent ${report.sent}.`,
          ...(report.pendingOutbox > 0 ? [`${report.pendingOutbox} item(s) still waiting for a relay.`] : []),
          ...(report.senderFaults > 0
            ? [
                `${report.senderFaults} message(s) could not be read: a member's device sent two different messages with the same key (it ran two copies of Rally at once). Ask them to update Rally.`,
              ]
            : []),
        ]);
        // Restoring groups after recovery: what was found, in plain words (stderr).
        for (const note of report.notes ?? []) info(cmd, note);
        // A device link of this device waiting for its person to confirm a code (stderr, with --json too).
        for (const l of await client.deviceLinks()) {
          if (l.state !== "asked") continue;
          for (const a of l.asks)
            warn(
              `Code ${a.code}: a device named "${a.name}" asks to be linked. If your new device shows this code, run rally device confirm ${a.code.replace(" ", "")}`,
            );
        }
        if (report.failed > 0) throw syncRefused(report.refused);
      });
    });
}

function syncRefused(reasons: readonly string[]) {
  return notSent(
    reasons,
    'See it in "rally chat list GROUP"; once a relay takes it, send it again with "rally chat retry GROUP".',
  );
}
