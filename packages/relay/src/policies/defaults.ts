/** The relay's default policy list, in the order they run. */
import type { RelayLimits } from "../limits.ts";
import { acceptKinds } from "./acceptKinds.ts";
import { refuseAuthEvents, requireAuth } from "./auth.ts";
import { maxEventSize, maxFutureCreatedAt } from "./eventLimits.ts";
import { refuseExpired } from "./expiration.ts";
import { privateInbox } from "./privateInbox.ts";
import { protectedEvents } from "./protectedEvents.ts";
import type { RelayPolicy } from "./types.ts";

export interface DefaultPolicyOptions {
  /** Require NIP-42 authentication for every EVENT, REQ and COUNT. */
  authRequired?: boolean;
  /** Kinds served only to their authenticated `p` recipient (default: gift wraps, 1059). */
  privateKinds?: readonly number[];
  /** Store only these kinds (`--accept rally`: `RALLY_KINDS`); others are refused `blocked:`. */
  acceptKinds?: readonly number[];
}

export function defaultPolicies(limits: RelayLimits, options: DefaultPolicyOptions = {}): RelayPolicy[] {
  return [
    ...(options.authRequired ? [requireAuth()] : []),
    ...(options.acceptKinds ? [acceptKinds(options.acceptKinds)] : []),
    maxEventSize(limits.maxEventBytes),
    maxFutureCreatedAt(limits.maxFutureSeconds),
    refuseAuthEvents(),
    refuseExpired(),
    protectedEvents(),
    privateInbox(options.privateKinds),
  ];
}
