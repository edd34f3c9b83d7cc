/**
 * The node's clock, carried forward from when the page was made (`data-now` on the element): what
 * the page's script signs is stamped with the relay's time, so a device whose clock is off still
 * gets its answer and its requests taken.
 *
 * Runs in: browsers (the public pages' script).
 */
export function nodeClock(element: HTMLElement): () => number {
  const served = Number(element.dataset.now);
  const loaded = Date.now() / 1000;
  if (!Number.isFinite(served) || served <= 0) return () => Math.floor(Date.now() / 1000);
  return () => Math.floor(served + (Date.now() / 1000 - loaded));
}
