/**
 * Which rows of a long list to render. Rows have different heights (a one-word message, a long
 * one), so heights are measured once rendered and estimated before; the offsets of all rows are a
 * prefix sum, and the rows in view are found by binary search — cheap enough for 10,000 rows on
 * every scroll frame.
 */

/** offsets[i] = top of row i; offsets[n] = total height. */
export function prefixOffsets(heights: readonly number[]): Float64Array {
  const offsets = new Float64Array(heights.length + 1);
  for (let i = 0; i < heights.length; i++) offsets[i + 1] = offsets[i]! + heights[i]!;
  return offsets;
}

/** Index of the row containing vertical position `y` (clamped to the list). */
export function rowAt(offsets: Float64Array, y: number): number {
  const n = offsets.length - 1;
  if (n <= 0) return 0;
  let lo = 0;
  let hi = n - 1;
  while (lo < hi) {
    const mid = (lo + hi + 1) >> 1;
    if (offsets[mid]! <= y) lo = mid;
    else hi = mid - 1;
  }
  return lo;
}

/** Rows [start, end) to render for a viewport, with `overscan` pixels drawn beyond each edge. */
export function visibleRange(
  offsets: Float64Array,
  scrollTop: number,
  viewportHeight: number,
  overscan: number,
): { start: number; end: number } {
  const n = offsets.length - 1;
  if (n <= 0) return { start: 0, end: 0 };
  const start = rowAt(offsets, Math.max(0, scrollTop - overscan));
  const end = rowAt(offsets, scrollTop + viewportHeight + overscan) + 1;
  return { start, end: Math.min(n, end) };
}
