/**
 * SQL for NIP-01 filters on the PostgreSQL schema (`postgresMigrations.ts`), the same plan as the
 * SQLite store's: drive from the tag condition with the fewest values when there is one (one index
 * range per value, in created_at order), else from `events` by author/kind/time; always
 * `created_at DESC, id ASC` so `LIMIT` stops early. Lists are bound as arrays (`= ANY($n)`), so a
 * filter shape is one statement text whatever its values; a single value is bound as itself.
 */
import { createHash } from "node:crypto";
import { type Filter, tagConditions } from "@rally/protocol/nostr";
import type { QueryOptions } from "./types.ts";

export type Param = string | number | string[] | number[];

export interface Built {
  sql: string;
  params: Param[];
  /** Rows per event the query can return (a tag join yields one row per matching value). */
  fanout: number;
  /** The created_at column of the driving table, to ORDER BY. */
  timeColumn: string;
}

/** Values longer than this are indexed by their hash: btree entries are limited to about 2.7 kB. */
const LONG_VALUE = 256;

/**
 * How a tag name, tag value or `d` is kept in the index: as is, except that a backslash or NUL
 * (which PostgreSQL text cannot hold) is escaped and a long value becomes a tagged hash. The
 * mapping is one-to-one, so a filter value matches exactly the events whose tag value matches.
 */
export function indexValue(value: string): string {
  if (value.length > LONG_VALUE) return `\\h${createHash("sha256").update(value).digest("hex")}`;
  if (!value.includes("\\") && !value.includes("\u0000")) return value;
  let out = "";
  for (const c of value) out += c === "\\" ? "\\\\" : c === "\u0000" ? "\\0" : c;
  return out;
}

class Params {
  readonly list: Param[] = [];
  add(value: Param): string {
    this.list.push(value);
    return `$${this.list.length}`;
  }
  /**
   * `column` is one of `values`. One value is bound as itself: PostgreSQL then walks a composite
   * index in created_at order and stops at LIMIT (one room's newest 100 of 100,000 messages), which
   * it does not do for `= ANY(array)`.
   */
  oneOf(column: string, values: readonly (string | number)[], type: "text" | "integer"): string {
    if (values.length === 1) return `${column} = ${this.add(values[0]!)}::${type}`;
    return `${column} = ANY(${this.add([...values] as string[] | number[])}::${type}[])`;
  }
}

/** Conditions on the `events` row `e` for everything in the filter except the driving tag. */
function eventConditions(
  filter: Filter,
  options: QueryOptions,
  skipTag: string | undefined,
  timeColumn: string,
  p: Params,
): string[] {
  const where: string[] = [];
  if (filter.ids) where.push(p.oneOf("e.id", filter.ids, "text"));
  if (filter.authors) where.push(p.oneOf("e.pubkey", filter.authors, "text"));
  if (filter.kinds) where.push(p.oneOf(`${skipTag === undefined ? "e" : "t"}.kind`, filter.kinds, "integer"));
  if (filter.since !== undefined) where.push(`${timeColumn} >= ${p.add(filter.since)}::bigint`);
  if (filter.until !== undefined) where.push(`${timeColumn} <= ${p.add(filter.until)}::bigint`);
  for (const [letter, values] of tagConditions(filter)) {
    if (letter === skipTag) continue;
    where.push(
      `EXISTS (SELECT 1 FROM tags t2 WHERE t2.seq = e.seq AND t2.name = ${p.add(indexValue(letter))} AND ${p.oneOf("t2.value", values.map(indexValue), "text")})`,
    );
  }
  if (options.hideKinds && options.hideKinds.length > 0)
    where.push(`NOT (e.kind = ANY(${p.add([...options.hideKinds])}::integer[]))`);
  where.push(`(e.expires_at IS NULL OR e.expires_at > ${p.add(options.now)}::bigint)`);
  return where;
}

/** The SELECT for one filter, without ORDER BY / LIMIT; placeholders numbered from `$1`. */
export function buildSelect(filter: Filter, options: QueryOptions, columns: string): Built {
  const p = new Params();
  const tags = tagConditions(filter);
  if (!filter.ids && tags.length > 0) {
    let driving = tags[0]!;
    for (const t of tags) if (t[1].length < driving[1].length) driving = t;
    const [letter, values] = driving;
    const name = p.add(indexValue(letter));
    const value = p.oneOf("t.value", values.map(indexValue), "text");
    const where = eventConditions(filter, options, letter, "t.created_at", p);
    return {
      sql: `SELECT ${columns} FROM tags t JOIN events e ON e.seq = t.seq WHERE t.name = ${name} AND ${value} AND ${where.join(" AND ")}`,
      params: p.list,
      fanout: values.length,
      timeColumn: "t.created_at",
    };
  }
  const where = eventConditions(filter, options, undefined, "e.created_at", p);
  return {
    sql: `SELECT ${columns} FROM events e WHERE ${where.join(" AND ")}`,
    params: p.list,
    fanout: 1,
    timeColumn: "e.created_at",
  };
}

/** Renumbers `$n` placeholders by `offset`, to join several filters' SELECTs into one statement. */
export function shiftPlaceholders(sql: string, offset: number): string {
  return offset === 0 ? sql : sql.replace(/\$(\d+)/g, (_, n: string) => `$${Number(n) + offset}`);
}
