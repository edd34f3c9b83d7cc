/**
 * A group's public face (docs/PROTOCOL.md §19), admins only:
 *   rally group public GROUP --name NAME [--about TEXT] [--picture URL] [--website URL] → {"npub","url"}
 *   rally group public GROUP --off;  rally group public GROUP (the face as this device knows it)
 *   rally event publish GROUP EVENT → {"naddr","url"};  rally event unpublish GROUP EVENT
 *   rally event answers GROUP EVENT → [{"name","status","guests","approved","via","id","contact","at",…}]
 *   rally event approve GROUP EVENT ANSWER_ID;  rally event refuse GROUP EVENT ANSWER_ID
 *
 * The group's public key is its own, never an organiser's; what goes public is the event's title,
 * times, summary, picture, place (unless answers need approval), hashtags, links and description.
 */
import type { PublicAnswerView } from "@rally/client";
import type { Command } from "commander";
import { reads, writes } from "../cli/actions.ts";
import { CliError, printResult } from "../cli/output.ts";

interface FaceOptions {
  name?: string;
  about?: string;
  picture?: string;
  website?: string;
  off?: boolean;
}

/** `rally group public`, registered under `rally group`. */
export function registerGroupPublic(group: Command): void {
  group
    .command("public")
    .description("give the group a public profile and calendar under its own key (admins), or --off")
    .argument("<group>", "group id or name")
    .option("--name <name>", "the public name")
    .option("--about <text>", "what the group is about, for the public")
    .option("--picture <url>", "a picture (https://…)")
    .option("--website <url>", "a website (https://…)")
    .option("--off", "withdraw the profile, the calendar and every public event")
    .action(async (ref: string, opts: FaceOptions, cmd: Command) => {
      if (opts.off && (opts.name || opts.about || opts.picture || opts.website)) {
        throw new CliError("--off turns the public face off: give it alone.");
      }
      if (!opts.off && !opts.name && (opts.about || opts.picture || opts.website)) {
        throw new CliError('Give the public name too (--name "…"): it is the profile\'s one required field.');
      }
      if (!opts.off && !opts.name) {
        // No change asked: show the public face as this device knows it (admins' devices hold it).
        await reads(cmd, { group: ref }, async (client, id) => {
          const face = await client.publicFace(id);
          if (!face) {
            throw new CliError(
              'This device knows no public face of the group. An admin turns it on with --name "…".',
            );
          }
          printResult(cmd, face, [
            `The public face is ${face.on ? "on" : "off"}: ${face.url}`,
            `  name: ${face.profile.name}`,
            ...face.events.map((e) => `  event ${e.event}: ${e.url}`),
          ]);
        });
        return;
      }
      await writes(
        cmd,
        { group: ref },
        (client, id) =>
          opts.off
            ? client.setPublicFace(id, { off: true }).then(() => null)
            : client.setPublicFace(id, {
                name: opts.name as string,
                ...(opts.about !== undefined ? { about: opts.about } : {}),
                ...(opts.picture !== undefined ? { picture: opts.picture } : {}),
                ...(opts.website !== undefined ? { website: opts.website } : {}),
              }),
        (face) =>
          face === null
            ? printResult(cmd, { off: true }, ["The public face is off: its events are withdrawn."])
            : printResult(cmd, face, ["The group's public page:", `  ${face.url}`, `  key: ${face.npub}`]),
      );
    });
}

function answerLines(a: PublicAnswerView): string[] {
  const words = { going: "going", maybe: "maybe", declined: "can't go" }[a.status];
  const guests = a.guests > 0 ? ` +${a.guests}` : "";
  const decision =
    a.via === "web" ? `, ${a.decision === "pending" ? "waiting for approval" : a.decision}` : "";
  return [
    `${a.name} — ${words}${guests} (${a.via === "web" ? "from the web" : "in Rally"}${decision})`,
    ...(a.contact ? [`  contact: ${a.contact}`] : []),
    ...(a.note ? [`  note:    ${a.note}`] : []),
    ...(a.via === "web" ? [`  id:      ${a.id}`] : []),
  ];
}

/** `rally event publish|unpublish|answers|approve|refuse`, registered under `rally event`. */
export function registerEventPublic(event: Command): void {
  event
    .command("publish")
    .description("publish an event under the group's public key (admins)")
    .argument("<group>", "group id or name")
    .argument("<event>", "event id")
    .action(async (ref: string, eventId: string, _opts: unknown, cmd: Command) => {
      await writes(
        cmd,
        { group: ref },
        (client, id) => client.publishEvent(id, eventId),
        (p) => printResult(cmd, p, ["Published:", `  ${p.url}`]),
      );
    });

  event
    .command("unpublish")
    .description("withdraw a public event (admins); it stays in the group")
    .argument("<group>", "group id or name")
    .argument("<event>", "event id")
    .action(async (ref: string, eventId: string, _opts: unknown, cmd: Command) => {
      await writes(
        cmd,
        { group: ref },
        (client, id) => client.unpublishEvent(id, eventId),
        () => printResult(cmd, { id: eventId, published: false }, ["Withdrawn from the public calendar."]),
      );
    });

  event
    .command("answers")
    .description("who answered, from the web and in Rally (hosts and admins)")
    .argument("<group>", "group id or name")
    .argument("<event>", "event id")
    .option("--offline", "do not check the relays first")
    .action(async (ref: string, eventId: string, opts: { offline?: boolean }, cmd: Command) => {
      await reads(cmd, { group: ref, offline: opts.offline }, async (client, id) => {
        const list = await client.eventAnswers(id, eventId);
        printResult(cmd, list, () => (list.length === 0 ? ["No answers yet."] : list.flatMap(answerLines)));
      });
    });

  for (const [name, decision, done] of [
    ["approve", "approved", "Approved: they are told the place."],
    ["refuse", "refused", "Refused: they are told."],
  ] as const) {
    event
      .command(name)
      .description(`${name} an answer from the web (hosts and admins)`)
      .argument("<group>", "group id or name")
      .argument("<event>", "event id")
      .argument("<answer>", 'answer id, from "rally event answers"')
      .action(async (ref: string, eventId: string, answerId: string, _opts: unknown, cmd: Command) => {
        await writes(
          cmd,
          { group: ref },
          (client, id) => client.decideAnswer(id, eventId, answerId, decision),
          () => printResult(cmd, { id: answerId, decision }, [done]),
        );
      });
  }
}
