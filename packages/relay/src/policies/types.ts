/**
 * Relay policy hooks (after khatru's `Reject…` lists): small functions that refuse an event or a
 * filter with a NIP-01 reason, composed in order — the first refusal wins. They are pure, so each is
 * tested without a socket.
 */
import type { Filter, NostrEvent, PubkeyHex } from "@rally/protocol/nostr";

export interface PolicyContext {
  /** Keys this connection has authenticated as with NIP-42 (a connection may hold several). */
  authed: ReadonlySet<PubkeyHex>;
  /** Unix seconds. */
  now: number;
}

export interface EventContext extends PolicyContext {
  /** UTF-8 size of the event's JSON. */
  bytes: number;
}

/** A filter is refused (the REQ gets `CLOSED`), or served with some kinds hidden from it. */
export type FilterDecision = { reject: string } | { hideKinds: readonly number[] } | undefined;

export interface RelayPolicy {
  readonly name: string;
  /** A NIP-01 reason (`"invalid: …"`, `"auth-required: …"`) to refuse the event, or undefined. */
  rejectEvent?(event: NostrEvent, ctx: EventContext): string | undefined;
  /** Decides on one filter of a REQ or COUNT. */
  checkFilter?(filter: Filter, ctx: PolicyContext): FilterDecision;
  /**
   * Runs before `checkFilter`: replaces one filter with filters that ask for no more than it did
   * (e.g. narrowed to what this connection may read), or leaves it (undefined).
   */
  rewriteFilter?(filter: Filter, ctx: PolicyContext): Filter[] | undefined;
}

export function rejectEvent(
  policies: readonly RelayPolicy[],
  event: NostrEvent,
  ctx: EventContext,
): string | undefined {
  for (const p of policies) {
    const r = p.rejectEvent?.(event, ctx);
    if (r !== undefined) return r;
  }
  return undefined;
}

export function checkFilter(
  policies: readonly RelayPolicy[],
  filter: Filter,
  ctx: PolicyContext,
): { reject: string } | { hideKinds: number[] } {
  const hide = new Set<number>();
  for (const p of policies) {
    const d = p.checkFilter?.(filter, ctx);
    if (d === undefined) continue;
    if ("reject" in d) return d;
    for (const k of d.hideKinds) hide.add(k);
  }
  return { hideKinds: [...hide] };
}

/** Each policy's `rewriteFilter`, in order, over every filter of a REQ or COUNT. */
export function rewriteFilters(
  policies: readonly RelayPolicy[],
  filters: readonly Filter[],
  ctx: PolicyContext,
): Filter[] {
  let out = [...filters];
  for (const p of policies) {
    const rewrite = p.rewriteFilter;
    if (rewrite) out = out.flatMap((f) => rewrite(f, ctx) ?? [f]);
  }
  return out;
}
