import { isPending } from '../../shared/item-state.ts';
import { FINISHED_STATES, type ItemState } from '../../shared/queue-types.ts';
import { follow } from './item-outcomes.ts';
import type { ItemRecord } from './item-record.ts';
import { markPaused, pauseItem, remove, wakeItem } from './queue-actions.ts';
import type { QueueContext } from './queue-context.ts';
import { archiveMany } from './queue-history.ts';

/**
 * The person's actions on the whole queue: pause all, resume all, clear finished (issue 18).
 *
 * Up to BULK_FROM items they change item by item, as any action does (a journal line, an event
 * each). Beyond it, item by item cost about 10 µs an item (a journal mark, a view built and sent
 * to every listener, the totals), 0.9 s for 80,000: instead the items are changed in one pass,
 * the document is saved whole once (what more than 5,000 journal marks became anyway), and one
 * `items-changed` (or the ids removed) is announced, which front ends receive as one
 * `uploads:changed`. Items that were transferring or waiting are still announced one by one:
 * listeners follow their progress and their wait (the tray's "offline" count); assets being
 * followed (processing, indexing) are not, however many.
 *
 * Crash safety of a bulk pause: the queue-wide `paused` flag and a `pausing` mark go to the
 * journal first (two short lines, on disk within milliseconds); the items, rewritten in memory
 * at once, are saved whole after. A start that finds `pausing` (a crash came between the two)
 * pauses every pending item itself, so nothing starts. The lines go ahead of a whole save that
 * is due (commitMarkedFirst: the start's, a bulk action's a moment before). One limit: a whole
 * save already under way is not cut, so the lines follow it: the pause is then on disk when that
 * save ends (at most about half a second at 100,000 items), and a crash before restarts the
 * queue as it was before the pause. A bulk resume or clear is saved whole in one write: a crash
 * before it leaves the queue as it was before the action, never half of it.
 */
export const BULK_FROM = 100;

/**
 * Pauses every pending item, and items added meanwhile (queue-intake.ts). With `until` (ms since
 * epoch), everything resumes by itself then ("pause for an hour"), even across a restart.
 */
export function pauseAll(ctx: QueueContext, until?: number): void {
  const data = ctx.doc.data;
  data.paused = true;
  data.pausedUntil = until;
  ctx.doc.changedAt('paused');
  ctx.doc.changedAt('pausedUntil');
  ctx.timers.scheduleResumeAll();
  const pending = itemsWhere(ctx, isPending);
  if (pending.length <= BULK_FROM) {
    for (const item of pending) pauseItem(ctx, item, 'all');
    return ctx.emitTotalsNow();
  }
  data.pausing = true;
  ctx.doc.changedAt('pausing');
  const flagSaved = ctx.doc.commitMarkedFirst();
  const quiet: ItemRecord[] = [];
  const now = ctx.clock.now();
  for (const item of pending) {
    if (announcedAlone(ctx, item)) pauseItem(ctx, item, 'all');
    else {
      // An asset followed until the platform has processed it: resume all follows it again.
      ctx.followers.get(item.id)?.abort('pause');
      markPaused(item, 'all');
      item.state = 'paused';
      item.updatedAt = now;
      quiet.push(item);
    }
  }
  ctx.index.pausedAll(quiet);
  if (quiet.length > 0) ctx.emitChangedMany(quiet.map((item) => item.id));
  ctx.emitTotalsNow();
  ctx.checkIdle();
  // The items are saved whole once the flag is on disk (not in the same write: a whole save of
  // 100,000 items takes most of a second, a window in which a crash would lose the pause).
  const thenSaveWhole = () => {
    data.pausing = undefined;
    ctx.doc.changed();
  };
  const settled = flagSaved.then(thenSaveWhole, (error: unknown) => {
    // The document's write loop logged it and saves whole at its next try, items and flag alike.
    ctx.logger.warn('pause all: the pause could not be saved at once; saving it whole', {
      error: (error as Error).message,
    });
    thenSaveWhole();
  });
  pauseEnds.set(ctx.doc, settled);
}

