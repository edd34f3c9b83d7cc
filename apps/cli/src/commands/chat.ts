/**
 * `rally chat`: send and read a group's messages (issue 3):
 *   rally chat send GROUP TEXT|-  [--file PATH]   rally chat list GROUP → [{"type":"message","id","author","text","createdAt"}]
 * (`author` is the sender's npub), plus replies, reactions and deleting. `chat list` also holds the
 * group's changes as `{"type":"notice","text":"Alice removed Bob",…}` entries among the messages.
 * A message of one's own that every relay refused for good shows as not sent (`"state":"failed"`);
 * `rally chat retry GROUP [MESSAGE]` sends it again once a relay takes it.
 */
import { disappearWords } from "@rally/client";
import type { Command } from "commander";
import { reads, writes } from "../cli/actions.ts";
import { quoteArg, when } from "../cli/client.ts";
import { positiveInt, printResult } from "../cli/output.ts";
import { textFrom } from "../cli/textInput.ts";

interface SendOptions {
  reply?: string;
  file?: string;
}

export function register(program: Command): void {
  const chat = program.command("chat").description("a group's messages: send, list, react, delete");

  chat
    .command("send")
    .description("send a message to a group")
    .argument("<group>", "group id or name")
    .argument("[text]", "the message; - reads it from standard input")
    .option("--file <path>", "read the message from a file (UTF-8)")
    .option("--reply <id>", "answer this message")
    .action(async (ref: string, arg: string | undefined, opts: SendOptions, cmd: Command) => {
      // Read first: unreadable or empty input is refused before anything is opened or sent.
      const text = await textFrom(arg, opts.file, "message");
      await writes(
        cmd,
        { group: ref, retry: true },
        (client, id) => client.sendChat(id, text, opts.reply ? { replyTo: opts.reply } : {}),
        (m, { pending }) => {
          const out = { ...m, state: pending === 0 ? "sent" : "pending" };
          printResult(cmd, out, [
            pending === 0 ? "Sent." : "Saved; it will be sent when a relay is reachable.",
          ]);
        },
      );
    });

  chat
    .command("list")
    .description("show a group's messages and changes to it (who was added, removed, …), oldest first")
    .argument("<group>", "group id or name")
    .option("--limit <n>", "only the newest N", positiveInt("--limit"))
    .option("--before <id>", "only what came before this message or change (its id, from --json)")
    .option("--offline", "do not check the relays first")
    .action(
      async (ref: string, opts: { limit?: number; before?: string; offline?: boolean }, cmd: Command) => {
        await reads(cmd, { group: ref, offline: opts.offline }, async (client, id) => {
          const list = await client.chatHistory(id, {
            ...(opts.limit ? { limit: opts.limit } : {}),
            ...(opts.before !== undefined ? { before: opts.before.trim().toLowerCase() } : {}),
          });
          const timer = (await client.groups()).find((g) => g.id === id)?.disappearAfter ?? null;
          const header = timer === null ? [] : [`Messages disappear after ${disappearWords(timer)}.`];
          // Only one's own messages are ever pending or failed: how to send them again, if refused.
          const sendState = {
            sent: "",
            pending: "  (waiting to send)",
            failed: `  (not sent — rally chat retry ${quoteArg(ref)})`,
          };
          printResult(cmd, list, () => [
            ...header,
            ...(list.length === 0
              ? ["No messages yet."]
              : list.map((m) => {
                  if (m.type === "notice") return `[${when(m.createdAt)}] — ${m.text}`;
                  const text = m.deleted ? "(deleted)" : m.text;
                  const reactions = m.reactions.map((r) => `${r.emoji}${r.authors.length}`).join(" ");
                  return `[${when(m.createdAt)}] ${m.authorName}: ${text}${reactions ? `  ${reactions}` : ""}${sendState[m.state]}`;
                })),
            // A full page may have older ones before it: how to read the page before.
            ...(opts.limit !== undefined && list.length === opts.limit && list[0]
              ? [`Older: rally chat list ${quoteArg(ref)} --limit ${opts.limit} --before ${list[0].id}`]
              : []),
          ]);
        });
      },
    );

  chat
    .command("react")
    .description("react to a message with an emoji")
    .argument("<group>", "group id or name")
    .argument("<message>", "message id")
    .argument("<emoji>", "the reaction")
    .action(async (ref: string, message: string, emoji: string, _opts: unknown, cmd: Command) => {
      await writes(
        cmd,
        { group: ref, retry: true },
        (client, id) => client.react(id, message, emoji),
        (_, { group: id }) => printResult(cmd, { group: id, message, emoji }, ["Reacted."]),
      );
    });

  chat
    .command("delete")
    .description("delete one of your messages (admins may delete any)")
    .argument("<group>", "group id or name")
    .argument("<message>", "message id")
    .action(async (ref: string, message: string, _opts: unknown, cmd: Command) => {
      await writes(
        cmd,
        { group: ref, retry: true },
        (client, id) => client.deleteMessage(id, message),
        (_, { group: id }) => printResult(cmd, { group: id, deleted: message }, ["Deleted."]),
      );
    });

  chat
    .command("retry")
    .description("send again what every relay refused (shown as not sent in chat list)")
    .argument("<group>", "group id or name")
    .argument("[message]", "only this message (its id); default: everything of yours not sent in the group")
    .action(async (ref: string, message: string | undefined, _opts: unknown, cmd: Command) => {
      // What is stored goes out again as it is: no catching up first. Refused again, the command
      // fails with the relays' reasons and it stays marked as not sent.
      await writes(
        cmd,
        { group: ref, retry: true, catchUp: false, sends: (retried: number) => retried > 0 },
        (client, id) => client.retry(id, message),
        (retried, { group: id, pending }) => {
          if (retried === 0) {
            printResult(cmd, { group: id, retried: 0, state: "sent" }, [
              message
                ? "Nothing to send again: that message is not marked as not sent."
                : "Nothing to send again: nothing of yours in this group is marked as not sent.",
            ]);
            return;
          }
          const items = retried === 1 ? "it" : `all ${retried}`;
          printResult(cmd, { group: id, retried, state: pending === 0 ? "sent" : "pending" }, [
            pending === 0
              ? `Sent again: a relay took ${items}.`
              : "Queued again; it will be sent when a relay is reachable.",
          ]);
        },
      );
    });
}
