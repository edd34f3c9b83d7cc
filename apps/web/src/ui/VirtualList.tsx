/**
 * A scrolling list that renders only the rows near the viewport, for chat histories of thousands
 * of messages. It starts at the bottom and follows new rows while the reader is at the bottom;
 * otherwise it keeps the row under the reader's eyes still when rows are added above (older
 * history loading) or re-measured.
 */
import { type ReactNode, useCallback, useEffect, useLayoutEffect, useMemo, useRef, useState } from "react";
import { prefixOffsets, rowAt, visibleRange } from "../lib/windowing.ts";

const OVERSCAN_PX = 800;
const BOTTOM_SLACK_PX = 48;
const NEAR_TOP_PX = 600;

export interface VirtualListProps<T> {
  items: readonly T[];
  itemKey: (item: T) => string;
  renderItem: (item: T) => ReactNode;
  estimateHeight: (item: T) => number;
  /** Called when the reader scrolls close to the oldest row (load older history). */
  onNearTop?: () => void;
  label: string;
  className?: string;
}

export function VirtualList<T>({
  items,
  itemKey,
  renderItem,
  estimateHeight,
  onNearTop,
  label,
  className,
}: VirtualListProps<T>) {
  const container = useRef<HTMLDivElement>(null);
  const heights = useRef(new Map<string, number>());
  const [measured, setMeasured] = useState(0);
  const [view, setView] = useState({ top: 0, height: 800 });
  const atBottom = useRef(true);
  const anchor = useRef<{ key: string; delta: number } | null>(null);

  const keys = useMemo(() => items.map(itemKey), [items, itemKey]);
  // biome-ignore lint/correctness/useExhaustiveDependencies: `measured` bumps when a row's height was measured.
  const offsets = useMemo(
    () => prefixOffsets(items.map((item, i) => heights.current.get(keys[i]!) ?? estimateHeight(item))),
    [items, keys, estimateHeight, measured],
  );
  const { start, end } = visibleRange(offsets, view.top, view.height, OVERSCAN_PX);
  const total = offsets[items.length] ?? 0;

  const remember = useCallback(() => {
    const el = container.current;
    if (!el) return;
    atBottom.current = el.scrollHeight - el.scrollTop - el.clientHeight < BOTTOM_SLACK_PX;
    const row = rowAt(offsets, el.scrollTop);
    const key = keys[row];
    anchor.current = key === undefined ? null : { key, delta: el.scrollTop - offsets[row]! };
  }, [offsets, keys]);

  const onScroll = () => {
    const el = container.current;
    if (!el) return;
    remember();
    setView({ top: el.scrollTop, height: el.clientHeight });
    if (el.scrollTop < NEAR_TOP_PX) onNearTop?.();
  };

  // After every render: stay at the bottom, or keep the anchored row where it was.
  useLayoutEffect(() => {
    const el = container.current;
    if (!el) return;
    if (atBottom.current) {
      el.scrollTop = el.scrollHeight;
    } else if (anchor.current) {
      const index = keys.indexOf(anchor.current.key);
      if (index >= 0) {
        const desired = offsets[index]! + anchor.current.delta;
        if (Math.abs(el.scrollTop - desired) > 1) el.scrollTop = desired;
      }
    }
    if (el.scrollTop !== view.top || el.clientHeight !== view.height) {
      setView({ top: el.scrollTop, height: el.clientHeight });
    }
  });

  // Measure rendered rows; one state bump per frame however many rows changed.
  const observer = useRef<ResizeObserver | null>(null);
  useEffect(() => {
    let frame = 0;
    observer.current = new ResizeObserver((entries) => {
      let changed = false;
      for (const entry of entries) {
        const key = (entry.target as HTMLElement).dataset.key;
        if (key === undefined) continue;
        const height = (entry.target as HTMLElement).offsetHeight;
        if (height > 0 && heights.current.get(key) !== height) {
          heights.current.set(key, height);
          changed = true;
        }
      }
      if (changed && !frame) {
        frame = requestAnimationFrame(() => {
          frame = 0;
          setMeasured((m) => m + 1);
        });
      }
    });
    const resize = new ResizeObserver(() => {
      const el = container.current;
      if (el) setView({ top: el.scrollTop, height: el.clientHeight });
    });
    if (container.current) resize.observe(container.current);
    return () => {
      cancelAnimationFrame(frame);
      observer.current?.disconnect();
      resize.disconnect();
    };
  }, []);

  const measure = useCallback((el: HTMLDivElement | null) => {
    if (!el) return;
    observer.current?.observe(el);
    return () => observer.current?.unobserve(el);
  }, []);

  return (
    // biome-ignore lint/a11y/noNoninteractiveTabindex: the log scrolls; keyboard users need to focus it to scroll.
    <div ref={container} className={className} role="log" aria-label={label} tabIndex={0} onScroll={onScroll}>
      <div style={{ height: offsets[start] ?? 0 }} aria-hidden="true" />
      {items.slice(start, end).map((item, i) => (
        <div key={keys[start + i]} data-key={keys[start + i]} ref={measure} className="vrow">
          {renderItem(item)}
        </div>
      ))}
      <div style={{ height: Math.max(0, total - (offsets[end] ?? total)) }} aria-hidden="true" />
    </div>
  );
}
