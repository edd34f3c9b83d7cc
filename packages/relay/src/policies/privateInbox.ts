/**
 * Private inboxes: events of the given kinds (NIP-59 gift wraps, 1059, by default) are served only
 * to the NIP-42-authenticated person they are addressed to by `p` tag, so nobody can list someone
 * else's mail or see how much of it there is.
 *
 * - A filter that names such a kind must be authenticated (`auth-required:`) and carry `#p` listing
 *   only keys the connection authenticated as (`restricted:` otherwise). An authenticated filter
 *   without `#p` is narrowed to the asker's own keys for those kinds (as strfry serves them).
 * - A filter that does not name kinds is served with those kinds hidden, unless its `#p` lists only
 *   authenticated keys (then everything it can match is addressed to the asker).
 */
import { KIND_GIFT_WRAP, type PubkeyHex, reason } from "@rally/protocol/nostr";
import type { RelayPolicy } from "./types.ts";

export function privateInbox(kinds: readonly number[] = [KIND_GIFT_WRAP]): RelayPolicy {
  const what = `kind ${kinds.join("/")} events`;
  return {
    name: "private-inbox",
    rewriteFilter(filter, ctx) {
      if (ctx.authed.size === 0 || filter.kinds === undefined || filter["#p"] !== undefined) return undefined;
      const own = filter.kinds.filter((k) => kinds.includes(k));
      if (own.length === 0) return undefined;
      const rest = filter.kinds.filter((k) => !kinds.includes(k));
      return [
        { ...filter, kinds: own, "#p": [...ctx.authed] },
        ...(rest.length > 0 ? [{ ...filter, kinds: rest }] : []),
      ];
    },
    checkFilter(filter, ctx) {
      const p = filter["#p"];
      const onlyOwn = p !== undefined && p.length > 0 && p.every((k) => ctx.authed.has(k as PubkeyHex));
      if (filter.kinds === undefined) return onlyOwn ? undefined : { hideKinds: kinds };
      if (!filter.kinds.some((k) => kinds.includes(k))) return undefined;
      if (ctx.authed.size === 0)
        return {
          reject: reason("auth-required", `${what} are served only to their recipient; authenticate first`),
        };
      if (!onlyOwn)
        return { reject: reason("restricted", `ask for ${what} with #p set to your own authenticated key`) };
      return undefined;
    },
  };
}
