/**
 * `rally account`: create (a new person on this device), show, words (the twelve recovery words),
 * recover (from the words on a new device). Issue 3's contract:
 *   rally account create --name NAME [--relay URL]...  → {"npub","pubkey","name"}
 *   rally account show | words | recover --words "…" [--relay URL]...
 */
import type { AccountInfo } from "@rally/client";
import type { Command } from "commander";
import { writes } from "../cli/actions.ts";
import { collect, withClient } from "../cli/client.ts";
import { CliError, info, printResult } from "../cli/output.ts";

function accountLines(a: AccountInfo): string[] {
  return [`Name:     ${a.name}`, `Address:  ${a.npub}`, `Relays:   ${a.relays.join(", ")}`];
}

export function register(program: Command): void {
  const account = program
    .command("account")
    .description("your account on this device: name, address, recovery words");

  account
    .command("create")
    .description("create your account (a key only this device holds, shown as twelve recovery words)")
    .requiredOption("--name <name>", "the name people in your groups will see")
    .option("--relay <url>", "a relay to use (repeat for more; default ws://127.0.0.1:7447)", collect)
    .action(async (opts: { name: string; relay?: string[] }, cmd: Command) => {
      // A new account has nothing to catch up with yet.
      await writes(
        cmd,
        { catchUp: false },
        (client) =>
          client.createAccount({
            name: opts.name,
            ...(opts.relay ? { relays: opts.relay } : {}),
          }),
        (a) =>
          printResult(cmd, a, [
            `Account created for ${a.name}.`,
            ...accountLines(a),
            "",
            'Others invite you with your address. Write down your recovery words: "rally account words".',
          ]),
      );
    });

  account
    .command("show")
    .description("show your name, address (npub) and relays")
    .action(async (_opts: unknown, cmd: Command) => {
      await withClient(cmd, async (client) => {
        const a = await client.account();
        if (!a)
          throw new CliError(
            'There is no account on this device yet. Create one with "rally account create --name NAME".',
          );
        printResult(cmd, a, accountLines(a));
      });
    });

  account
    .command("words")
    .description("show your twelve recovery words (keep them secret and safe)")
    .action(async (_opts: unknown, cmd: Command) => {
      await withClient(cmd, async (client) => {
        const words = await client.recoveryWords();
        // stdout holds the words alone (scripts read them); the advice goes to stderr.
        printResult(cmd, { words }, words);
        info(cmd, "Anyone with these words can act as you. Keep them offline, and never share them.");
      });
    });

  account
    .command("recover")
    .description("restore your account on this device from your twelve recovery words")
    .requiredOption("--words <words>", 'the twelve words, in order, in quotes: --words "word1 word2 …"')
    .option("--name <name>", "the name people will see (default: Me)")
    .option("--relay <url>", "a relay to use (repeat for more; default ws://127.0.0.1:7447)", collect)
    .action(async (opts: { words: string; name?: string; relay?: string[] }, cmd: Command) => {
      await writes(
        cmd,
        { catchUp: false },
        (client) =>
          client.recoverAccount({
            words: opts.words,
            ...(opts.name ? { name: opts.name } : {}),
            ...(opts.relay ? { relays: opts.relay } : {}),
          }),
        (a) =>
          printResult(cmd, { ...a, note: "Groups come back when someone invites this device again." }, [
            `Account restored: ${a.name}.`,
            ...accountLines(a),
            "",
            "Your groups' keys stay on the devices that held them: ask a group admin to invite you again",
            "(with the address above) and your groups come back on this device.",
          ]),
      );
    });
}
