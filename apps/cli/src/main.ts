/**
 * The `rally` command: global options, the list of command groups, and error handling. Each group
 * lives in `commands/<group>.ts` and exports `register(program)`.
 */
import { Command, CommanderError } from "commander";
import { defaultHome, reportError } from "./cli/output.ts";
import { passphraseInEnvironment, takeUnlockLine } from "./cli/secrets.ts";
import { releaseStdin } from "./cli/stdin.ts";
import * as account from "./commands/account.ts";
import * as chat from "./commands/chat.ts";
import * as device from "./commands/device.ts";
import * as event from "./commands/event.ts";
import * as group from "./commands/group.ts";
import * as invites from "./commands/invites.ts";
import * as join from "./commands/join.ts";
import * as poll from "./commands/poll.ts";
import * as relay from "./commands/relay.ts";
import * as serve from "./commands/serve.ts";
import * as sync from "./commands/sync.ts";

/** Command groups, in the order `rally --help` lists them. */
const commandGroups: { register(program: Command): void }[] = [
  account,
  device,
  group,
  invites,
  chat,
  event,
  poll,
  join,
  sync,
  serve,
  relay,
];

export function buildProgram(): Command {
  const program = new Command("rally")
    .description(
      "Rally: private organising for groups — encrypted chat, events, RSVPs and polls over Nostr relays",
    )
    .option("--home <dir>", "where this device keeps Rally's data", defaultHome())
    .option("--json", 'print results as JSON on stdout (errors as {"error": ...})')
    .option(
      "--passphrase-stdin",
      "read the passphrase from the first line of standard input instead of asking at the terminal",
    )
    .showHelpAfterError()
    .exitOverride()
    // With --passphrase-stdin the passphrase line comes first, before the command reads its own input.
    .hook("preAction", (_program, actionCommand) => takeUnlockLine(actionCommand));
  // Commands created after exitOverride() inherit it, so usage errors reach main() as exceptions.
  for (const group of commandGroups) group.register(program);
  return program;
}

/** Runs the command line; resolves to the exit code (the process stays up for long-running commands). */
export async function main(argv: string[] = process.argv): Promise<number> {
  const program = buildProgram();
  const json = argv.includes("--json");
  try {
    // Secrets never travel in the environment: say so rather than ignore a passphrase put there.
    if (process.env.RALLY_PASSPHRASE !== undefined) throw passphraseInEnvironment();
    await program.parseAsync(argv);
    return 0;
  } catch (error) {
    if (error instanceof CommanderError) {
      // Commander has already printed its usage error on stderr; --json adds the JSON form on stdout.
      if (error.exitCode === 0) return 0; // --help, --version
      if (json) process.stdout.write(`${JSON.stringify({ error: error.message.replace(/^error: /, "") })}\n`);
      return error.exitCode || 1;
    }
    return reportError(error, json);
  } finally {
    releaseStdin();
  }
}
