/**
 * Issue 18: what a front end receives of the core's events. A few item events arrive one by one, in
 * order; a burst (pause all over a big queue) arrives as one `uploads:changed` with its size; an
 * event of another kind never overtakes item events of the same turn.
 */
import { EventEmitter } from 'node:events';
import { setImmediate as turn } from 'node:timers/promises';
import { describe, expect, it } from 'vitest';
import { frontEndEvents, ITEM_BURST } from '../../electron/core/front-end-events.ts';
import type { EventName } from '../../electron/shared/contract-names.ts';

function source() {
  const emitter = new EventEmitter();
  return {
    emit: (event: EventName, payload: unknown) => emitter.emit(event, payload),
    on: (event: EventName, listener: (payload: never) => void) => {
      const heard = listener as (payload: unknown) => void;
      emitter.on(event, heard);
      return () => emitter.off(event, heard);
    },
  };
}

describe('front-end events', () => {
  it('sends a few item events as they came, a burst as one uploads:changed, and keeps other events after them', async () => {
    const core = source();
    const sent: Array<[string, unknown]> = [];
    const stop = frontEndEvents(core, (event, payload) => sent.push([event, payload]));

    core.emit('uploads:item-added', { id: 'a' });
    core.emit('uploads:item-changed', { id: 'a', state: 'preparing' });
    core.emit('uploads:totals-changed', { n: 1 });
    core.emit('uploads:item-removed', { id: 'a' });
    await turn();
    expect(sent).toEqual([
      ['uploads:item-added', { id: 'a' }],
      ['uploads:item-changed', { id: 'a', state: 'preparing' }],
      ['uploads:totals-changed', { n: 1 }],
      ['uploads:item-removed', { id: 'a' }],
    ]);

    sent.length = 0;
    for (let i = 0; i <= ITEM_BURST * 50; i++) core.emit('uploads:item-changed', { id: `i${i}` });
    core.emit('uploads:totals-changed', { n: 2 });
    await turn();
    expect(sent).toEqual([
      ['uploads:changed', { count: ITEM_BURST * 50 + 1 }],
      ['uploads:totals-changed', { n: 2 }],
    ]);

    stop();
    core.emit('uploads:item-added', { id: 'late' });
    core.emit('library:changed', {});
    await turn();
    expect(sent).toHaveLength(2);
  });
});
