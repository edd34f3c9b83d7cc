/**
 * The `rally` command: global options, the list of command groups, and error handling. Each group
 * lives in `commands/<group>.ts` and exports `register(program)`.
 */
import { Command, CommanderError } from "commander";
import { defaultHome, reportError } from "./cli/output.ts";
import { passphraseInEnvironment, takeUnlockLine } from "./cli/secrets.ts";
import { releaseStdin } from "./cli/stdin.ts";

interface CommandGroup {
  register(program: Command): void;
}

/**
 * Command groups, in the order `rally --help` lists them, each loaded when needed: a command line
 * naming one group loads that group alone, so `rally relay` never loads the client and its MLS engine
 * (about 20 MB less memory for a relay), and anything else (`--help`, an unknown name) loads them all.
 */
const commandGroups: [name: string, load: () => Promise<CommandGroup>][] = [
  ["account", () => import("./commands/account.ts")],
  ["device", () => import("./commands/device.ts")],
  ["group", () => import("./commands/group.ts")],
  ["invites", () => import("./commands/invites.ts")],
  ["chat", () => import("./commands/chat.ts")],
  ["event", () => import("./commands/event.ts")],
  ["poll", () => import("./commands/poll.ts")],
  ["join", () => import("./commands/join.ts")],
  ["sync", () => import("./commands/sync.ts")],
  ["serve", () => import("./commands/serve.ts")],
  ["relay", () => import("./commands/relay.ts")],
];

/** The command group a command line names (the first word that is not a global option), if any. */
function namedGroup(argv: string[]): string | undefined {
  for (let i = 2; i < argv.length; i++) {
    const arg = argv[i] as string;
    if (arg === "--home")
      i++; // its value follows
    else if (!arg.startsWith("-")) return commandGroups.some(([name]) => name === arg) ? arg : undefined;
  }
  return undefined;
}

/** The `rally` program with every command group, or only the one `argv` names. */
export async function buildProgram(argv?: string[]): Promise<Command> {
  const only = argv === undefined ? undefined : namedGroup(argv);
  const groups = await Promise.all(
    commandGroups.filter(([name]) => only === undefined || name === only).map(([, load]) => load()),
  );
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
  for (const group of groups) group.register(program);
  return program;
}

/** Runs the command line; resolves to the exit code (the process stays up for long-running commands). */
export async function main(argv: string[] = process.argv): Promise<number> {
  const json = argv.includes("--json");
  try {
    const program = await buildProgram(argv);
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
