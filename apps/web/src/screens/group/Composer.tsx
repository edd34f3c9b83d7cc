/** Writing a message: Enter sends, Shift+Enter starts a new line; what is typed is never lost on failure. */
import type { ChatMessage } from "@rally/client";
import { useRef, useState } from "react";
import { useConnection } from "../../app/client.tsx";

export function Composer({
  groupName,
  replyTo,
  replyName,
  onCancelReply,
  onSend,
}: {
  groupName: string;
  replyTo: ChatMessage | null;
  replyName: string;
  onCancelReply: () => void;
  onSend: (text: string) => Promise<void>;
}) {
  const [text, setText] = useState("");
  const [error, setError] = useState<string | null>(null);
  const [busy, setBusy] = useState(false);
  const input = useRef<HTMLTextAreaElement>(null);
  const connection = useConnection();

  const send = async () => {
    const trimmed = text.trim();
    if (!trimmed || busy) return;
    setBusy(true);
    setError(null);
    try {
      await onSend(trimmed);
      setText("");
    } catch (e) {
      // Keep the text in the box so nothing typed is lost.
      setError(e instanceof Error ? e.message : String(e));
    } finally {
      setBusy(false);
      input.current?.focus();
    }
  };

  return (
    <form
      className="composer"
      onSubmit={(e) => {
        e.preventDefault();
        void send();
      }}
    >
      {replyTo && (
        <div className="replying">
          <span>
            Replying to <strong>{replyName}</strong>:{" "}
            <span className="reply-snippet">{snippet(replyTo)}</span>
          </span>
          <button type="button" className="quiet small" onClick={onCancelReply} aria-label="Cancel reply">
            ✕
          </button>
        </div>
      )}
      {connection === "offline" && (
        <p className="offline-note" role="status">
          You are offline. Messages you send now wait on this device and go out when you are back.
        </p>
      )}
      {error && (
        <p className="error-note" role="alert">
          {error}
        </p>
      )}
      <div className="composer-row">
        <label htmlFor="composer-input" className="visually-hidden">
          Message
        </label>
        <textarea
          id="composer-input"
          ref={input}
          value={text}
          rows={1}
          placeholder={`Message ${groupName}`}
          onChange={(e) => setText(e.target.value)}
          onKeyDown={(e) => {
            if (e.key === "Enter" && !e.shiftKey && !e.nativeEvent.isComposing) {
              e.preventDefault();
              void send();
            }
            if (e.key === "Escape" && replyTo) onCancelReply();
          }}
          maxLength={8000}
        />
        <button type="submit" className="primary send" disabled={!text.trim() || busy}>
          Send
        </button>
      </div>
    </form>
  );
}

export function snippet(message: ChatMessage): string {
  if (message.deleted) return "a deleted message";
  return message.text.length > 80 ? `${message.text.slice(0, 80)}…` : message.text;
}
