/**
 * Documents through the real queue against the emulator over real HTTP (issue 17): a real PDF, a
 * UTF-8 .txt and a .md end `ready` as documents, and the official SDK sees them as such; every
 * name that does not match its content, and a document over 200 MB, is refused before a byte is
 * sent (the emulator's request log has no upload); a document with an index chosen is uploaded
 * without indexing and says so, with no indexing request.
 */
import { truncate } from 'node:fs/promises';
import { join } from 'node:path';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { TwelvelabsApiClient } from 'twelvelabs-js';
import { itemLine } from '../../electron/cli/format.ts';
import { startEmulator, type RunningEmulator } from '../../emulator/index.ts';
import { IndexService } from '../../electron/core/indexes/index-service.ts';
import { silentLogger } from '../../electron/core/ports.ts';
import { EmulatorControl } from '../helpers/emulator-control.ts';
import { mp4, png, writeFixture } from '../helpers/media.ts';
import { minimalPdf } from '../helpers/pdf.ts';
import { makeQueue, waitFor } from '../helpers/queue-harness.ts';
import { makeTempDir } from '../helpers/temp-dir.ts';

let emulator: RunningEmulator;
let control: EmulatorControl;
let sdk: TwelvelabsApiClient;
let dir: string;
let cleanup: () => Promise<void>;

const TEXT = Buffer.from('Shot list\n1. wide — the bridge at dawn\n2. close-up: ünïcode ✓\n'.repeat(40));
const MARKDOWN = Buffer.from('# Notes\n\n- *first* point\n- `code` too — “quoted”\n'.repeat(40));
const settled = (items: Array<{ state: string }>) =>
  items.length > 0 && items.every((i) => ['ready', 'failed', 'indexed', 'index-failed'].includes(i.state));
/** What reached the emulator's API that sends or makes something (the control API is not logged as such). */
const writes = async () =>
  (await control.requests()).filter((r) => r.method !== 'GET' && !r.path.startsWith('/_emulator'));

beforeAll(async () => {
  ({ dir, cleanup } = await makeTempDir());
  emulator = await startEmulator({ processingMs: 20, indexingMs: 40 });
  control = new EmulatorControl(emulator.origin);
  sdk = new TwelvelabsApiClient({ apiKey: 'test-key', baseUrl: emulator.url });
});
afterAll(async () => {
  await emulator.close();
  await cleanup();
});
beforeEach(async () => {
  await control.reset();
});

async function withQueue(run: (queue: ReturnType<typeof makeQueue>['queue']) => Promise<void>) {
  const { dir: data, cleanup: done } = await makeTempDir();
  const { queue, close } = makeQueue(emulator.url, data);
  try {
    queue.start();
    await run(queue);
  } finally {
    await close();
    await done();
  }
}

describe('documents upload end to end', () => {
  it('a real PDF, a UTF-8 .txt and a .md end ready as documents, and the SDK sees them', async () => {
    const files = {
      'brief.pdf': await writeFixture(join(dir, 'brief.pdf'), minimalPdf('Project brief')),
      'notes.txt': await writeFixture(join(dir, 'notes.txt'), TEXT),
      'README.md': await writeFixture(join(dir, 'README.md'), MARKDOWN),
      // Past the 10 MB line where video goes multipart: a document still goes in one direct POST.
      'log-book.txt': await writeFixture(
        join(dir, 'log-book.txt'),
        Buffer.alloc(15_000_000, 'Day 1: the bridge at dawn, wide and close-up.\n'),
      ),
    };
    await withQueue(async (queue) => {
      await queue.add(Object.values(files).map((path) => ({ kind: 'file' as const, path })));
      const items = await waitFor(queue, settled);
      const byName = Object.fromEntries(items.map((i) => [i.name, i]));
      for (const name of Object.keys(files))
        expect(byName[name], `${name}: ${byName[name]?.error}`).toMatchObject({
          state: 'ready',
          kind: 'document',
          method: 'direct',
        });
      expect(byName['brief.pdf']!.indexing).toBeUndefined(); // no index chosen: nothing to say

      // The platform's own record of each, through the official SDK.
      const types = await Promise.all(
        items.map(async (i) => [i.name, (await sdk.assets.retrieve(i.assetId!)).fileType]),
      );
      expect(Object.fromEntries(types)).toEqual({
        'brief.pdf': 'application/pdf',
        'notes.txt': 'text/plain',
        'README.md': 'text/markdown',
        'log-book.txt': 'text/plain',
      });
      const listed = await sdk.assets.list({ assetTypes: ['document'] });
      expect(listed.data.map((a) => a.filename).sort()).toEqual([
        'README.md',
        'brief.pdf',
        'log-book.txt',
        'notes.txt',
      ]);
      expect((await sdk.assets.retrieve(byName['log-book.txt']!.assetId!)).size).toBe(15_000_000);
      // Documents have no multipart upload: each went as one direct POST, nothing else.
      expect((await writes()).map((r) => r.route)).toEqual(Array(4).fill('assets.create'));
    });
  }, 60_000);
});

