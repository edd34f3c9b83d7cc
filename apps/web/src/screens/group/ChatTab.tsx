/**
 * A group's conversation. History loads a page at a time (older pages as the reader scrolls up)
 * into a windowed list, so ten thousand messages scroll as smoothly as ten. Messages typed while
 * offline show as waiting and go out on their own when the connection is back. Changes to the
 * group ("Alice removed Bob") show between the messages as centred grey lines.
 */
import type { ChatMessage } from "@rally/client";
import { useCallback, useEffect, useMemo, useRef, useState } from "react";
import { useClient } from "../../app/client.tsx";
import { clockTime, dayLabel } from "../../lib/time.ts";
import { ErrorNote } from "../../ui/Notice.tsx";
import { VirtualList } from "../../ui/VirtualList.tsx";
import { Composer } from "./Composer.tsx";
import { type ChatLine, type ChatRow, chatRows, isMessage, mergeMessages } from "./chatRows.ts";
import type { GroupContext } from "./groupContext.ts";
import { MessageRow } from "./MessageRow.tsx";

const PAGE = 200;

export function ChatTab({ context, onShown }: { context: GroupContext; onShown?: () => void }) {
  const client = useClient();
  const groupId = context.group.id;
  const [lines, setLines] = useState<ChatLine[] | null>(null);
  const [error, setError] = useState<string | null>(null);
  const [replyTo, setReplyTo] = useState<ChatMessage | null>(null);
  const olderState = useRef<{ loading: boolean; done: boolean }>({ loading: false, done: false });
  const onShownRef = useRef(onShown);
  onShownRef.current = onShown;

  // Newest page now and after every change in this group's chat; merged into what is loaded.
  useEffect(() => {
    let alive = true;
    let running = false;
    let again = false;
    const refresh = async () => {
      if (running) {
        again = true;
        return;
      }
      running = true;
      do {
        again = false;
        try {
          const fresh = await client.chatHistory(groupId, { limit: PAGE });
          if (!alive) return;
          // The newest page holds everything after its first second (all of it when not full).
          const from = fresh.length < PAGE ? Number.NEGATIVE_INFINITY : (fresh[0]?.createdAt ?? 0) + 1;
          setLines((loaded) => {
            if (loaded === null && fresh.length < PAGE) olderState.current.done = true;
            return mergeMessages<ChatLine>(loaded ?? [], fresh, from);
          });
          setError(null);
          onShownRef.current?.();
        } catch (e) {
          if (alive) setError(e instanceof Error ? e.message : String(e));
        }
      } while (again && alive);
      running = false;
    };
    void refresh();
    // A change to the group itself ("groups") may bring a notice ("Alice removed Bob"); a new name
    // ("names") shows on the messages of its person.
    const off = client.onChange((what) => {
      if (
        (what.kind === "chat" || what.kind === "groups" || what.kind === "names") &&
        (what.group === undefined || what.group === groupId)
      )
        void refresh();
    });
    return () => {
      alive = false;
      off();
    };
  }, [client, groupId]);

  // While a message of ours waits for a relay, look again now and then: its state changes when
  // the outbox hears back, which is not a change in the conversation itself.
  const messages = useMemo(() => lines?.filter(isMessage) ?? null, [lines]);
  const waiting = messages?.some((m) => m.state === "pending") ?? false;
  useEffect(() => {
    if (!waiting) return;
    const timer = setInterval(async () => {
      try {
        const fresh = await client.chatHistory(groupId, { limit: PAGE });
        setLines((loaded) => mergeMessages<ChatLine>(loaded ?? [], fresh));
      } catch {
        // The next tick or change notice tries again.
      }
    }, 2000);
    return () => clearInterval(timer);
  }, [client, groupId, waiting]);

  const loadOlder = useCallback(async () => {
    const state = olderState.current;
    const oldest = lines?.[0];
    if (state.loading || state.done || !oldest) return;
    state.loading = true;
    try {
      const page = await client.chatHistory(groupId, { limit: PAGE, before: oldest.id });
      if (page.length < PAGE) state.done = true;
      setLines((loaded) => mergeMessages<ChatLine>(loaded ?? [], page));
    } catch (e) {
      setError(e instanceof Error ? e.message : String(e));
    } finally {
      state.loading = false;
    }
  }, [client, groupId, lines]);

  // Reading the chat marks it read, also when new messages arrive while it is open.
  const newest = messages?.[messages.length - 1]?.id;
  useEffect(() => {
    if (newest === undefined || document.visibilityState !== "visible") return;
    void client.markRead(groupId).catch(() => {});
  }, [client, groupId, newest]);

  const rows = useMemo(() => chatRows(lines ?? []), [lines]);
  const byId = useMemo(() => new Map((messages ?? []).map((m) => [m.id, m])), [messages]);

  const renderRow = useCallback(
    (row: ChatRow) =>
      row.kind === "day" ? (
        <div className="day-separator">
          <span>{dayLabel(new Date(`${row.day}T12:00:00`).getTime() / 1000)}</span>
        </div>
      ) : row.kind === "notice" ? (
        <p className="chat-notice">
          <span>{row.notice.text}</span>{" "}
          <time dateTime={new Date(row.notice.createdAt * 1000).toISOString()}>
            {clockTime(row.notice.createdAt)}
          </time>
        </p>
      ) : (
        <MessageRow
          message={row.message}
          showAuthor={row.showAuthor}
          mine={row.message.author === context.me.npub}
          repliedTo={row.message.replyTo ? (byId.get(row.message.replyTo) ?? null) : null}
          nameOf={context.nameOf}
          admin={context.group.admin}
          onReply={() => setReplyTo(row.message)}
          onReact={(emoji) => client.react(groupId, row.message.id, emoji)}
          onDelete={() => client.deleteMessage(groupId, row.message.id)}
          onRetry={async () => {
            await client.retry(groupId, row.message.id);
          }}
        />
      ),
    [byId, client, groupId, context.me.npub, context.nameOf, context.group.admin],
  );

  return (
    <div className="chat">
      {error && <ErrorNote>{error}</ErrorNote>}
      {lines === null && !error && <p className="loading chat-loading">Loading messages…</p>}
      {messages !== null && messages.length === 0 && (
        <div className="empty chat-empty">
          <p>No messages yet. Say hello — only the members of {context.group.name} can read this.</p>
        </div>
      )}
      {lines !== null && lines.length > 0 && (
        <VirtualList
          className="messages"
          label={`Messages in ${context.group.name}`}
          items={rows}
          itemKey={rowKey}
          renderItem={renderRow}
          estimateHeight={estimateRow}
          onNearTop={() => void loadOlder()}
        />
      )}
      {context.active && (
        <Composer
          groupName={context.group.name}
          replyTo={replyTo}
          replyName={replyTo ? context.nameOf(replyTo.author) : ""}
          onCancelReply={() => setReplyTo(null)}
          onSend={async (text) => {
            const sent = await client.sendChat(groupId, text, replyTo ? { replyTo: replyTo.id } : undefined);
            setReplyTo(null);
            setLines((loaded) => mergeMessages<ChatLine>(loaded ?? [], [sent]));
          }}
        />
      )}
    </div>
  );
}

const rowKey = (row: ChatRow) => row.key;

function estimateRow(row: ChatRow): number {
  if (row.kind === "day") return 44;
  if (row.kind === "notice") return 36;
  const lines = Math.ceil(Math.max(1, row.message.text.length) / 48);
  return (row.showAuthor ? 30 : 8) + 24 * lines + (row.message.reactions.length > 0 ? 34 : 0) + 16;
}
