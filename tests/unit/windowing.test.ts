/**
 * The windowed lists' two rules (renderer/lib/windowing.ts): when the window held must be read
 * again (before the rows drawn run out, not after), and that a page re-read with nothing changed
 * keeps every row the same object (so no drawn row is updated).
 */
import { describe, expect, it } from 'vitest';
import { covers, keepUnchanged, PREFETCH_MARGIN } from '../../renderer/lib/windowing.ts';

describe('covers', () => {
  it('asks for the next page while rows are still held beyond the ones drawn', () => {
    // 200 rows held from 1,000 of 100,000; 20 drawn.
    expect(covers(1_000, 200, 100_000, 1_100, 1_119)).toBe(true);
    // Close to the end of the window (fewer than the margin left beyond): read again now.
    expect(covers(1_000, 200, 100_000, 1_200 - PREFETCH_MARGIN - 20, 1_200 - PREFETCH_MARGIN)).toBe(false);
    // The same near its start, scrolling up.
    expect(covers(1_000, 200, 100_000, 1_000 + PREFETCH_MARGIN - 1, 1_060)).toBe(false);
    // Rows drawn outside the window: read.
    expect(covers(1_000, 200, 100_000, 5_000, 5_019)).toBe(false);
  });

  it('needs no margin at either end of the list', () => {
    expect(covers(0, 200, 100_000, 0, 19)).toBe(true);
    expect(covers(99_800, 200, 100_000, 99_980, 99_999)).toBe(true);
    expect(covers(0, 12, 12, 0, 11)).toBe(true);
    // A list that grew past what is held: the new rows are read.
    expect(covers(0, 12, 15, 0, 14)).toBe(false);
  });
});

describe('keepUnchanged', () => {
  it('keeps equal rows as the same objects and takes the changed and new ones', () => {
    const held = [
      { id: 'a', state: 'paused' },
      { id: 'b', state: 'paused' },
    ];
    const page = [
      { id: 'a', state: 'paused' },
      { id: 'b', state: 'queued' },
      { id: 'c', state: 'paused' },
    ];
    const rows = keepUnchanged(held, page);
    expect(rows[0]).toBe(held[0]);
    expect(rows[1]).toBe(page[1]);
    expect(rows[2]).toBe(page[2]);
    expect(rows).toEqual(page);
  });
});
