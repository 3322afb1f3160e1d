import { stat } from 'node:fs/promises';
import { randomUUID } from 'node:crypto';
import { basename } from 'node:path';
import type { UploadOptions } from '../../shared/domain.ts';
import type { QueueItemView } from '../../shared/queue-types.ts';
import { walkFiles } from './folder-walk.ts';
import { toView, type ItemRecord } from './item-record.ts';
import { filenameFromUrl, InputRejected, urlForDisplay, validateMediaUrl } from './preflight.ts';
import type { QueueContext } from './queue-context.ts';

export type AddInput =
  | {
      kind: 'file';
      path: string;
      options?: UploadOptions;
      origin?: { folderId: string; relativePath: string };
      /** A watched folder's name: `source_folder` and `relative_path` (its origin's) are sent as metadata. */
      sourceFolder?: string;
    }
  | { kind: 'folder'; path: string; options?: UploadOptions }
  | { kind: 'url'; url: string; options?: UploadOptions };

export interface AddResult {
  added: QueueItemView[];
  rejected: Array<{ input: string; message: string }>;
}

/** Per queue: done once the items of the latest add() are created (not yet saved). */
const creating = new WeakMap<QueueContext, Promise<unknown>>();

/** Files, folders and URLs become queued items, saved before anyone hears of them. */
export async function addItems(ctx: QueueContext, inputs: AddInput[]): Promise<AddResult> {
  const result: AddResult = { added: [], rejected: [] };
  // Two adds at once (a watched folder hands a batch over while the last one is being saved):
  // the items of the second are created after all of the first's, so the queue keeps the order
  // they were handed over in, although creating them yields to the event loop as it goes.
  const previous = creating.get(ctx);
  // Alone, it starts at once, as add() always did (its first items exist before it returns).
  const making = previous
    ? previous.then(() => createAll(ctx, inputs, result))
    : createAll(ctx, inputs, result);
  const turn = making.catch(() => undefined); // a failure is this add()'s own, thrown just below
  creating.set(ctx, turn);
  let created: ItemRecord[];
  try {
    created = await making;
  } finally {
    if (creating.get(ctx) === turn) creating.delete(ctx);
  }
  try {
    await ctx.doc.commitChanges(); // createItem marked each new item
  } catch (error) {
    // Not saved (a full disk, a store that cannot be written): the items are taken back, so a
    // caller that tries again (a watched folder's hand-over does) adds each file once.
    for (const item of created) takeBack(ctx, item.id);
    ctx.emitTotals();
    throw error;
  }
  // Each view made once it is saved (an item may have started meanwhile), not also at creation.
  for (let i = 0; i < created.length; i++) {
    const item = created[i]!;
    const view = ctx.get(item.id) ?? toView(item); // gone while it was saved: as it was made
    result.added.push(view);
    ctx.emitAdded(view);
    if (i % 500 === 499) await new Promise((r) => setImmediate(r));
  }
  ctx.emitTotals();
  ctx.pump();
  return result;
}

/** Creates (and indexes) the items of `inputs`; what is refused goes to `result.rejected`. */
async function createAll(ctx: QueueContext, inputs: AddInput[], result: AddResult): Promise<ItemRecord[]> {
  const created: ItemRecord[] = [];
  // The Settings' options once per call, not once per item (a first scan adds thousands at once).
  const defaults = ctx.options.defaultOptions?.();
  // The merged options are made once per options object, not per file: a folder's files, and a
  // watched folder's batch, share them (items never change their options in place).
  let options: UploadOptions | undefined;
  let optionsOf: UploadOptions | undefined | null = null;
  const create = (
    source: ItemRecord['source'],
    input: AddInput,
    name: string,
    origin?: ItemRecord['origin'],
    sourceFolder?: string,
  ) => {
    if (optionsOf !== input.options) {
      optionsOf = input.options;
      options = withDefaults(defaults, input.options);
    }
    created.push(createItem(ctx, source, options!, name, origin, sourceFolder));
  };
  let sinceYield = 0;
  for (const input of inputs) {
    // Thousands of files at once (a watched folder's first scan): let other work run between batches.
    if (++sinceYield % 500 === 0) await new Promise((r) => setImmediate(r));
    try {
      if (input.kind === 'url') {
        const url = validateMediaUrl(input.url);
        create({ kind: 'url', url }, input, filenameFromUrl(url));
      } else if (input.kind === 'file') {
        create(
          { kind: 'file', path: input.path },
          input,
          basename(input.path),
          input.origin,
          input.sourceFolder,
        );
      } else {
        // Missing, unreadable or no folder: each is said by the rejection just below.
        const info = await stat(input.path).catch(() => undefined);
        if (!info?.isDirectory()) throw new InputRejected(`${input.path} is not a folder that can be read.`);
        for await (const path of walkFiles(input.path, (p, why) =>
          ctx.logger.warn('skipped unreadable folder', { path: p, why }),
        ))
          create({ kind: 'file', path }, input, basename(path));
      }
    } catch (error) {
      if (!(error instanceof InputRejected)) throw error;
      result.rejected.push({
        input: input.kind === 'url' ? urlForDisplay(input.url) : input.path,
        message: error.message,
      });
    }
  }
  return created;
}

