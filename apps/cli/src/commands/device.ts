/**
 * `rally device`: the person's devices.
 *   rally device link [--expires 10m] [--no-wait] [--confirm|--no-confirm]
 *                                                   → {link}; waits for the new device unless --no-wait
 *   rally device add LINK --name NAME               → {id, name}; LINK may come on standard input
 *   rally device confirm CODE                       → {name}: links the device that shows CODE
 *   rally device refuse                             → {closed}: closes open links, answering nobody
 *   rally device list                               → [{id, name, current}]
 *   rally device revoke ID                          → {revoked, groups}
 * The existing device adds the new one to every group and hands over the history it holds when it
 * syncs: `device link` waits for that, or a later `rally sync` does it.
 *
 * Whoever sees a link (a shared screen, a photo of the terminal) could open it first and receive the
 * account. So when a person is at the terminal, `device link` shows each request's code and answers
 * only the one whose code they type, read off their new device (`device add` shows it). A script,
 * with no terminal, gets links that answer the first request, as before, unless it says --confirm.
 */
import type { RallyClient } from "@rally/client";
import type { Command } from "commander";
import { reads, writes } from "../cli/actions.ts";
import { CliError, printResult, warn } from "../cli/output.ts";
import { readLineBytes } from "../cli/stdin.ts";
import { hasTerminal } from "../cli/terminalSecret.ts";
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
  over: () => Promise<boolean> = async () => false,
  /** Whether the work is under way at the deadline: then it is given one more wait. */
  underWay: () => Promise<boolean> = async () => false,
): Promise<boolean> {
  let deadline = Date.now() + WAIT_MS;
  let extended = false;
  while (Date.now() < deadline || (!extended && (await underWay()))) {
    if (Date.now() >= deadline) {
      extended = true;
      deadline = Date.now() + WAIT_MS;
    }
    try {
      await client.sync();
    } catch {
      // Unreachable relays: keep trying until the wait is over.
    }
    await say();
    if (await done()) return true;
    if (await over()) return false;
    await sleep(1000);
  }
  return false;
}

/** Reads the code the person types (a line on the terminal); null at the end of input. */
async function askCode(prompt: string): Promise<string | null> {
  process.stderr.write(prompt);
  const line = await readLineBytes(
    200,
    () => new CliError("That is not a code: six digits, as the new device shows them."),
  );
  return line === null ? null : Buffer.from(line).toString("utf8").trim();
}

/**
 * One look at a link waiting for its code to be confirmed: at a terminal, asks for it; otherwise
 * says how to confirm from another terminal. True when a request was answered.
 */
