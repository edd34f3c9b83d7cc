/**
 * `rally poll`: polls in a group, including "pick a date" (issue 4):
 *   rally poll create GROUP QUESTION --option A --option B … [--dates] [--multiple]
 *   rally poll vote GROUP POLL OPTION…     rally poll list GROUP
 * Options are voted by id (0, 1, …) or by their text.
 */
import type { PollView } from "@rally/client";
import type { Command } from "commander";
import { reads, writes } from "../cli/actions.ts";
import { collect } from "../cli/client.ts";
import { CliError, printResult } from "../cli/output.ts";

function pollLines(p: PollView): string[] {
  return [
    `${p.question}${p.dates ? " (pick a date)" : ""}`,
    ...p.options.map(
      (o) =>
        `  [${o.id}] ${o.label} — ${o.votes.length} vote${o.votes.length === 1 ? "" : "s"}${p.myVote.includes(o.id) ? " (yours)" : ""}`,
    ),
    `  id: ${p.id}`,
  ];
}

export function register(program: Command): void {
  const poll = program.command("poll").description("polls in a group: create, vote, list");

  poll
    .command("create")
    .description("ask the group a question")
    .argument("<group>", "group id or name")
    .argument("<question>", "the question")
    .option("--option <text>", "an answer to choose (repeat, at least two)", collect)
    .option("--dates", "a pick-a-date poll: each option is a date like 2026-06-01")
    .option("--multiple", "people may choose several options")
    .action(
      async (
        ref: string,
        question: string,
        opts: { option?: string[]; dates?: boolean; multiple?: boolean },
        cmd: Command,
      ) => {
        if (!opts.option || opts.option.length < 2)
          throw new CliError("A poll needs at least two --option values.");
        await writes(
          cmd,
          { group: ref, retry: true },
          (client, id) =>
            client.createPoll(id, {
              question,
              options: opts.option as string[],
              dates: opts.dates === true,
              multiple: opts.multiple === true,
            }),
          (p) => printResult(cmd, p, ["Poll created.", ...pollLines(p)]),
        );
      },
    );

  poll
    .command("vote")
    .description("vote in a poll")
    .argument("<group>", "group id or name")
    .argument("<poll>", "poll id")
    .argument("<options...>", "option id(s) or text")
    .action(async (ref: string, pollId: string, options: string[], _opts: unknown, cmd: Command) => {
      await writes(
        cmd,
        { group: ref, retry: true },
        (client, id) => client.vote(id, pollId, options),
        async (_, { client, group: id }) => {
          const p = (await client.polls(id)).find((x) => x.id === pollId || x.id.startsWith(pollId));
          printResult(cmd, p ?? { id: pollId }, ["Voted.", ...(p ? pollLines(p) : [])]);
        },
      );
    });

  poll
    .command("list")
    .description("a group's polls with their votes")
    .argument("<group>", "group id or name")
    .option("--offline", "do not check the relays first")
    .action(async (ref: string, opts: { offline?: boolean }, cmd: Command) => {
      await reads(cmd, { group: ref, offline: opts.offline }, async (client, id) => {
        const list = await client.polls(id);
        printResult(cmd, list, () => (list.length === 0 ? ["No polls yet."] : list.flatMap(pollLines)));
      });
    });
}
