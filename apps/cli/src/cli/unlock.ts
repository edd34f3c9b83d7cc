/**
 * Unlocking a device protected by a passphrase. A device opens locked: nothing can be read until
 * the passphrase is given (secrets.ts says from where). A wrong one fails the command with the
 * count of wrong tries since the last unlock, so a person sees when someone else has been trying;
 * there is no lockout. The duress passphrase erases the device inside `unlock`, which then resolves
 * as for the right one: the command goes on as on a new device, and nothing here tells them apart.
 */
import type { RallyClient } from "@rally/client";
import type { Command } from "commander";
import { CliError } from "./output.ts";
import { unlockPassphrase } from "./secrets.ts";

/** Unlocks `client` when it is locked; does nothing on a device without a passphrase. */
export async function unlockIfLocked(cmd: Command, client: RallyClient): Promise<void> {
  if (!(await client.security()).locked) return;
  await unlockWith(client, await unlockPassphrase(cmd));
}

/** Unlocks with `passphrase`; a wrong one becomes the error with the count. */
export async function unlockWith(client: RallyClient, passphrase: string): Promise<void> {
  try {
    await client.unlock(passphrase);
  } catch (e) {
    throw await explainWrongPassphrase(client, e);
  }
}

/** A "wrong-passphrase" refusal in words, with how many wrong tries there were; others as they are. */
export async function explainWrongPassphrase(client: RallyClient, error: unknown): Promise<unknown> {
  if ((error as { code?: string }).code !== "wrong-passphrase") return error;
  const tries = await client
    .security()
    .then((s) => s.failedUnlocks)
    .catch(() => 0);
  if (tries === 0) return new CliError("Wrong passphrase.");
  return new CliError(
    `Wrong passphrase (${tries} wrong ${tries === 1 ? "try" : "tries"} since the last unlock).`,
  );
}
