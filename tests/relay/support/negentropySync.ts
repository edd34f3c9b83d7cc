/**
 * Drives a NIP-77 sync over a raw test socket with nostr-tools' Negentropy as the client: opens it
 * with the client's (created_at, id) records, answers each NEG-MSG until the client has nothing
 * more to ask, and closes it. Returns what the client learned, or the relay's NEG-ERR.
 */
import { nip77 } from "nostr-tools";
import type { NostrSocket, RelayMsg } from "./nostrSocket.ts";

export interface SyncOutcome {
  /** Ids the relay has and the client lacks (distinct). */
  need: string[];
  /** Ids the client has and the relay lacks (distinct). */
  have: string[];
  /** NEG-MSG answers received. */
  rounds: number;
  /** The relay's NEG-ERR reason, if it refused. */
  error?: string;
}

export async function negentropySync(
  s: NostrSocket,
  subId: string,
  filter: object,
  local: readonly { id: string; created_at: number }[],
): Promise<SyncOutcome> {
  const storage = new nip77.NegentropyStorageVector();
  for (const e of local) storage.insert(e.created_at, e.id);
  storage.seal();
  const client = new nip77.Negentropy(storage);
  const need = new Set<string>();
  const have = new Set<string>();
  const answerOf = (m: RelayMsg) => (m[0] === "NEG-MSG" || m[0] === "NEG-ERR") && m[1] === subId;
  s.send(["NEG-OPEN", subId, filter, client.initiate()]);
  let rounds = 0;
  for (;;) {
    const m = await s.next(answerOf);
    if (m[0] === "NEG-ERR") return { need: [...need], have: [...have], rounds, error: m[2] as string };
    rounds++;
    const next = client.reconcile(
      m[2] as string,
      (id) => have.add(id),
      (id) => need.add(id),
    );
    if (next === null) break;
    s.send(["NEG-MSG", subId, next]);
  }
  s.send(["NEG-CLOSE", subId]);
  return { need: [...need], have: [...have], rounds };
}
