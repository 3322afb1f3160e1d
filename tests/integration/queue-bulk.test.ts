/**
 * Pause all, resume all and clear finished over more items than BULK_FROM (queue-bulk.ts): one
 * pass, one whole save, one event, against the emulator. After every test the suite checks that
 * the totals equal a recount and that what is saved equals what is held (queue-suite.ts); the
 * tests recount after each step as well.
 */
import { spawn } from 'node:child_process';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { BULK_FROM } from '../../electron/core/queue/queue-bulk.ts';
import type { UploadQueue } from '../../electron/core/queue/upload-queue.ts';
import { ConfDocumentStore } from '../../electron/core/store/conf-document-store.ts';
import { wav, writeFixture, writeMp4File } from '../helpers/media.ts';
import { allIn, makeQueue, waitFor } from '../helpers/queue-harness.ts';
import { serveFolder } from '../helpers/static-server.ts';
import { until } from '../helpers/until.ts';
import { control, dataDir, dir, emulator, setHarness, start, useQueueSuite } from '../helpers/queue-suite.ts';

useQueueSuite();

const MANY = BULK_FROM + 50;

let web: Awaited<ReturnType<typeof serveFolder>> | undefined;

/** `count` URL items, each a distinct address of one short WAV the emulator fetches. */
async function urls(count: number, tag: string) {
  if (!web) {
    await writeFixture(join(dir, 'tone.wav'), wav(0.2));
    web = await serveFolder(dir);
  }
  const origin = web.origin;
  return Array.from({ length: count }, (_, i) => ({
    kind: 'url' as const,
    url: `${origin}/tone.wav?${tag}=${i}`,
  }));
}

afterEach(async () => {
  await web?.close();
  web = undefined;
});

/**
 * The totals kept item by item equal a recount (the suite checks it after each test too, with the
 * bytes; here after each step).
 */
function expectTotalsToMatchItems(queue: UploadQueue) {
  const byState: Record<string, number> = {};
  for (const item of queue.list()) byState[item.state] = (byState[item.state] ?? 0) + 1;
  expect(queue.totals().byState).toEqual(byState);
}

/** What the views leave out: who paused an item. */
function pausedBy(queue: UploadQueue, id: string): string | undefined {
  const data = (queue as unknown as { doc: { data: { items: Record<string, { pausedBy?: string }> } } }).doc
    .data;
  return data.items[id]?.pausedBy;
}

/** Every event the queue sends while `action` runs. */
function eventsOf(queue: UploadQueue, action: () => void) {
  const seen = { changed: 0, removed: 0, bulk: [] as string[][] };
  const changed = () => seen.changed++;
  const removed = () => seen.removed++;
  const bulk = (ids: string[]) => seen.bulk.push(ids);
  queue.on('item-changed', changed);
  queue.on('item-removed', removed);
  queue.on('items-changed', bulk);
  try {
    action();
  } finally {
    queue.off('item-changed', changed);
    queue.off('item-removed', removed);
    queue.off('items-changed', bulk);
  }
  return seen;
}

