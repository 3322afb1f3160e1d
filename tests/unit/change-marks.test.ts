/** The tree of a document's marked paths (change-marks.ts): each path once, parents with children. */
import { describe, expect, it } from 'vitest';
import { ChangeMarks } from '../../electron/core/store/change-marks.ts';

/** The paths taken, as a list (they are made as they are iterated). */
const taken = (marks: ChangeMarks) => [...marks.take().paths];

describe('ChangeMarks', () => {
  it('gives back each marked path once, in the order first marked, and forgets them', () => {
    const marks = new ChangeMarks();
    marks.mark(['items', 'b']);
    marks.mark(['files', 'f1', 'a/clip.wav']);
    marks.mark(['items', 'a']);
    marks.mark(['items', 'b']);
    marks.mark(['paused']);
    expect(marks.size).toBe(4);
    expect(taken(marks)).toEqual([['items', 'b'], ['items', 'a'], ['files', 'f1', 'a/clip.wav'], ['paused']]);
    expect(marks.size).toBe(0);
    expect(taken(marks)).toEqual([]);
  });

  it('keeps a value marked itself and values under it, whichever came first; the value last', () => {
    const marks = new ChangeMarks();
    marks.mark(['files', 'f1']);
    marks.mark(['files', 'f1', 'x.wav']);
    marks.mark(['items', 'a', 'deep']);
    marks.mark(['items', 'a']);
    marks.mark(['items', 'a']);
    expect(marks.size).toBe(4);
    expect(taken(marks)).toEqual([
      ['files', 'f1', 'x.wav'],
      ['files', 'f1'],
      ['items', 'a', 'deep'],
      ['items', 'a'],
    ]);
  });

  it('takes any string as a key, "__proto__" and "" included', () => {
    const marks = new ChangeMarks();
    marks.mark(['files', '__proto__', '']);
    marks.mark(['files', 'constructor']);
    expect(taken(marks)).toEqual([
      ['files', '__proto__', ''],
      ['files', 'constructor'],
    ]);
  });
});
