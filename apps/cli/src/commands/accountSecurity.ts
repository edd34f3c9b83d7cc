/**
 * How this device's data is protected: `rally account passphrase set|change|remove`,
 * `rally account duress set|remove` and `rally account erase --yes`. Passphrases are typed at the
 * terminal without echo (new ones twice) or read one per line with `--passphrase-stdin`
 * (set: new; change: current, then new; remove: current; duress set: the passphrase, then the
 * duress passphrase) — never taken from the command line.
 *   passphrase set|change|remove → {"protection": "passphrase" | "device"}
 *   duress set|remove            → {"duress": true | false}
 *   erase --yes                  → {"erased": true}
 */
import type { DeviceSecurity, RallyClient } from "@rally/client";
import type { Command } from "commander";
import { openClient, withClient } from "../cli/client.ts";
import { CliError, printResult } from "../cli/output.ts";
import { askNewPassphrase, askPassphrase, readsItsOwnPassphrases, UNLOCK_PROMPT } from "../cli/secrets.ts";
import { explainWrongPassphrase, unlockIfLocked, unlockWith } from "../cli/unlock.ts";

const RECOVERY_NOTE =
  "If you forget it, your recovery words still restore your account (rally account recover, on another device or here after rally account erase).";

/** What `rally account show` says about the protection, in plain words. */
export function protectionLine(protection: DeviceSecurity["protection"]): string {
  return protection === "passphrase"
    ? "This device is protected by a passphrase: a copy of its files cannot be read without it."
    : "This device is not protected by a passphrase: anyone who copies its files can read your messages.";
}

/**
 * Lets a command take stray arguments only to refuse them with the reason: a passphrase typed on
 * the command line would be visible to other programs on the machine.
 */
function refusesArguments(cmd: Command): Command {
  return cmd.allowExcessArguments(true).hook("preAction", (_self, action) => {
    if (action.args.length > 0) {
      throw new CliError(
        "A passphrase is never taken from the command line: other programs on this machine can see it there. " +
          "Type it when asked, or pass --passphrase-stdin and give it on standard input. Nothing was changed.",
      );
    }
  });
}

const NO_PASSPHRASE = 'This device has no passphrase: set one with "rally account passphrase set".';

