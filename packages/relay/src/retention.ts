/**
 * Retention per kind (`--retain 445=90d`): events of a kind older than its age are deleted by the
 * relay's periodic purge, oldest first. Parsing is pure; the purge runs in `server.ts`.
 */

export interface RetentionRule {
  kind: number;
  /** Events with `created_at` older than this many seconds are deleted. */
  seconds: number;
}

const UNITS: Record<string, number> = { s: 1, m: 60, h: 3600, d: 86_400 };

/** `"445=90d"` → `{ kind: 445, seconds: 7776000 }`; throws a plain-words error otherwise. */
export function parseRetention(spec: string): RetentionRule {
  const m = /^(\d{1,5})=(\d{1,9})([smhd])$/.exec(spec.trim());
  if (!m)
    throw new Error(
      `cannot read retention "${spec}": write KIND=AGE with AGE in s, m, h or d, for example 445=90d`,
    );
  const kind = Number(m[1]);
  const seconds = Number(m[2]) * UNITS[m[3]!]!;
  if (kind > 65535) throw new Error(`cannot read retention "${spec}": kinds go up to 65535`);
  if (seconds <= 0) throw new Error(`cannot read retention "${spec}": the age must be more than zero`);
  return { kind, seconds };
}

/** NIP-11 `retention` entries: `{ kinds: [445], time: 7776000 }`. */
export function retentionInfo(rules: readonly RetentionRule[]): { kinds: number[]; time: number }[] {
  return rules.map((r) => ({ kinds: [r.kind], time: r.seconds }));
}
