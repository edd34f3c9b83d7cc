/** A button for an action that cannot be undone: the first press asks, the second acts. */
import { useEffect, useRef, useState } from "react";

export function ConfirmButton({
  label,
  question,
  confirmLabel,
  onConfirm,
  busy = false,
  className = "danger",
}: {
  label: string;
  question: string;
  confirmLabel: string;
  onConfirm: () => void;
  busy?: boolean;
  className?: string;
}) {
  const [asking, setAsking] = useState(false);
  const confirmRef = useRef<HTMLButtonElement>(null);
  const firstRef = useRef<HTMLButtonElement>(null);
  const wasAsking = useRef(false);
  // Keep keyboard focus with the question: on the confirm button when asked, back after.
  useEffect(() => {
    if (asking) confirmRef.current?.focus();
    else if (wasAsking.current) firstRef.current?.focus();
    wasAsking.current = asking;
  }, [asking]);
  if (!asking) {
    return (
      <button
        type="button"
        ref={firstRef}
        className={className}
        onClick={() => setAsking(true)}
        disabled={busy}
      >
        {label}
      </button>
    );
  }
  return (
    <span className="confirm">
      <span className="confirm-question">{question}</span>
      <button
        type="button"
        ref={confirmRef}
        className="danger"
        disabled={busy}
        onClick={() => {
          setAsking(false);
          onConfirm();
        }}
      >
        {confirmLabel}
      </button>
      <button type="button" className="quiet" onClick={() => setAsking(false)}>
        Cancel
      </button>
    </span>
  );
}
