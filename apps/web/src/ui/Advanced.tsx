/**
 * The one place technical words may appear (account id, relays, public keys): closed by default,
 * so nobody has to meet them to use Rally.
 */
import type { ReactNode } from "react";

export function Advanced({ children, label = "Advanced" }: { children: ReactNode; label?: string }) {
  return (
    <details className="advanced">
      <summary>{label}</summary>
      <div className="advanced-body">{children}</div>
    </details>
  );
}
