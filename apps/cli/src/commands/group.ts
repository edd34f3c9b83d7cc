/**
 * `rally group`: create, list, members, invite, remove, leave, link (issues 3 and 5):
 *   rally group create NAME [--relay URL]...      → {"id","name"}
 *   rally group list                              → [{"id","name","members"}]
 *   rally group members GROUP                     → [{"npub","name","admin"}]
 *   rally group invite GROUP NPUB | remove GROUP NPUB | leave GROUP
 *   rally group link GROUP [--uses N] [--expires DURATION] [--approve]   → prints the link
 *   rally group disappearing GROUP off|1h|1d|1w|4w  → {"group","disappearAfter"} (seconds or null)
 * GROUP is a group id or a unique name.
 */
import { DISAPPEAR_CHOICES, disappearWords } from "@rally/client";
import type { Command } from "commander";
import { reads, writes } from "../cli/actions.ts";
import { collect, withClient } from "../cli/client.ts";
import { CliError, info, positiveInt, printResult } from "../cli/output.ts";
import { registerGroupPublic } from "./publicEvents.ts";

/** "90m", "12h", "7d", "2w" or plain seconds → seconds. */
export function parseDuration(text: string): number {
  const m = /^(\d+)\s*([smhdw]?)$/i.exec(text.trim());
  if (!m || Number(m[1]) <= 0) {
    throw new CliError(`--expires takes a duration such as 30m, 12h, 7d or 2w, not "${text}".`);
  }
  const unit = { "": 1, s: 1, m: 60, h: 3600, d: 86400, w: 604800 }[(m[2] ?? "").toLowerCase()] ?? 1;
  return Number(m[1]) * unit;
}

/** "off", "1h", "1d", "1w" or "4w" → seconds, or null for off. */
export function parseDisappearing(text: string): number | null {
  const word = text.trim().toLowerCase();
  if (word === "off") return null;
  const choice = DISAPPEAR_CHOICES.find((c) => c.short === word);
  if (!choice) {
    const allowed = ["off", ...DISAPPEAR_CHOICES.map((c) => c.short)].join(", ");
    const words = DISAPPEAR_CHOICES.map((c) => c.words).join(", ");
    throw new CliError(
      `Disappearing messages can be set to one of ${allowed} (off, ${words}), not "${text}".`,
    );
  }
  return choice.seconds;
}

interface Offline {
  offline?: boolean;
}

