/**
 * `rally join LINK`: ask to join a group through an invite link. The request goes to the link's
 * relays; the group lets you in whenever one of its admins' devices is online. Run it again (or
 * "rally sync") to see whether you are in. The link may come on standard input (`rally join -`, or
 * no argument with input piped in): a link is a key to the group, and the command line is visible
 * to other programs on the machine.
 *   → {"state":"waiting","group":NAME} or {"state":"joined","groupId":ID,"name":NAME}
 */
import type { Command } from "commander";
import { writes } from "../cli/actions.ts";
import { CliError, printResult } from "../cli/output.ts";
import { linkFrom } from "../cli/textInput.ts";

export function register(program: Command): void {
  program
    .command("join")
    .description("join a group with an invite link")
    .argument(
      "[link]",
      "the invite link (https://…#join=… or rally:…); - or none: read it from standard input",
    )
    .option("--wait <seconds>", "keep checking this long for the group to let you in", "0")
    .action(async (arg: string | undefined, opts: { wait: string }, cmd: Command) => {
      const wait = Number(opts.wait);
      if (!Number.isFinite(wait) || wait < 0)
        throw new CliError(`--wait takes a number of seconds, not "${opts.wait}".`);
      const link = await linkFrom(
        arg,
        "invite link",
        "rally join LINK, or pipe it in: rally join - < link.txt",
      );
      // The request goes to the link's relays, not to a group of this device's: nothing to catch
      // up with first. Then sync rounds (one, or more for --wait) show whether the group let us in.
      await writes(
        cmd,
        { catchUp: false },
        async (client) => {
          if (!(await client.account())) {
            throw new CliError("Create your account first: rally account create --name NAME");
          }
          return client.join(link);
        },
        async (asked, { client }) => {
          let state = asked;
          const deadline = Date.now() + wait * 1000;
          do {
            try {
              await client.sync();
            } catch {
              // Unreachable relays: still waiting; the request stays queued.
            }
            state = (await client.joinState(link)) ?? state;
            if (state.state !== "waiting" || Date.now() >= deadline) break;
            await new Promise((r) => setTimeout(r, 1000));
          } while (Date.now() < deadline);
          printResult(cmd, state, () =>
            state.state === "joined"
              ? [`You are in "${state.name}".`, `Id: ${state.groupId}`]
              : state.state === "waiting"
                ? [
                    `Waiting for the group${state.group ? ` "${state.group}"` : ""} to let you in.`,
                    'Check again with "rally sync" or "rally group list".',
                  ]
                : [`Not let in: ${state.reason}`],
          );
        },
      );
    });
}
