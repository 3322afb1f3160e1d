/**
 * What the windowed lists (the upload queue, the Library) share: when the window held must be
 * fetched again, and keeping the rows a new page did not change.
 */

/**
 * The next page is asked for while this many held rows are still beyond the ones drawn, so it
 * arrives before they are needed: scrolling shows rows, not placeholders waiting for a page.
 */
export const PREFETCH_MARGIN = 30;

/**
 * Rows asked for when nothing is held yet (a view opening, a new filter or sort): a screenful and
 * the prefetch margin, so the first rows are drawn after the smallest page; the window around
 * them follows.
 */
export const FIRST_PAGE = 60;

/**
 * Whether a window of `held` rows from `start` covers rows first..last of a list of `total`, with
 * the prefetch margin on each side that has more rows beyond it.
 */
export function covers(start: number, held: number, total: number, first: number, last: number): boolean {
  const end = start + held; // exclusive
  const before = start === 0 ? first >= 0 : first - PREFETCH_MARGIN >= start;
  const after = end >= total ? Math.min(last, total - 1) < end : last + PREFETCH_MARGIN < end;
  return before && after;
}

/**
 * The new page's rows, with each drawn one (`first`..`last`) that equals the row already held for
 * it kept as the same object: a page re-read when nothing changed (scrolling on, a refresh after
 * an event) then updates no drawn row, instead of every one. Rows not drawn are taken as they come
 * (comparing them would cost a frame and spare nothing).
 */
export function keepUnchanged<T extends { id: string }>(
  held: { start: number; rows: readonly T[] },
  page: { start: number; rows: T[] },
  drawn: { first: number; last: number },
): T[] {
  if (held.rows.length === 0) return page.rows;
  const rows = page.rows.slice();
  const from = Math.max(drawn.first, page.start, held.start);
  const to = Math.min(drawn.last, page.start + rows.length - 1, held.start + held.rows.length - 1);
  for (let index = from; index <= to; index++) {
    const old = held.rows[index - held.start]!;
    const row = rows[index - page.start]!;
    if (old.id === row.id && JSON.stringify(old) === JSON.stringify(row)) rows[index - page.start] = old;
  }
  return rows;
}