/**
 * Dropped, from the CLI or from a watched folder alike: an option the item leaves unset is the
 * Settings' (watched-folder uploads had no thumbnail although Settings asked for one).
 */
function withDefaults(defaults: UploadOptions | undefined, options: UploadOptions = {}): UploadOptions {
  // Most inputs already say everything the defaults would (or there are none): the input's own
  // object is kept as it is, not copied for each of 100,000 files (a copy each, held for good).
  if (!needsMerge(defaults, options)) return options;
  const merged: Record<string, unknown> = { ...defaults, ...options };
  for (const key of Object.keys(options) as Array<keyof UploadOptions>)
    if (options[key] === undefined) merged[key] = defaults?.[key];
  return merged as UploadOptions;
}

/** Whether the item's options leave a value unset (undefined) that the merged options would differ in. */
function needsMerge(defaults: UploadOptions | undefined, options: UploadOptions): boolean {
  const own = options as Record<string, unknown>;
  for (const key in own) if (Object.hasOwn(own, key) && own[key] === undefined) return true;
  if (!defaults) return false;
  const wanted = defaults as Record<string, unknown>;
  for (const key in wanted)
    if (
      Object.hasOwn(wanted, key) &&
      wanted[key] !== undefined &&
      !(Object.hasOwn(own, key) && own[key] !== undefined)
    )
      return true;
  return false;
}

/** Makes and indexes the record of a new item. */
function createItem(
  ctx: QueueContext,
  source: ItemRecord['source'],
  options: UploadOptions,
  fallbackName: string,
  origin?: ItemRecord['origin'],
  sourceFolder?: string,
): ItemRecord {
  const now = ctx.clock.now();
  // While everything is paused, new items wait too, until "resume all".
  const paused = ctx.doc.data.paused;
  // One literal with every key, in one order: all records share one shape and hold their fields
  // in the object itself (conditional spreads made a few shapes and a property array per item).
  // Keys left undefined are not saved (JSON leaves them out); pausedBy and resumeTo are never
  // sent (toView drops them) and a view's undefined `origin` reads as absent (the contract's optional).
  const item: ItemRecord = {
    id: randomUUID(),
    source,
    name: options.filename ?? fallbackName,
    options,
    state: paused ? 'paused' : 'queued',
    pausedBy: paused ? 'all' : undefined,
    resumeTo: paused ? 'queued' : undefined,
    addedAt: now,
    updatedAt: now,
    // After every item already queued, even thousands added within one millisecond.
    order: ctx.index.order.next(now),
    origin,
    sourceFolder: origin && sourceFolder,
  };
  ctx.items()[item.id] = item;
  ctx.doc.changedAt('items', item.id);
  ctx.reindex(item);
  return item;
}

/** An item whose adding was not saved: gone as if never added (its transfer, if started, too). */
function takeBack(ctx: QueueContext, id: string): void {
  const item = ctx.items()[id];
  if (!item) return;
  const controller = ctx.active.get(id) ?? ctx.followers.get(id);
  controller?.abort('remove');
  ctx.unindex(item);
  delete ctx.items()[id];
  ctx.doc.changedAt('items', id);
  if (controller) ctx.emitRemoved(id); // it was seen changing: say it is gone
}