export function register(program: Command): void {
  const group = program
    .command("group")
    .description("groups: create, list, members, invite, remove, leave, invite links");

  registerGroupPublic(group);

  group
    .command("create")
    .description("create a group with you as its admin")
    .argument("<name>", "the group's name (only members ever see it)")
    .option("--description <text>", "what the group is about")
    .option(
      "--relay <url>",
      "a relay for the group's messages (repeat for more; default: your relays)",
      collect,
    )
    .action(async (name: string, opts: { description?: string; relay?: string[] }, cmd: Command) => {
      await withClient(cmd, async (client) => {
        const g = await client.createGroup({
          name,
          ...(opts.description ? { description: opts.description } : {}),
          ...(opts.relay ? { relays: opts.relay } : {}),
        });
        printResult(cmd, g, [
          `Group "${g.name}" created.`,
          `Id: ${g.id}`,
          `Invite people: rally group invite "${g.name}" NPUB`,
        ]);
      });
    });

  group
    .command("list")
    .description("your groups")
    .option("--offline", "do not check the relays first")
    .option("--all", "also the groups you left")
    .action(async (opts: Offline & { all?: boolean }, cmd: Command) => {
      await reads(cmd, { offline: opts.offline }, async (client) => {
        // A group one has left is no longer one's group; its history stays readable by id or name.
        // A removal is shown (marked "removed"): the person did not choose it and should learn of it.
        const list = (await client.groups()).filter((g) => opts.all || g.status !== "left");
        printResult(cmd, list, () =>
          list.length === 0
            ? ['No groups yet. Create one with "rally group create NAME", or see "rally invites".']
            : list.flatMap((g) => {
                const status = g.status;
                const extra = status && status !== "active" ? ` [${status}]` : "";
                const unread = g.unread > 0 ? `, ${g.unread} unread` : "";
                const timer =
                  g.disappearAfter === null
                    ? ""
                    : `, messages disappear after ${disappearWords(g.disappearAfter)}`;
                return [
                  `${g.name}${extra} — ${g.members} member${g.members === 1 ? "" : "s"}${unread}${g.admin ? ", you are an admin" : ""}${timer}`,
                  `  ${g.id}`,
                ];
              }),
        );
      });
    });

  group
    .command("members")
    .description("who is in a group")
    .argument("<group>", "group id or name")
    .option("--offline", "do not check the relays first")
    .action(async (ref: string, opts: Offline, cmd: Command) => {
      await reads(cmd, { group: ref, offline: opts.offline }, async (client, id) => {
        const list = await client.members(id);
        printResult(cmd, list, () => list.map((m) => `${m.name}${m.admin ? " (admin)" : ""}  ${m.npub}`));
      });
    });

  group
    .command("invite")
    .description("invite someone by their address (npub); admins only")
    .argument("<group>", "group id or name")
    .argument("<npub>", 'the person\'s address, from their "rally account show"')
    .action(async (ref: string, npub: string, _opts: unknown, cmd: Command) => {
      await writes(
        cmd,
        { group: ref },
        (client, id) => client.invite(id, npub),
        (outcome, { group: id, pending }) =>
          printResult(
            cmd,
            {
              group: id,
              invited: npub,
              delivered: pending === 0,
              devices: outcome.devices,
              waiting: outcome.waiting,
              unusable: outcome.unusable,
            },
            [
              pending === 0
                ? 'Invitation sent. They see it with "rally invites".'
                : "Invitation saved; it is sent as soon as a relay is reachable.",
              ...(outcome.waiting > 0
                ? [
                    `${outcome.waiting} more of their device${outcome.waiting === 1 ? "" : "s"} will be added by your next "rally sync" (more than one change was needed).`,
                  ]
                : []),
              ...outcome.unusable.map((u) => `One of their devices could not be added: ${u.reason}.`),
              ...(outcome.unusable.length > 0
                ? [
                    'Ask them to open Rally or run "rally sync" so that device publishes a new key package, then invite them again.',
                  ]
                : []),
            ],
          ),
      );
    });

  group
    .command("remove")
    .description("remove someone from a group; admins only")
    .argument("<group>", "group id or name")
    .argument("<npub>", "the person's address")
    .action(async (ref: string, npub: string, _opts: unknown, cmd: Command) => {
      await writes(
        cmd,
        { group: ref },
        (client, id) => client.remove(id, npub),
        (_, { group: id, pending }) =>
          printResult(cmd, { group: id, removed: npub, delivered: pending === 0 }, [
            "Removed. They cannot read anything the group sends from now on.",
          ]),
      );
    });

  group
    .command("admin")
    .description("make a member an admin of the group (or, with --remove, no longer one); admins only")
    .argument("<group>", "group id or name")
    .argument("<npub>", "the member's address")
    .option("--remove", "take admin rights away instead")
    .action(async (ref: string, npub: string, opts: { remove?: boolean }, cmd: Command) => {
      await writes(
        cmd,
        { group: ref },
        (client, id) => client.setAdmin(id, npub, opts.remove !== true),
        (_, { group: id }) =>
          printResult(cmd, { group: id, npub, admin: opts.remove !== true }, [
            opts.remove ? "They are no longer an admin." : "They are now an admin.",
          ]),
      );
    });

  group
    .command("disappearing")
    .description("delete messages after a while on every device and relay (off, 1h, 1d, 1w, 4w); admins only")
    .argument("<group>", "group id or name")
    .argument("<after>", "off, 1h, 1d, 1w or 4w")
    .action(async (ref: string, after: string, _opts: unknown, cmd: Command) => {
      const seconds = parseDisappearing(after);
      await writes(
        cmd,
        { group: ref },
        (client, id) => client.setDisappearing(id, seconds),
        (_, { group: id }) =>
          printResult(cmd, { group: id, disappearAfter: seconds }, [
            seconds === null
              ? "Disappearing messages are off."
              : `Messages now disappear ${disappearWords(seconds)} after they are sent, on every device and relay.`,
          ]),
      );
    });

  group
    .command("leave")
    .description("leave a group (this device forgets its keys)")
    .argument("<group>", "group id or name")
    .action(async (ref: string, _opts: unknown, cmd: Command) => {
      // Leaving goes out from whatever state this device holds: no catching up first.
      await writes(
        cmd,
        { group: ref, catchUp: false },
        (client, id) => client.leave(id),
        (_, { group: id }) => printResult(cmd, { group: id, left: true }, ["You left the group."]),
      );
    });

  group
    .command("link")
    .description("make an invite link for a group; admins only")
    .argument("<group>", "group id or name")
    .option("--uses <n>", "how many people may join with it (default: any number)", positiveInt("--uses"))
    .option("--expires <duration>", "how long it works: 30m, 12h, 7d, 2w (default: no expiry)")
    .option("--approve", "an admin approves each person who asks to join")
    .action(
      async (ref: string, opts: { uses?: number; expires?: string; approve?: boolean }, cmd: Command) => {
        await withClient(cmd, async (client) => {
          const id = await client.resolveGroup(ref);
          const link = await client.createInviteLink(id, {
            ...(opts.uses !== undefined ? { uses: opts.uses } : {}),
            ...(opts.expires !== undefined ? { expiresIn: parseDuration(opts.expires) } : {}),
            ...(opts.approve ? { approve: true } : {}),
          });
          // stdout holds the link alone (scripts read it); the advice goes to stderr.
          printResult(cmd, link, link.url);
          info(cmd, "Share this link privately: anyone who has it can ask to join.");
          info(
            cmd,
            opts.approve
              ? 'Requests wait for an admin: see them with "rally group requests GROUP".'
              : "People are let in whenever an admin's device syncs (rally sync).",
          );
        });
      },
    );

  group
    .command("requests")
    .description("people waiting to join through an invite link that needs approval")
    .argument("<group>", "group id or name")
    .option("--offline", "do not check the relays first")
    .action(async (ref: string, opts: Offline, cmd: Command) => {
      await reads(cmd, { group: ref, offline: opts.offline }, async (client, id) => {
        const list = await client.pendingJoins(id);
        printResult(cmd, list, () =>
          list.length === 0 ? ["Nobody is waiting."] : list.map((r) => `${r.name}  (request ${r.id})`),
        );
      });
    });

  group
    .command("approve")
    .description("let in someone who asked through an invite link")
    .argument("<group>", "group id or name")
    .argument("<request>", 'request id, from "rally group requests"')
    .action(async (ref: string, request: string, _opts: unknown, cmd: Command) => {
      // The request is already on this device (from "rally group requests"): no catching up first.
      await writes(
        cmd,
        { group: ref, catchUp: false },
        (client, id) => client.approveJoin(id, request),
        (_, { group: id }) =>
          printResult(cmd, { group: id, approved: request }, [
            "Approved: they are being added to the group.",
          ]),
      );
    });
}