async function confirmAsked(client: RallyClient, expiresAt: number, told: Set<string>): Promise<boolean> {
  const l = (await client.deviceLinks()).find((x) => x.expiresAt === expiresAt);
  if (l?.state !== "asked") return false;
  const fresh = l.asks.filter((a) => !told.has(a.code));
  for (const a of fresh) {
    told.add(a.code);
    // The code first: a name is the asker's to choose, and cannot push the code out of place.
    warn(`Code ${a.code}: a device named "${a.name}" asks to be linked.`);
  }
  if (l.asks.length > 1 && fresh.length > 0)
    warn(
      "More than one device asked: someone else may have seen the link. Link only the code your new device shows.",
    );
  if (!hasTerminal()) {
    if (fresh.length > 0) warn("If your new device shows that code, run: rally device confirm CODE");
    return false;
  }
  const typed = await askCode("Type the code your new device shows to link it (Enter if none is yours): ");
  if (!typed) {
    await client.refuseDeviceLinks();
    throw new CliError(
      "Nobody was linked, and the link is closed. Make a new one when your device is ready.",
    );
  }
  try {
    const { name } = await client.confirmDeviceLink(typed);
    warn(`Linking "${name}"…`);
    return true;
  } catch (e) {
    const code = (e as { code?: string }).code;
    if (code !== "bad-input") throw e;
    warn((e as Error).message);
    return false;
  }
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
    .option("--confirm", "link only the device whose code you confirm (the default at a terminal)")
    .option("--no-confirm", "link the first device that opens the link, unasked (the default in scripts)")
    .action(async (opts: { expires: string; wait: boolean; confirm?: boolean }, cmd: Command) => {
      const seconds = parseDuration(opts.expires);
      const confirm = opts.confirm ?? hasTerminal();
      await writes(
        cmd,
        { catchUp: false, sends: () => false },
        (client) => client.linkDevice({ expiresInSeconds: seconds, confirm }),
        async (made, { client }) => {
          printResult(cmd, { link: made.link }, () => [
            made.link,
            "Open it on the new device (rally device add LINK --name NAME). It works once, until",
            `${new Date(made.expiresAt * 1000).toISOString().replace("T", " ").slice(0, 16)} UTC.`,
            ...(confirm && !opts.wait
              ? ["When it asks, check its code and link it with: rally device confirm CODE"]
              : []),
          ]);
          if (!confirm)
            warn(
              "This link answers the first device that opens it, asking nobody (no terminal to confirm a code on). Anyone who sees it first gets your account: --confirm asks for the new device's code.",
            );
          if (!opts.wait) return;
          const told = new Set<string>();
          let said = "";
          const linked = await syncUntil(
            client,
            async () =>
              (await client.deviceLinks()).some(
                (l) => l.state === "linked" && l.expiresAt === made.expiresAt,
              ),
            async () => {
              // A confirmed code is answered at the next sync round.
              if (await confirmAsked(client, made.expiresAt, told)) return;
              const l = (await client.deviceLinks()).find((x) => x.expiresAt === made.expiresAt);
              const line = !l
                ? ""
                : l.state === "answered"
                  ? `Linking ${l.name ?? "the new device"}…`
                  : l.state === "linked"
                    ? `Linked ${l.name ?? "the new device"}: added to ${l.groups} groups, history sent in ${l.parts} parts.`
                    : l.state === "expired"
                      ? "The link expired before a device used it."
                      : l.state === "closed"
                        ? "The link is closed: nobody was linked."
                        : l.state === "asked"
                          ? ""
                          : "Waiting for the new device to open the link…";
              if (line && line !== said) warn(line);
              said = line;
            },
            async () =>
              (await client.deviceLinks()).some(
                (l) => l.state === "closed" && l.expiresAt === made.expiresAt,
              ),
            // Answered in time: adding the device and sending its history may take longer.
            async () =>
              (await client.deviceLinks()).some(
                (l) => l.state === "answered" && l.expiresAt === made.expiresAt,
              ),
          );
          if (!linked) {
            const l = (await client.deviceLinks()).find((x) => x.expiresAt === made.expiresAt);
            throw new CliError(
              l?.state === "closed"
                ? "Nobody was linked: the link is closed. Make a new one, and show it to nobody else."
                : l?.state === "answered"
                  ? "The new device was answered but is not linked yet: keep both devices online and run rally sync on each."
                  : "No device was linked before the link expired: make a new one.",
            );
          }
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
                  ? `Waiting for your other device to answer (it must be online). If it asks, the code is ${j.code}.`
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
    .command("confirm")
    .description("link the device that asked with this code (as the new device shows it)")
    .argument("<code>", 'six digits, e.g. "482 915"')
    .action(async (code: string, _opts: unknown, cmd: Command) => {
      await writes(
        cmd,
        {},
        (client) => client.confirmDeviceLink(code),
        (confirmed) => {
          printResult(cmd, confirmed, () => [
            `Linking "${confirmed.name}": run rally sync (or keep Rally open) until it is done.`,
          ]);
        },
      );
    });

  device
    .command("refuse")
    .description("close this device's open links without linking anyone")
    .action(async (_opts: unknown, cmd: Command) => {
      await writes(
        cmd,
        { sends: () => false },
        (client) => client.refuseDeviceLinks(),
        (closed) => {
          printResult(cmd, { closed }, () => [
            `Closed ${closed} link${closed === 1 ? "" : "s"}; nobody was linked.`,
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