describe('pause all over many items', () => {
  it.each([
    { mode: '', when: 'before its items are saved' },
    { mode: 'whole-due', when: 'while a whole save is due (after a start, a bulk action)' },
  ])(
    'survives a SIGKILL $when: the restart shows all 20,000 paused and starts nothing',
    async ({ mode }) => {
      const child = spawn(
        process.execPath,
        ['--import', 'tsx', 'tests/helpers/pause-child.ts', emulator.url, dataDir, '20000', mode],
        { stdio: ['ignore', 'pipe', 'inherit'] },
      );
      let out = '';
      child.stdout.on('data', (d) => (out += d));
      const signal = await new Promise((resolve) => child.on('exit', (_code, sig) => resolve(sig)));
      expect(out).toContain('paused');
      expect(signal).toBe('SIGKILL');
      // The crash came in the window: the saved document still holds every item queued, and only
      // the journal says that everything is paused.
      const saved = new ConfDocumentStore(dataDir, 'queue').load().data as {
        paused: boolean;
        pausing?: boolean;
        items: Record<string, { state: string }>;
      };
      expect(saved).toMatchObject({ paused: true, pausing: true });
      expect(Object.values(saved.items).filter((i) => i.state === 'queued')).toHaveLength(20_000);

      await control.clearRequests();
      const queue = start();
      // Every item paused: none is startable, whatever the scheduler does.
      expect(queue.totals()).toMatchObject({ paused: true, byState: { paused: 20_000 } });
      const first = queue.page('all', 0, 5).items;
      expect(first.map((i) => i.state)).toEqual(Array(5).fill('paused'));
      expect(pausedBy(queue, first[0]!.id)).toBe('all');
      await queue.whenIdle();
      expect(await control.requests('assets.create')).toHaveLength(0);
      expectTotalsToMatchItems(queue);
    },
    60_000,
  );

  it('pauses in one pass and one event; resume one item, then resume all resumes only what pause all paused', async () => {
    // Not started yet: the items stay queued while the test arranges them.
    const { queue } = setHarness(makeQueue(emulator.url, dataDir, { concurrency: 8 }));
    const { added } = await queue.add(await urls(MANY, 'clip'));
    const [mine, other, one] = [added[0]!.id, added[1]!.id, added[2]!.id];
    queue.pause(mine);
    queue.pause(other);

    const paused = eventsOf(queue, () => queue.pauseAll());
    // One bulk event naming the items pause all paused; no event per item.
    expect(paused.changed).toBe(0);
    expect(paused.bulk).toHaveLength(1);
    expect(new Set(paused.bulk[0])).toEqual(new Set(added.slice(2).map((a) => a.id)));
    expect(queue.totals()).toMatchObject({ paused: true, byState: { paused: MANY } });
    expect(pausedBy(queue, mine)).toBe('user');
    expect(pausedBy(queue, one)).toBe('all');
    expectTotalsToMatchItems(queue);

    // Added while paused: paused too, by "pause all".
    const late = (await queue.add(await urls(1, 'late'))).added[0]!.id;
    expect(queue.get(late)!.state).toBe('paused');
    expect(pausedBy(queue, late)).toBe('all');

    queue.start();
    await queue.whenIdle();
    expect(await control.requests('assets.create')).toHaveLength(0);

    // One item resumed by hand uploads while everything else stays paused.
    queue.resume(one);
    await waitFor(queue, (items) => items.find((i) => i.id === one)?.state === 'ready');
    expect(queue.totals().byState).toEqual({ paused: MANY, ready: 1 });
    expectTotalsToMatchItems(queue);

    const resumed = eventsOf(queue, () => queue.resumeAll());
    expect(resumed.bulk).toHaveLength(1);
    expect(resumed.bulk[0]).toHaveLength(MANY - 2); // not the two paused by hand
    await waitFor(queue, (items) => items.filter((i) => i.state === 'ready').length === MANY - 1, 45_000);
    // The ones paused by hand stay paused.
    expect(queue.get(mine)!.state).toBe('paused');
    expect(queue.get(other)!.state).toBe('paused');
    expect(await control.requests('assets.create')).toHaveLength(MANY - 1);
    expectTotalsToMatchItems(queue);
  }, 60_000);

  it('a pause all saved whole comes back whole after a restart, and cancel or retry one item still work', async () => {
    const { queue, close } = makeQueue(emulator.url, dataDir);
    const { added } = await queue.add(await urls(MANY, 'clip'));
    queue.pauseAll();
    await close(); // the whole save, as at quit
    const again = start();
    expect(again.totals()).toMatchObject({ paused: true, byState: { paused: MANY } });
    again.cancel(added[5]!.id);
    expect(again.get(added[5]!.id)!.state).toBe('canceled');
    again.retry(added[5]!.id);
    // Retried: queued again, and it runs (a retry is the person's own "go" for that item).
    await waitFor(again, (items) => items.find((i) => i.id === added[5]!.id)?.state === 'ready');
    expect(again.totals().byState).toEqual({ paused: MANY - 1, ready: 1 });
    expect(await control.requests('assets.create')).toHaveLength(1);
  }, 60_000);
});

describe('pause all while assets are processed', () => {
  it('pauses the followed items quietly, and resume all at once follows each again to ready', async () => {
    await control.settings({ processingMs: 600_000 });
    try {
      const queue = start({ concurrency: 8 });
      await queue.add(await urls(MANY, 'processed'));
      await waitFor(queue, allIn('processing'), 45_000);
      const events = eventsOf(queue, () => queue.pauseAll());
      // Announced alone only what a transfer still held as it handed over to the follow (at
      // most the 8 in flight); the followed rest in one event.
      expect(events.changed).toBeLessThanOrEqual(8);
      expect(events.bulk.map((ids) => ids.length)).toEqual([MANY - events.changed]);
      expect(queue.totals().byState).toEqual({ paused: MANY });
      // At once: the follows just stopped have not wound down yet, and are replaced.
      queue.resumeAll();
      expect(queue.totals().byState).toEqual({ processing: MANY });
      for (const item of queue.list()) await control.setStatus(item.assetId!, 'ready');
      await waitFor(queue, allIn('ready'), 45_000);
      expectTotalsToMatchItems(queue);
    } finally {
      await control.settings({ processingMs: 30 });
    }
  }, 60_000);
});