describe('refused before a byte is sent', () => {
  it('every name that does not match its content, text under another name, and a 201 MB PDF', async () => {
    const cases: Array<[string, Buffer, RegExp]> = [
      ['clip.txt', mp4(), /clip\.txt is named \.txt but its content is a video file \(video\/mp4\)/],
      ['notes.pdf', TEXT, /notes\.pdf is named \.pdf but its content is plain text, not a PDF/],
      ['clip.md', mp4(), /clip\.md is named \.md but its content is a video file/],
      ['scan.pdf', png(), /scan\.pdf is named \.pdf but its content is an image file \(image\/png\)/],
      ['paper.bin', minimalPdf(), /paper\.bin is a PDF but its name ends in \.bin/],
      [
        'server.log',
        TEXT,
        /server\.log is not a video, audio or image file TwelveLabs accepts: its content is text.*Supported:/,
      ],
      ['fake.pdf', Buffer.from('%PDF-'), /fake\.pdf is named \.pdf but its content is plain text, not a PDF/],
    ];
    const paths = await Promise.all(cases.map(([name, data]) => writeFixture(join(dir, name), data)));
    const huge = await writeFixture(join(dir, 'huge.pdf'), minimalPdf());
    await truncate(huge, 201_000_000); // sparse: nothing past the head is ever written
    await withQueue(async (queue) => {
      await queue.add([...paths, huge].map((path) => ({ kind: 'file' as const, path })));
      const items = await waitFor(queue, settled);
      const byName = Object.fromEntries(items.map((i) => [i.name, i]));
      for (const [name, , message] of cases)
        expect(byName[name], name).toMatchObject({
          state: 'failed',
          retryable: false,
          error: expect.stringMatching(message),
        });
      expect(byName['huge.pdf']).toMatchObject({
        state: 'failed',
        retryable: false,
        error: expect.stringMatching(
          /huge\.pdf is 201 MB; documents uploaded from this computer can be at most 200 MB/,
        ),
      });
    });
    // Nothing was sent: no asset, no upload session, no chunk.
    expect(await writes()).toEqual([]);
    expect((await sdk.assets.list()).data).toEqual([]);
  }, 60_000);
});

describe('a document with an index chosen', () => {
  it('is uploaded without indexing, says so, and sends no indexing request', async () => {
    const res = await fetch(`${emulator.url}/indexes`, {
      method: 'POST',
      headers: { 'x-api-key': 'k', 'content-type': 'application/json' },
      body: JSON.stringify({
        index_name: 'talks',
        models: [{ model_name: 'marengo3.0', model_options: ['visual', 'audio'] }],
      }),
    });
    const indexId = ((await res.json()) as { _id: string })._id;
    const pdf = await writeFixture(join(dir, 'slides.pdf'), minimalPdf('Slides'));
    const md = await writeFixture(join(dir, 'talk.md'), MARKDOWN);
    await withQueue(async (queue) => {
      await queue.add([pdf, md].map((path) => ({ kind: 'file' as const, path, options: { indexId } })));
      const items = await waitFor(queue, settled);
      const byName = Object.fromEntries(items.map((i) => [i.name, i]));
      expect(byName['slides.pdf']).toMatchObject({
        state: 'ready',
        kind: 'document',
        indexing: {
          indexId,
          skipped: 'Uploaded without indexing: PDFs cannot be indexed (indexes take video and audio).',
        },
      });
      expect(byName['talk.md']!.indexing?.skipped).toMatch(/Markdown files cannot be indexed/);
      // The CLI's line says it too.
      expect(itemLine(byName['slides.pdf']!)).toContain(
        'ready (Uploaded without indexing: PDFs cannot be indexed',
      );
    });
    const sent = (await writes()).map((r) => r.route);
    expect(sent.filter((r) => r === 'assets.create')).toHaveLength(2);
    expect(sent).not.toContain('indexed-assets.create');

    // The Library's "Index into" with the same assets and a video: the documents are answered
    // at once from what the mirror knows (no request), the video is indexed.
    const video = await writeFixture(join(dir, 'clip.mp4'), mp4());
    await withQueue(async (queue) => {
      await queue.add([{ kind: 'file' as const, path: video }]);
      await waitFor(queue, settled);
    });
    const assets = (await sdk.assets.list()).data;
    const byId = new Map(assets.map((a) => [a.id!, { filename: a.filename, fileType: a.fileType }]));
    const { client, close } = makeQueue(emulator.url, dir);
    try {
      const outcomes = await new IndexService(client, silentLogger).indexAssets(
        assets.map((a) => a.id!),
        indexId,
        (id) => byId.get(id),
      );
      const byName = Object.fromEntries(outcomes.map((o) => [byId.get(o.assetId)!.filename, o]));
      expect(byName['slides.pdf']).toMatchObject({
        outcome: 'failed',
        message: 'Not indexed: PDFs cannot be indexed (indexes take video and audio).',
      });
      expect(byName['talk.md']).toMatchObject({ outcome: 'failed', message: /Markdown files cannot/ });
      expect(byName['clip.mp4']).toMatchObject({ outcome: 'indexing' });
      const creates = (await writes()).filter((r) => r.route === 'indexed-assets.create');
      expect(creates).toHaveLength(1); // the video's only
    } finally {
      await close();
    }
  }, 60_000);
});
