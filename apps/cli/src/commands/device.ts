/**
 * `rally device`: the person's devices.
 *   rally device link [--expires 10m] [--no-wait]   → {link}; waits for the new device unless --no-wait
 *   rally device add LINK --name NAME               → {id, name}; LINK may come on standard input
 *   rally device list                               → [{id, name, current}]
 *   rally device revoke ID                          → {revoked, groups}
 * The existing device adds the new one to every group and hands over the history it holds when it
 * syncs: `device link` waits for that, or a later `rally sync` does it.
 */
import type { RallyClient } from "@rally/client";
import type { Command } from "commander";
import { reads, writes } from "../cli/actions.ts";
import { CliError, printResult, warn } from "../cli/output.ts";
import { linkFrom } from "../cli/textInput.ts";
import { parseDuration } from "./group.ts";

/** How long `device link` and `device add` wait for the other device, at most. */
const WAIT_MS = 10 * 60_000;
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** Sync rounds until `done` says so or the wait is over; true when done. */
async function syncUntil(
  client: RallyClient,
  done: () => Promise<boolean>,
  say: () => Promise<void>,
): Promise<boolean> {
  const deadline = Date.now() + WAIT_MS;
  while (Date.now() < deadline) {
    try {
      await client.sync();
    } catch {
      // Unreachable relays: keep trying until the wait is over.
    }
    await say();
    if (await done()) return true;
    await sleep(1000);
  }
  return false;
}

export function register(program: Command): void {
  const device = program
    .command("device")
    .description("your devices: link a new one, list them, revoke a lost one");

  device
    .command("link")
    .description("make a link that another device of yours opens to be linked (single use)")
    .option("--expires <duration>", "how long the link works: 10m (default), 1h, …", "10m")
    .option("--no-wait", "print the link and return; rally sync completes the linking later")
    .action(async (opts: { expires: string; wait: boolean }, cmd: Command) => {
      const seconds = parseDuration(opts.expires);
      await writes(
        cmd,
        { catchUp: false, sends: () => false },
        (client) => client.linkDevice({ expiresInSeconds: seconds }),
        async (made, { client }) => {
          printResult(cmd, { link: made.link }, () => [
            made.link,
            "Open it on the new device (rally device add LINK --name NAME). It works once, until",
            `${new Date(made.expiresAt * 1000).toISOString().replace("T", " ").slice(0, 16)} UTC.`,
          ]);
          if (!opts.wait) return;
          let said = "";
          const linked = await syncUntil(
            client,
            async () =>
              (await client.deviceLinks()).some(
                (l) => l.state === "linked" && l.expiresAt === made.expiresAt,
              ),
            async () => {
              const l = (await client.deviceLinks()).find((x) => x.expiresAt === made.expiresAt);
              const line = !l
                ? ""
                : l.state === "answered"
                  ? `Linking ${l.name ?? "the new device"}…`
                  : l.state === "linked"
                    ? `Linked ${l.name ?? "the new device"}: added to ${l.groups} groups, history sent in ${l.parts} parts.`
                    : l.state === "expired"
                      ? "The link expired before a device used it."
                      : "Waiting for the new device to open the link…";
              if (line && line !== said) warn(line);
              said = line;
            },
          );
          if (!linked) throw new CliError("No device was linked before the link expired: make a new one.");
        },
      );
    });

  device
    .command("add")
    .description("link this device (with no account yet) to your account, with a link from your other device")
    .argument("[link]", "the device link; - or none: read it from standard input")
    .requiredOption("--name <name>", "what to call this device, e.g. Laptop")
    .action(async (arg: string | undefined, opts: { name: string }, cmd: Command) => {
      const link = await linkFrom(arg, "device link", "rally device add LINK --name NAME, or pipe it in.");
      await writes(
        cmd,
        { catchUp: false },
        (client) => client.addDevice(link, opts.name),
        async (_asked, { client }) => {
          let said = "";
          const done = await syncUntil(
            client,
            async () => {
              const j = await client.deviceJoining();
              return j?.state === "done";
            },
            async () => {
              const j = await client.deviceJoining();
              const line = !j
                ? ""
                : j.state === "requested"
                  ? "Waiting for your other device to answer (it must be online)…"
                  : j.parts === 0
                    ? "Your other device is adding this one to your groups…"
                    : `History: ${j.stored} of ${j.parts} parts stored.`;
              if (line && line !== said) warn(line);
              said = line;
            },
          );
          if (!done) {
            const j = await client.deviceJoining();
            const missing =
              j && j.parts > j.stored
                ? ` ${j.parts - j.stored} of ${j.parts} history parts have not arrived.`
                : "";
            throw new CliError(
              `Your other device did not finish linking this one in time.${missing} Run rally sync to go on.`,
            );
          }
          const me = (await client.devices()).find((d) => d.current);
          printResult(cmd, { id: me?.id ?? "", name: me?.name ?? opts.name }, () => [
            `This device is linked as "${me?.name ?? opts.name}".`,
          ]);
        },
      );
    });

  device
    .command("list")
    .description("your devices")
    .option("--offline", "do not check the relays first")
    .action(async (opts: { offline?: boolean }, cmd: Command) => {
      await reads(cmd, { offline: opts.offline ?? false }, async (client) => {
        const list = await client.devices();
        printResult(cmd, list, () =>
          list.map((d) => `${d.id}  ${d.name}${d.current ? "  (this device)" : ""}`),
        );
      });
    });

  device
    .command("revoke")
    .description("remove one of your devices (a lost or seized one) from every group")
    .argument("<id>", "the device, as rally device list shows it")
    .action(async (id: string, _opts: unknown, cmd: Command) => {
      await writes(
        cmd,
        {},
        (client) => client.revokeDevice(id),
        (groups) => {
          printResult(cmd, { revoked: id, groups }, () => [`Removed that device from ${groups} groups.`]);
        },
      );
    });
}
