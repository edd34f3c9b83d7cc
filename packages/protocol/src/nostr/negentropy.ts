/**
 * NIP-77 negentropy sync, the client's side: given the (id, created_at) records a client holds for
 * a filter, run the exchange with a relay over a send/receive pair and return which ids only the
 * relay has (`need`: fetch them with REQ) and which only the client has (`have`: publish them).
 * Negentropy itself is nostr-tools' `nip77` (hoytech's reference protocol, ported).
 *
 * Spec: https://github.com/nostr-protocol/nips/blob/master/77.md. The caller owns the socket: it
 * sends the frames given to `send` and hands `receive` the relay's `NEG-MSG`/`NEG-ERR` messages for
 * this subscription id, already parsed from JSON. Nothing here reads a clock or a socket.
 */
import { nip77 } from "nostr-tools";
import type { EventId } from "./event.ts";
import type { Filter } from "./filter.ts";
import { err, ok, type Result } from "./result.ts";

export interface NegentropyRecord {
  id: EventId;
  created_at: number;
}

export interface NegentropySyncOptions {
  /** NIP-77 subscription id, in a namespace of its own (not the REQ ids). */
  subId: string;
  filter: Filter;
  /** What the client holds that matches `filter`. */
  records: readonly NegentropyRecord[];
  /** Sends one frame (JSON text) to the relay. */
  send(frame: string): void;
  /** The relay's next `NEG-MSG` or `NEG-ERR` for `subId`, parsed. */
  receive(): Promise<readonly unknown[]>;
  /** Largest message the client sends, before hex (nostr-tools' default: 60,000). */
  frameSizeLimit?: number;
  /** Round trips allowed before giving up on a relay that never finishes. Default 500. */
  maxRounds?: number;
}

export interface NegentropySyncResult {
  /** Ids the relay has and the client lacks. */
  need: EventId[];
  /** Ids the client has and the relay lacks. */
  have: EventId[];
  /** Relay answers it took. */
  rounds: number;
}

/** Why a sync did not finish: the relay's refusal (its NIP-77 reason) or a fault, in plain words. */
export interface NegentropySyncError {
  /** `refused` when the relay sent NEG-ERR (e.g. `blocked:`, `auth-required:`), else `protocol`. */
  kind: "refused" | "protocol";
  message: string;
}

/**
 * nostr-tools' varints are 32-bit: a created_at of 2^31 − 1 or more (past January 2038) would be
 * encoded wrongly and the sync would silently miss ids, so such records are refused up front.
 */
const MAX_CREATED_AT = 2 ** 31 - 2;

export async function negentropySync(
  options: NegentropySyncOptions,
): Promise<Result<NegentropySyncResult, NegentropySyncError>> {
  const { subId, filter, send, receive } = options;
  const maxRounds = options.maxRounds ?? 500;
  const storage = new nip77.NegentropyStorageVector();
  const seen = new Set<string>();
  for (const r of options.records) {
    if (!Number.isInteger(r.created_at) || r.created_at < 0 || r.created_at > MAX_CREATED_AT)
      return err({ kind: "protocol", message: `record ${r.id} has a created_at negentropy cannot carry` });
    // The reference storage refuses duplicates; a client's own list may repeat an id.
    if (seen.has(r.id)) continue;
    seen.add(r.id);
    try {
      storage.insert(r.created_at, r.id);
    } catch {
      return err({
        kind: "protocol",
        message: `record id ${JSON.stringify(String(r.id).slice(0, 70))} is not 64 hex digits`,
      });
    }
  }
  storage.seal();
  const client = new nip77.Negentropy(storage, options.frameSizeLimit);
  // After a full frame the relay sums up the rest in one fingerprint and the client asks about all
  // of it again, so an id may be reported twice: sets keep each once.
  const need = new Set<EventId>();
  const have = new Set<EventId>();
  send(JSON.stringify(["NEG-OPEN", subId, filter, client.initiate()]));
  let rounds = 0;
  for (;;) {
    const m = await receive();
    if (m[0] === "NEG-ERR" && m[1] === subId)
      return err({
        kind: "refused",
        message: typeof m[2] === "string" ? m[2] : "the relay refused the sync",
      });
    if (m[0] !== "NEG-MSG" || m[1] !== subId || typeof m[2] !== "string")
      return fail(send, subId, "the relay sent something other than a NEG-MSG for this sync");
    rounds++;
    let next: string | null;
    try {
      next = client.reconcile(
        m[2],
        (id) => have.add(id as EventId),
        (id) => need.add(id as EventId),
      );
    } catch (e) {
      return fail(
        send,
        subId,
        `the relay's negentropy message is malformed (${e instanceof Error ? e.message : String(e)})`,
      );
    }
    if (next === null) break;
    if (rounds >= maxRounds)
      return fail(send, subId, `the relay did not finish the sync in ${maxRounds} rounds`);
    send(JSON.stringify(["NEG-MSG", subId, next]));
  }
  // NIP-77: "the client should tell the relay it can release its resources with a NEG-CLOSE".
  send(JSON.stringify(["NEG-CLOSE", subId]));
  return ok({ need: [...need], have: [...have], rounds });
}

function fail(send: (frame: string) => void, subId: string, message: string) {
  send(JSON.stringify(["NEG-CLOSE", subId]));
  return err<NegentropySyncError>({ kind: "protocol", message });
}
