/**
 * A typed result for decoders that refuse bad input without throwing: `{ ok: true, value }` or
 * `{ ok: false, error }`, where `error` is a plain-words reason.
 */
export type Result<T, E = string> = { ok: true; value: T } | { ok: false; error: E };

export const ok = <T>(value: T): { ok: true; value: T } => ({ ok: true, value });
export const err = <E>(error: E): { ok: false; error: E } => ({ ok: false, error });
