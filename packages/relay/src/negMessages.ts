/**
 * NIP-77 client messages — `NEG-OPEN`, `NEG-MSG`, `NEG-CLOSE` — parsed from untrusted text with
 * the same caps as NIP-01 messages (subscription id length, filter shape and sizes, frame size).
 *
 * Spec: https://github.com/nostr-protocol/nips/blob/master/77.md ("Nostr Messages").
 *   ["NEG-OPEN", <subscription ID string>, <filter>, <initialMessage, hex-encoded>]
 *   ["NEG-MSG", <subscription ID string>, <message, hex-encoded>]
 *   ["NEG-CLOSE", <subscription ID string>]
 */
import {
  type ClientMessageLimits,
  err,
  type Filter,
  ok,
  parseFilter,
  type Result,
  reason,
} from "@rally/protocol/nostr";

export type NegMessage =
  | { type: "NEG-OPEN"; subId: string; filter: Filter; message: string }
  | { type: "NEG-MSG"; subId: string; message: string }
  | { type: "NEG-CLOSE"; subId: string };

/** Why a NEG message is refused; with its subscription id when known, to answer with `NEG-ERR`. */
export interface NegMessageError {
  reason: string;
  subId?: string;
}

/** Cheap test on the start of a frame: is this one for the NIP-77 parser? */
export function isNegMessage(text: string): boolean {
  return /^\s*\[\s*"NEG-/.test(text.slice(0, 64));
}

export function parseNegMessage(
  text: string,
  limits: ClientMessageLimits,
  byteLength: number,
): Result<NegMessage, NegMessageError> {
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch {
    return err({ reason: reason("invalid", "message is not valid JSON") });
  }
  if (!Array.isArray(json) || typeof json[0] !== "string")
    return err({ reason: reason("invalid", "message must be a JSON array starting with its type") });
  const [type, subId] = json as unknown[];
  if (typeof subId !== "string" || subId.length === 0)
    return err({ reason: reason("invalid", `${type} needs a non-empty subscription id string`) });
  const fail = (text: string) => err({ reason: reason("invalid", text), subId });
  if (byteLength > limits.maxMessageBytes)
    return fail(`message too large (${byteLength} bytes; limit ${limits.maxMessageBytes})`);
  if (subId.length > limits.maxSubIdLength)
    return fail(`subscription id longer than ${limits.maxSubIdLength} characters`);
  switch (type) {
    case "NEG-OPEN": {
      if (json.length !== 4)
        return fail("NEG-OPEN takes a subscription id, one filter and a hex-encoded initial message");
      const filter = parseFilter(json[2], limits.filter);
      if (!filter.ok) return fail(filter.error);
      if (typeof json[3] !== "string") return fail("the initial message must be a hex string");
      return ok({ type, subId, filter: filter.value, message: json[3] });
    }
    case "NEG-MSG":
      if (json.length !== 3 || typeof json[2] !== "string")
        return fail("NEG-MSG takes a subscription id and a hex-encoded message");
      return ok({ type, subId, message: json[2] });
    case "NEG-CLOSE":
      if (json.length !== 2) return fail("NEG-CLOSE takes only a subscription id");
      return ok({ type, subId });
    default:
      return err({
        reason: reason("invalid", `unknown message type ${JSON.stringify(String(type).slice(0, 16))}`),
      });
  }
}