export function register(account: Command): void {
  const passphrase = account
    .command("passphrase")
    .description("protect everything on this device with a passphrase: set, change or remove it");

  readsItsOwnPassphrases(
    refusesArguments(passphrase.command("set"))
      .description("set a passphrase (typed twice, not shown; or --passphrase-stdin: one line)")
      .action(async (_opts: unknown, cmd: Command) => {
        await withClient(
          cmd,
          async (client) => {
            if ((await client.security()).protection === "passphrase") {
              throw new CliError(
                'This device already has a passphrase: change it with "rally account passphrase change", or remove it with "rally account passphrase remove".',
              );
            }
            await client.setPassphrase(await askNewPassphrase(cmd, "passphrase"));
            await reportProtection(cmd, client, [
              "Passphrase set. It now protects everything Rally keeps on this device — your messages, groups and keys:",
              "a copy of its files cannot be read without it, and rally asks for it each time it opens them.",
              RECOVERY_NOTE,
            ]);
          },
          { unlock: false },
        );
      }),
  );

  readsItsOwnPassphrases(
    refusesArguments(passphrase.command("change"))
      .description(
        "change the passphrase (asks for the current one first; or --passphrase-stdin: current, then new)",
      )
      .action(async (_opts: unknown, cmd: Command) => {
        await withClient(
          cmd,
          async (client) => {
            const current = await currentPassphrase(cmd, client);
            const next = await askNewPassphrase(cmd, "passphrase");
            await client.setPassphrase(next, current).catch(async (e: unknown) => {
              throw await explainWrongPassphrase(client, e);
            });
            await reportProtection(cmd, client, [
              "Passphrase changed. It protects everything Rally keeps on this device — your messages, groups and keys;",
              "the old passphrase opens nothing any more, not even a copy of the files taken before.",
              RECOVERY_NOTE,
            ]);
          },
          { unlock: false },
        );
      }),
  );

  readsItsOwnPassphrases(
    refusesArguments(passphrase.command("remove"))
      .description("remove the passphrase (asks for it first; or --passphrase-stdin: one line)")
      .action(async (_opts: unknown, cmd: Command) => {
        await withClient(
          cmd,
          async (client) => {
            const current = await currentPassphrase(cmd, client);
            if (current !== undefined) {
              await client.setPassphrase(null, current).catch(async (e: unknown) => {
                throw await explainWrongPassphrase(client, e);
              });
            }
            await reportProtection(cmd, client, [
              "Passphrase removed. Rally no longer asks for it, and this device is not protected by a passphrase:",
              "anyone who copies its files can read your messages. Your recovery words still restore your account.",
            ]);
          },
          { unlock: false },
        );
      }),
  );

  const duress = account
    .command("duress")
    .description(
      "a second passphrase that, typed where the passphrase is asked, silently erases this device",
    );

  refusesArguments(duress.command("set"))
    .description(
      "set the duress passphrase (typed twice, not shown; or --passphrase-stdin: the passphrase, then the duress one)",
    )
    .action(async (_opts: unknown, cmd: Command) => {
      await withClient(cmd, async (client) => {
        if ((await client.security()).protection !== "passphrase") {
          throw new CliError(
            'A duress passphrase needs a passphrase first: set one with "rally account passphrase set".',
          );
        }
        await client.setDuressPassphrase(await askNewPassphrase(cmd, "duress passphrase"));
        const { duress: on } = await client.security();
        printResult(cmd, { duress: on }, [
          "Duress passphrase set. Typed where Rally asks for the passphrase, it erases everything on this",
          "device without a word, and the command goes on as on a new device. Your recovery words still",
          "restore your account.",
        ]);
      });
    });

  duress
    .command("remove")
    .description("remove the duress passphrase")
    .action(async (_opts: unknown, cmd: Command) => {
      await withClient(cmd, async (client) => {
        if ((await client.security()).protection !== "passphrase") throw new CliError(NO_PASSPHRASE);
        await client.setDuressPassphrase(null);
        const { duress: on } = await client.security();
        printResult(cmd, { duress: on }, "Duress passphrase removed.");
      });
    });

  account
    .command("erase")
    .description("erase everything Rally keeps on this device (your recovery words restore the account)")
    .option("--yes", "really erase")
    .action(async (opts: { yes?: boolean }, cmd: Command) => {
      if (!opts.yes) {
        throw new CliError(
          "This would erase everything Rally keeps on this device: your account's keys, your groups and " +
            "their messages, events and polls; nothing of it could be read here again. Your recovery words " +
            'restore the account on another device. To erase, run "rally account erase --yes". Nothing was changed.',
        );
      }
      const client = await openClient(cmd);
      try {
        await client.erase().catch(async (e: unknown) => {
          // A device that must be unlocked before it is erased: unlock, then erase.
          if ((e as { code?: string }).code !== "locked") throw e;
          await unlockIfLocked(cmd, client);
          await client.erase();
        });
      } finally {
        // erase() closes the client; closing again only makes sure it is closed after a failure.
        await client.close().catch(() => undefined);
      }
      printResult(cmd, { erased: true }, [
        "This device is erased: nothing Rally kept here can be read any more.",
        "Your recovery words restore your account on another device (rally account recover).",
      ]);
    });
}

/**
 * The current passphrase, asked first (change, remove). A locked device is unlocked with it, so it
 * is asked once; a wrong one is counted like any wrong unlock. Undefined when the device has no
 * passphrase after all: the duress passphrase was typed and erased it, and the command goes on as
 * on a new device.
 */
async function currentPassphrase(cmd: Command, client: RallyClient): Promise<string | undefined> {
  const state = await client.security();
  if (state.protection !== "passphrase") throw new CliError(NO_PASSPHRASE);
  const current = await askPassphrase(cmd, UNLOCK_PROMPT);
  if (!state.locked) return current;
  await unlockWith(client, current);
  return (await client.security()).protection === "passphrase" ? current : undefined;
}

/** The protection as the client now reports it, and the words for it. */
async function reportProtection(cmd: Command, client: RallyClient, lines: string[]): Promise<void> {
  const { protection } = await client.security();
  printResult(cmd, { protection }, lines);
}
