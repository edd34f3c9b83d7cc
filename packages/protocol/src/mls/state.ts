/**
 * The group state value callers hold: an opaque, immutable wrapper around ts-mls's `ClientState`
 * (RFC 9420 §8 key schedule, §7 ratchet tree, §9 secret tree). Only this folder looks inside, so
 * nothing outside `mls/` depends on ts-mls types, and a transition always returns a new value.
 *
 * Beside the MLS state it keeps the exporter secrets of a few past epochs: ts-mls keeps what is
 * needed to read late application messages of those epochs, and the transport around them
 * (kind 445, keyed from the exporter) must be able to open them too.
 */

import type { ClientState } from "ts-mls";
import { fail } from "./errors.ts";

declare const stateBrand: unique symbol;

/** One device's view of one MLS group at one moment. Treat as opaque; persist with `encodeState`. */
export interface GroupState {
  readonly [stateBrand]: "RallyMlsGroupState";
}

interface StateBox {
  readonly client: ClientState;
  /** epoch → exporter_secret (RFC 9420 §8) of past epochs, newest first, at most `PAST_EPOCHS`. */
  readonly pastExporters: ReadonlyMap<bigint, Uint8Array>;
}

/** Past epochs whose exporter secrets are kept (matches the default MLS retention window). */
export const PAST_EPOCHS = 3;

function box(state: GroupState): StateBox {
  const b = state as unknown as StateBox;
  if (b === null || typeof b !== "object" || b.client === undefined) {
    fail("bad-parameter", "This is not an MLS group state made by this engine.");
  }
  return b;
}

/**
 * Wraps a ts-mls state. Pass the state it came from so past exporter secrets carry over (and the
 * previous epoch's secret joins them when the epoch advanced).
 */
export function wrapState(client: ClientState, from?: GroupState): GroupState {
  if (from === undefined) return fromParts(client, new Map());
  const prev = box(from);
  const prevEpoch = prev.client.groupContext.epoch;
  // Same epoch (every application message): share the map, it is never mutated.
  if (client.groupContext.epoch === prevEpoch) {
    return Object.freeze({ client, pastExporters: prev.pastExporters }) as unknown as GroupState;
  }
  const past = new Map(prev.pastExporters);
  if (client.groupContext.epoch > prevEpoch) past.set(prevEpoch, prev.client.keySchedule.exporterSecret);
  return fromParts(client, past);
}

/** Builds a state from its parts (used when restoring a saved state). */
export function fromParts(client: ClientState, pastExporters: ReadonlyMap<bigint, Uint8Array>): GroupState {
  const epoch = client.groupContext.epoch;
  const kept = new Map(
    [...pastExporters]
      .filter(([e]) => e < epoch && e >= epoch - BigInt(PAST_EPOCHS))
      .sort(([a], [b]) => (a > b ? -1 : a < b ? 1 : 0)),
  );
  return Object.freeze({ client, pastExporters: kept }) as unknown as GroupState;
}

export function unwrapState(state: GroupState): ClientState {
  return box(state).client;
}

export function pastExporterSecrets(state: GroupState): ReadonlyMap<bigint, Uint8Array> {
  return box(state).pastExporters;
}
