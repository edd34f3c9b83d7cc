/**
 * One chat message. Its text is rendered as text (React escapes it), so markup in a message shows
 * as the characters someone typed. Actions (reply, react, delete) open from a button, reachable by
 * keyboard and touch alike. A message of one's own that every relay refused shows "Not sent · Retry":
 * Retry queues it again, and it shows as waiting to send until a relay takes it.
 */
import type { ChatMessage } from "@rally/client";
import { memo, useState } from "react";
import { clockTime } from "../../lib/time.ts";
import { snippet } from "./Composer.tsx";

export const REACTIONS = ["👍", "❤️", "😂", "🎉", "😮", "🙏", "✊"];

const STATE_TEXT = { pending: "Waiting to send", failed: "Not sent", sent: null } as const;

export const MessageRow = memo(function MessageRow({
  message,
  showAuthor,
  mine,
  repliedTo,
  nameOf,
  admin,
  onReply,
  onReact,
  onDelete,
  onRetry,
}: {
  message: ChatMessage;
  showAuthor: boolean;
  mine: boolean;
  repliedTo: ChatMessage | null;
  nameOf: (npub: string) => string;
  admin: boolean;
  onReply: () => void;
  onReact: (emoji: string) => Promise<void>;
  onDelete: () => Promise<void>;
  onRetry: () => Promise<void>;
}) {
  const [open, setOpen] = useState(false);
  const [confirmDelete, setConfirmDelete] = useState(false);
  const [error, setError] = useState<string | null>(null);
  const [retrying, setRetrying] = useState(false);
  const author = mine ? "You" : message.authorName || nameOf(message.author);
  const state = STATE_TEXT[message.state];
  const act = (fn: () => Promise<void>) => {
    setError(null);
    fn().then(
      () => setOpen(false),
      (e: unknown) => setError(e instanceof Error ? e.message : String(e)),
    );
  };

  return (
    <article
      className={`message${mine ? " mine" : ""}${showAuthor ? " first" : ""}${message.state !== "sent" ? ` ${message.state}` : ""}`}
      aria-label={`${author} at ${clockTime(message.createdAt)}`}
    >
      {showAuthor && (
        <header className="message-head">
          <span className="author">{author}</span>
          <time dateTime={new Date(message.createdAt * 1000).toISOString()}>
            {clockTime(message.createdAt)}
          </time>
        </header>
      )}
      {message.replyTo && (
        <p className="quote">
          <span className="visually-hidden">In reply to </span>
          {repliedTo ? (
            <>
              <strong>{nameOf(repliedTo.author)}</strong> {snippet(repliedTo)}
            </>
          ) : (
            "an earlier message"
          )}
        </p>
      )}
      {message.deleted ? (
        <p className="text deleted">This message was deleted.</p>
      ) : (
        <p className="text">{message.text}</p>
      )}
      {state && (
        <p className="send-state">
          <span aria-hidden="true">{message.state === "pending" ? "🕓 " : "⚠️ "}</span>
          {state}
          {message.state === "failed" && mine && (
            <>
              {" · "}
              <button
                type="button"
                className="link-button retry"
                disabled={retrying}
                onClick={() => {
                  setRetrying(true);
                  act(() => onRetry().finally(() => setRetrying(false)));
                }}
              >
                Retry
              </button>
            </>
          )}
        </p>
      )}
      {message.reactions.length > 0 && (
        <ul className="reactions" aria-label="Reactions">
          {message.reactions.map((r) => (
            <li key={r.emoji}>
              <button
                type="button"
                className="reaction"
                aria-label={`${r.emoji} ${r.authors.length}: ${r.authors.map(nameOf).join(", ")}`}
                title={r.authors.map(nameOf).join(", ")}
                disabled={message.deleted}
                onClick={() => act(() => onReact(r.emoji))}
              >
                {r.emoji} {r.authors.length}
              </button>
            </li>
          ))}
        </ul>
      )}
      {!message.deleted && (
        <div className="message-tools">
          <button
            type="button"
            className="more"
            aria-expanded={open}
            aria-label={`Actions for message from ${author}`}
            onClick={() => {
              setOpen(!open);
              setConfirmDelete(false);
            }}
          >
            ⋯
          </button>
          {open && (
            <div className="tool-row">
              <button
                type="button"
                className="quiet small"
                onClick={() => {
                  setOpen(false);
                  onReply();
                }}
              >
                Reply
              </button>
              <fieldset className="emoji-picker">
                <legend className="visually-hidden">React</legend>
                {REACTIONS.map((emoji) => (
                  <button
                    type="button"
                    key={emoji}
                    className="emoji"
                    aria-label={`React with ${emoji}`}
                    onClick={() => act(() => onReact(emoji))}
                  >
                    {emoji}
                  </button>
                ))}
              </fieldset>
              {(mine || admin) &&
                (confirmDelete ? (
                  <span className="confirm">
                    <span>Delete for everyone?</span>
                    <button type="button" className="danger small" onClick={() => act(onDelete)}>
                      Delete
                    </button>
                    <button type="button" className="quiet small" onClick={() => setConfirmDelete(false)}>
                      Keep
                    </button>
                  </span>
                ) : (
                  <button
                    type="button"
                    className="quiet small danger-text"
                    onClick={() => setConfirmDelete(true)}
                  >
                    Delete
                  </button>
                ))}
            </div>
          )}
          {error && (
            <p className="error-note" role="alert">
              {error}
            </p>
          )}
        </div>
      )}
    </article>
  );
});
