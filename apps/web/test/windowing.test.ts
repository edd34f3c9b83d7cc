import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { prefixOffsets, rowAt, visibleRange } from "../src/lib/windowing.ts";

describe("windowing", () => {
  it("sums heights into offsets", () => {
    expect(Array.from(prefixOffsets([10, 20, 30]))).toEqual([0, 10, 30, 60]);
    expect(Array.from(prefixOffsets([]))).toEqual([0]);
  });

  it("finds the row under a position", () => {
    const offsets = prefixOffsets([10, 20, 30]);
    expect(rowAt(offsets, 0)).toBe(0);
    expect(rowAt(offsets, 9.9)).toBe(0);
    expect(rowAt(offsets, 10)).toBe(1);
    expect(rowAt(offsets, 59)).toBe(2);
    expect(rowAt(offsets, 1000)).toBe(2);
    expect(rowAt(offsets, -5)).toBe(0);
  });

  it("renders every row that intersects the viewport, and no row far outside it", () => {
    fc.assert(
      fc.property(
        fc.array(fc.integer({ min: 1, max: 300 }), { minLength: 1, maxLength: 400 }),
        fc.nat(20_000),
        fc.integer({ min: 1, max: 2000 }),
        fc.nat(800),
        (heights, scroll, viewport, overscan) => {
          const offsets = prefixOffsets(heights);
          const total = offsets[heights.length]!;
          const top = Math.min(scroll, Math.max(0, total - 1));
          const { start, end } = visibleRange(offsets, top, viewport, overscan);
          expect(start).toBeGreaterThanOrEqual(0);
          expect(end).toBeLessThanOrEqual(heights.length);
          expect(start).toBeLessThan(end);
          for (let i = 0; i < heights.length; i++) {
            const rowTop = offsets[i]!;
            const rowBottom = offsets[i + 1]!;
            const intersects = rowBottom > top && rowTop < top + viewport;
            if (intersects) expect(i >= start && i < end, `row ${i} must render`).toBe(true);
            const far = rowBottom < top - overscan - 1 || rowTop > top + viewport + overscan + 1;
            if (far) expect(i >= start && i < end, `row ${i} need not render`).toBe(false);
          }
        },
      ),
    );
  });

  it("handles an empty list", () => {
    expect(visibleRange(prefixOffsets([]), 0, 500, 100)).toEqual({ start: 0, end: 0 });
  });
});