describe('pause all while transfers run', () => {
  it('stops them at once, starts nothing else, and resume all uploads each file once', async () => {
    await control.settings({ ingestBytesPerSecond: 2_000_000 });
    try {
      const paths = [
        await writeMp4File(join(dir, 'slow-0.mp4'), 12_000_000, 41),
        await writeMp4File(join(dir, 'slow-1.mp4'), 12_000_000, 42),
      ];
      for (let i = 0; i < MANY; i++)
        paths.push(await writeFixture(join(dir, `short-${i}.wav`), wav(0.05, 8000, 200 + i)));
      const queue = start({ concurrency: 2 });
      await queue.add(paths.map((path) => ({ kind: 'file' as const, path })));
      await waitFor(
        queue,
        (items) =>
          items.filter((i) => i.state === 'uploading' && (i.progress?.sentBytes ?? 0) > 0).length === 2,
      );

      const events = eventsOf(queue, () => queue.pauseAll());
      // The two in flight are announced one by one (their progress ends), the rest in one event.
      expect(events.changed).toBe(2);
      expect(events.bulk.map((ids) => ids.length)).toEqual([MANY]);
      expect(queue.totals().byState).toEqual({ paused: MANY + 2 });
      // Absence by the platform's log: every request it saw has ended, and only the two cut
      // transfers (multipart, at this size) were ever begun; no short file was sent.
      await until('the cut transfers to end at the platform', async () => {
        const seen = await control.requests();
        return seen.length > 0 && seen.every((r) => r.settled);
      });
      expect(await control.requests('multipart.create')).toHaveLength(2);
      expect(await control.requests('assets.create')).toHaveLength(0);
      expectTotalsToMatchItems(queue);

      await control.settings({ ingestBytesPerSecond: 0 });
      queue.setConcurrency(8);
      queue.resumeAll();
      const done = await waitFor(queue, allIn('ready'), 45_000);
      expect(new Set(done.map((i) => i.assetId)).size).toBe(MANY + 2);
      // The two cut transfers went on in their sessions: none was begun again.
      expect(await control.requests('multipart.create')).toHaveLength(2);
      expect(await control.requests('assets.create')).toHaveLength(MANY);
    } finally {
      await control.settings({ ingestBytesPerSecond: 0 });
    }
  }, 60_000);
});

describe('clear finished over many items', () => {
  it('removes a state’s items in one pass, keeps the others, and archives them newest first', async () => {
    const queue = start({ concurrency: 8 });
    const { added: done } = await queue.add(await urls(MANY, 'done'));
    await waitFor(queue, allIn('ready'), 45_000);
    queue.pauseAll();
    const { added: waiting } = await queue.add(await urls(MANY, 'waiting'));
    for (const item of waiting.slice(0, 40)) queue.cancel(item.id);
    queue.pause(waiting[50]!.id); // already paused by pause all: stays as it is
    expectTotalsToMatchItems(queue);

    let removed = 0;
    const events = eventsOf(queue, () => (removed = queue.removeFinished(['ready', 'canceled'])));
    expect(removed).toBe(MANY + 40);
    // An id each (serve mode's staging and the tray forget them), no view built, no bulk event.
    expect(events).toMatchObject({ changed: 0, removed: MANY + 40, bulk: [] });
    expect(queue.totals().byState).toEqual({ paused: MANY - 40 });
    expect(queue.list().map((i) => i.id)).toEqual(waiting.slice(40).map((i) => i.id));
    // As if archived one by one in queue order: the last one removed first, at most the limit.
    const history = queue.history();
    expect(history).toHaveLength(MANY + 40);
    expect(history.map((h) => h.itemId)).toEqual(
      [...done, ...waiting.slice(0, 40)].map((i) => i.id).reverse(),
    );
    expect(history[0]).toMatchObject({ state: 'canceled' });
    expect(history.at(-1)).toMatchObject({ state: 'ready', assetId: expect.any(String) });
    expectTotalsToMatchItems(queue);

    // Pages and filters read the order without the removed items.
    expect(queue.page('all', 0, 10).items.map((i) => i.id)).toEqual(waiting.slice(40, 50).map((i) => i.id));
    expect(queue.page('all', 0, 10).total).toBe(MANY - 40);
  }, 60_000);
});
