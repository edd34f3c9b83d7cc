/**
 * `rally invites`: invitations into groups, waiting for an answer (issue 3):
 *   rally invites → [{"id","group","from","fromName","receivedAt"}];  rally invites accept ID;
 *   rally invites decline ID;  rally invites block NPUB
 *
 * An invitation is inert until accepted: listing it contacts no relay of the inviter's choosing
 * and sends nothing; "group" is "" when the group's name can only be read after joining.
 */
import type { Command } from "commander";
import { reads, writes } from "../cli/actions.ts";
import { withClient } from "../cli/client.ts";
import { printResult } from "../cli/output.ts";

export function register(program: Command): void {
  const invites = program
    .command("invites")
    .description("invitations into groups (accept or decline them)")
    .option("--offline", "do not check the relays first")
    .action(async (opts: { offline?: boolean }, cmd: Command) => {
      await reads(cmd, { offline: opts.offline }, async (client) => {
        const list = await client.invites();
        printResult(cmd, list, () =>
          list.length === 0
            ? ["No invitations."]
            : list.flatMap((i) => [
                `${i.group ? `"${i.group}"` : "A group"} from ${i.fromName} (${i.from})`,
                `  accept: rally invites accept ${i.id}`,
              ]),
        );
      });
    });

  invites
    .command("accept")
    .description("join a group you were invited to")
    .argument("<id>", 'invitation id, from "rally invites"')
    .action(async (id: string, _opts: unknown, cmd: Command) => {
      // The invitation is on this device: accepting it needs no catching up first.
      await writes(
        cmd,
        { catchUp: false },
        (client) => client.acceptInvite(id),
        (g) => printResult(cmd, g, [`You are in "${g.name}" (${g.members} members).`, `Id: ${g.id}`]),
      );
    });

  invites
    .command("decline")
    .description("say no to an invitation")
    .argument("<id>", 'invitation id, from "rally invites"')
    .action(async (id: string, _opts: unknown, cmd: Command) => {
      await writes(
        cmd,
        { catchUp: false },
        (client) => client.declineInvite(id),
        () => printResult(cmd, { id, declined: true }, ["Invitation declined."]),
      );
    });

  invites
    .command("block")
    .description("drop every invitation from this person, now and later")
    .argument("<npub>", 'the inviter\'s npub, as "rally invites" shows it')
    .action(async (npub: string, _opts: unknown, cmd: Command) => {
      await withClient(cmd, async (client) => {
        const { dropped } = await client.blockInviter(npub);
        printResult(cmd, { npub, blocked: true, dropped }, [
          `Invitations from ${npub} are dropped from now on${dropped > 0 ? ` (${dropped} dropped now)` : ""}.`,
        ]);
      });
    });
}