/**
 * The end of each document's last bulk pause (its mark cleared, the whole save asked for). A quit
 * right after a pause all waits for it: otherwise the document closed with the mark still saved
 * (the clearing came a moment after the last write), and the next start paused again every item
 * the person had resumed meanwhile.
 */
const pauseEnds = new WeakMap<object, Promise<void>>();

/** Resolves once the last bulk pause has ended (at once when there is none): before closing. */
export function pauseEnded(ctx: QueueContext): Promise<void> {
  return pauseEnds.get(ctx.doc) ?? Promise.resolve();
}

/** A start after a crash found a bulk pause whose items were not saved: they are paused now. */
export function finishPause(ctx: QueueContext): void {
  if (!ctx.doc.data.pausing) return;
  // Before the index is built (the constructor): every item is read, once.
  const now = ctx.clock.now();
  for (const item of Object.values(ctx.items()))
    if (isPending(item.state)) {
      markPaused(item, 'all');
      item.state = 'paused';
      item.updatedAt = now;
    }
  ctx.doc.data.pausing = undefined;
  ctx.doc.changed();
}

/** Resumes what "pause all" paused (not items the person paused one by one). */
export function resumeAll(ctx: QueueContext): void {
  // Also ends a sleep pause, should the system's wake-up never have been heard: the person's
  // "resume all" always gets work going.
  ctx.flags.asleep = false;
  const data = ctx.doc.data;
  data.paused = false;
  data.pausedUntil = undefined;
  ctx.doc.changedAt('paused');
  ctx.doc.changedAt('pausedUntil');
  if (data.pausing !== undefined) {
    data.pausing = undefined;
    ctx.doc.changedAt('pausing');
  }
  ctx.timers.scheduleResumeAll();
  const paused = itemsWhere(ctx, (state) => state === 'paused').filter((i) => i.pausedBy === 'all');
  if (paused.length <= BULK_FROM) for (const item of paused) wakeItem(ctx, item);
  else {
    const now = ctx.clock.now();
    for (const item of paused) {
      // As wakeItem(), without a save, an event and a scheduler pass each.
      const target = item.resumeTo ?? 'queued';
      item.wait = undefined;
      item.pausedBy = undefined;
      item.error = undefined;
      setState(ctx, item, target, now);
      if (target === 'processing') follow(ctx, item);
    }
    ctx.doc.changed();
    ctx.emitChangedMany(paused.map((item) => item.id));
  }
  ctx.emitTotalsNow();
  ctx.pump();
}

/** Moves finished items to the history: those in `states` ("Clear finished" passes ready only). */
export function removeFinished(ctx: QueueContext, states: readonly ItemState[]): number {
  const items = ctx.items();
  const finished = itemsWhere(ctx, (state) => FINISHED_STATES.includes(state) && states.includes(state));
  if (finished.length <= BULK_FROM) {
    for (const item of finished) remove(ctx, item.id);
    if (finished.length > 0) ctx.emitTotalsNow();
    return finished.length;
  }
  for (const item of finished) {
    (ctx.active.get(item.id) ?? ctx.followers.get(item.id))?.abort('remove');
    ctx.unindex(item);
    delete items[item.id];
  }
  archiveMany(ctx, finished);
  ctx.doc.changed();
  // An id each (no view is built): serve mode's staging and the tray forget them one by one.
  for (const item of finished) ctx.emitRemoved(item.id);
  ctx.emitTotalsNow();
  ctx.checkIdle();
  return finished.length;
}

/** The items in a state `which` takes, found by the tally (no walk over every record). */
function itemsWhere(ctx: QueueContext, which: (state: ItemState) => boolean): ItemRecord[] {
  return ctx.index.tally.itemsWhere(which);
}

/** As transition() changes an item's state, without saving or announcing it (the caller does, once). */
function setState(ctx: QueueContext, item: ItemRecord, state: ItemState, now: number): void {
  item.state = state;
  item.updatedAt = now;
  if (state !== 'waiting') item.wait = undefined;
  ctx.index.stateChanged(item);
}

/** Transferring now (its progress ends) or waiting (its wait ends): announced alone. */
function announcedAlone(ctx: QueueContext, item: ItemRecord): boolean {
  return item.state === 'waiting' || ctx.active.has(item.id);
}
