/**
 * `rally account`: create (a new person on this device), show, words (the twelve recovery words),
 * recover (from the words on a new device); the passphrase, duress passphrase and erasing live in
 * accountSecurity.ts.
 *   rally account create --name NAME [--relay URL]...  → {"npub","pubkey","name"}
 *   rally account show                                 → {"npub","pubkey","name","relays","protection"}
 *   rally account words | recover [--relay URL]...     (recover reads the words: terminal or stdin)
 *   rally account export --ncryptsec                   → {"npub","ncryptsec"} (docs/decisions/0006)
 */
import type { AccountInfo } from "@rally/client";
import { type Command, Option } from "commander";
import { writes } from "../cli/actions.ts";
import { collect, withClient } from "../cli/client.ts";
import { CliError, info, printResult } from "../cli/output.ts";
import { askNewPassphrase, readsItsOwnPassphrases } from "../cli/secrets.ts";
import { askHidden, hasTerminal } from "../cli/terminalSecret.ts";
import { stdinText } from "../cli/textInput.ts";
import { unlockIfLocked } from "../cli/unlock.ts";
import * as security from "./accountSecurity.ts";

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
        const { protection } = await client.security();
        printResult(cmd, { ...a, protection }, [...accountLines(a), security.protectionLine(protection)]);
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
    .description(
      "restore your account on this device from your twelve recovery words (typed when asked, or piped on standard input)",
    )
    // Refused with the reason: anything on the command line is visible to other programs.
    .addOption(new Option("--words <words>").hideHelp())
    .option("--name <name>", "the name people will see (default: Me)")
    .option("--relay <url>", "a relay to use (repeat for more; default ws://127.0.0.1:7447)", collect)
    .action(async (opts: { words?: string; name?: string; relay?: string[] }, cmd: Command) => {
      if (opts.words !== undefined) {
        throw new CliError(
          "--words is refused: the command line is visible to other programs on this machine (and kept " +
            'in your shell\'s history). Run "rally account recover" and type the words when asked, or ' +
            'pipe them: "rally account recover < words.txt".',
        );
      }
      const words = await recoveryWords();
      await writes(
        cmd,
        { catchUp: false },
        (client) =>
          client.recoverAccount({
            words,
            ...(opts.name ? { name: opts.name } : {}),
            ...(opts.relay ? { relays: opts.relay } : {}),
          }),
        (a) =>
          printResult(cmd, { ...a, note: "Groups come back when someone invites this device again." }, [
            `Account restored: ${a.name}.`,
            ...accountLines(a),
            "",
            "Run rally sync: it finds the list of your groups on your relays and asks their admins to let",
            "this device back in; a group whose only admin was you needs a new invitation.",
            "Your other devices now count as lost: admins remove them as they let this one in, and no",
            "invitation adds them again. If you still use one, link this device from it instead",
            "(rally device link there, rally device add here).",
          ]),
      );
    });

  readsItsOwnPassphrases(
    account
      .command("export")
      .description(
        "print your key for another Nostr app, encrypted under a passphrase you choose (NIP-49 ncryptsec)",
      )
      .option("--ncryptsec", "the key as an ncryptsec (the only form Rally exports)")
      // Refused with the reason: a passphrase on the command line is visible to other programs.
      .allowExcessArguments(true)
      .action(async (opts: { ncryptsec?: boolean }, cmd: Command) => {
        if (cmd.args.length > 0) {
          throw new CliError(
            "A passphrase is never taken from the command line: other programs on this machine can see it there. " +
              "Type it when asked, or pass --passphrase-stdin and give it on standard input.",
          );
        }
        if (!opts.ncryptsec) {
          throw new CliError(
            'Say what to export: "rally account export --ncryptsec" prints your key encrypted under a passphrase. ' +
              "Rally does not print the bare key (nsec): anyone who sees it can act as you.",
          );
        }
        await withClient(
          cmd,
          async (client) => {
            // Lines of --passphrase-stdin in order: the device's passphrase (when locked), then the new one.
            await unlockIfLocked(cmd, client);
            const a = await client.account();
            if (!a) {
              throw new CliError(
                'There is no account on this device yet. Create one with "rally account create --name NAME".',
              );
            }
            const passphrase = await askNewPassphrase(cmd, "passphrase for the exported key");
            const { ncryptsec } = JSON.parse(await client.exportBackup(passphrase)) as { ncryptsec: string };
            // stdout holds the ncryptsec alone (scripts read it); the advice goes to stderr.
            printResult(cmd, { npub: a.npub, ncryptsec }, ncryptsec);
            info(
              cmd,
              "Your key, encrypted under the passphrase you chose (NIP-49). Other Nostr apps open it with that " +
                "passphrase. Keep the two apart: together they are your key. Your recovery words stay the same.",
            );
          },
          { unlock: false },
        );
      }),
  );

  security.register(account);
}

/** The twelve words: typed at the terminal (not shown), or everything on standard input. */
async function recoveryWords(): Promise<string> {
  const words = hasTerminal()
    ? await askHidden("Your twelve recovery words, in order (not shown as you type): ")
    : await stdinText();
  if (!words?.trim()) {
    throw new CliError(
      'No recovery words given: type them when "rally account recover" asks, or pipe them on standard input.',
    );
  }
  return words;
}
