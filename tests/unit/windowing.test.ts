/**
 * The windowed lists' two rules (renderer/lib/windowing.ts): when the window held must be read
 * again (before the rows drawn run out, not after), and that a page re-read with nothing changed
 * keeps every drawn row the same object (so none of them is updated).
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
  it('keeps the drawn rows that are equal as the same objects, and takes changed, new and undrawn ones', () => {
    const row = (i: number, state = 'paused') => ({ id: `i${i}`, state });
    // Held: rows 10..19. The page: rows 12..24, row 14 changed. Drawn: 12..16.
    const held = Array.from({ length: 10 }, (_, k) => row(10 + k));
    const page = Array.from({ length: 13 }, (_, k) => row(12 + k, 12 + k === 14 ? 'queued' : 'paused'));
    const rows = keepUnchanged({ start: 10, rows: held }, { start: 12, rows: page }, { first: 12, last: 16 });
    expect(rows).toEqual(page);
    for (const i of [12, 13, 15, 16]) expect(rows[i - 12]).toBe(held[i - 10]);
    expect(rows[14 - 12]).toBe(page[14 - 12]); // changed
    expect(rows[17 - 12]).toBe(page[17 - 12]); // held and equal, but not drawn
    expect(rows[20 - 12]).toBe(page[20 - 12]); // new
  });

  it('never keeps a held row for another item at the same index (rows moved)', () => {
    const held = [{ id: 'a' }, { id: 'b' }];
    const page = [{ id: 'b' }, { id: 'c' }];
    const rows = keepUnchanged({ start: 0, rows: held }, { start: 0, rows: page }, { first: 0, last: 1 });
    expect(rows[0]).toBe(page[0]);
    expect(rows[1]).toBe(page[1]);
  });
});
