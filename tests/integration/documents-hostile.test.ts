/**
 * Documents at the edges (issue 17, brief H17): the real queue's verdict on each file against the
 * Sandbox's, which takes the same bytes over real HTTP through the official SDK. The queue must
 * never send what the platform model refuses (a wasted upload and a late failure), and refuses
 * only what it refuses too: a PDF header 1000-1024 bytes in, upper-case extensions, a file named
 * just `.txt`, UTF-16 with a BOM named .txt, a text with a NUL past the 4 KiB head.
 */
import { createReadStream } from 'node:fs';
import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { TwelvelabsApiClient } from 'twelvelabs-js';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startEmulator, type RunningEmulator } from '../../emulator/index.ts';
import { EmulatorControl } from '../helpers/emulator-control.ts';
import { minimalPdf } from '../helpers/pdf.ts';
import { makeQueue, waitFor } from '../helpers/queue-harness.ts';
import { makeTempDir } from '../helpers/temp-dir.ts';
import { until } from '../helpers/until.ts';

let emulator: RunningEmulator;
let sdk: TwelvelabsApiClient;
let control: EmulatorControl;
let dir: string;
let cleanup: () => Promise<void>;

beforeAll(async () => {
  ({ dir, cleanup } = await makeTempDir());
  emulator = await startEmulator({ processingMs: 20, indexingMs: 40 });
  sdk = new TwelvelabsApiClient({ apiKey: 'test-key', baseUrl: emulator.url });
  control = new EmulatorControl(emulator.origin);
});
afterAll(async () => {
  await emulator.close();
  await cleanup();
});

/** A PDF after `junk` bytes of text junk (a mail header, a BOM-less banner) on lines of 63 + \n. */
const pdfAfter = (junk: number) =>
  Buffer.concat([
    Buffer.from(Array.from({ length: junk }, (_, i) => (i % 64 === 63 ? '\n' : '#')).join('')),
    minimalPdf(),
  ]);
const text = (n: number) => Buffer.from('The quick brown fox jumps over the lazy dog.\n'.repeat(n));

const CASES: Array<[name: string, bytes: Buffer]> = [
  ['junk-1000.pdf', pdfAfter(1000)],
  ['junk-1019.pdf', pdfAfter(1019)],
  ['junk-1020.pdf', pdfAfter(1020)],
  ['junk-1023.pdf', pdfAfter(1023)],
  ['junk-1024.pdf', pdfAfter(1024)],
  ['UPPER.PDF', minimalPdf()],
  ['NOTES.TXT', text(10)],
  ['.txt', text(10)],
  [
    'utf16.txt',
    Buffer.concat([Buffer.from([0xff, 0xfe]), Buffer.from('Hello, world\n'.repeat(20), 'utf16le')]),
  ],
  ['nul-after-head.txt', Buffer.concat([text(100), Buffer.from([0]), text(10)])],
];

/** What the Sandbox makes of the file: 'ready', or its refusal or failure. */
async function sandboxVerdict(path: string): Promise<string> {
  try {
    const created = await sdk.assets.create(
      { method: 'direct', file: createReadStream(path) },
      { maxRetries: 0 },
    );
    const asset = await until('the asset to settle', async () => {
      const a = await sdk.assets.retrieve(created.id!);
      return a.status === 'processing' ? undefined : a;
    });
    return asset.status === 'ready' ? 'ready' : `failed: ${JSON.stringify(asset)}`;
  } catch (error) {
    return `refused: ${(error as Error).message}`;
  }
}

describe('documents at the edges: the queue and the Sandbox agree', () => {
  it('every edge file is uploaded exactly when the Sandbox takes it, else refused before a byte is sent', async () => {
    const sandbox: Record<string, string> = {};
    for (const [name, bytes] of CASES) {
      await writeFile(join(dir, name), bytes);
      sandbox[name] = await sandboxVerdict(join(dir, name));
    }
    await control.clearRequests();
    const { dir: data, cleanup: done } = await makeTempDir();
    const { queue, close } = makeQueue(emulator.url, data);
    try {
      queue.start();
      await queue.add(CASES.map(([name]) => ({ kind: 'file' as const, path: join(dir, name) })));
      const items = await waitFor(
        queue,
        (all) => all.length === CASES.length && all.every((i) => ['ready', 'failed'].includes(i.state)),
      );
      const verdicts = Object.fromEntries(
        items.map((i) => [
          i.name,
          i.state === 'ready' ? 'ready' : i.assetId ? `failed after upload: ${i.error}` : 'refused',
        ]),
      );
      const expected = Object.fromEntries(
        Object.entries(sandbox).map(([name, v]) => [name, v === 'ready' ? 'ready' : 'refused']),
      );
      expect(verdicts, JSON.stringify(sandbox, null, 1)).toEqual(expected);
      // Nothing refused reached the platform: one create per file taken.
      const taken = Object.values(verdicts).filter((v) => v === 'ready').length;
      expect(await control.requests('assets.create')).toHaveLength(taken);
      expect(items.find((i) => i.name === 'nul-after-head.txt')!.error).toMatch(
        /not plain text throughout: byte 4500 is a control character \(0x00\)/,
      );
    } finally {
      await close();
      await done();
    }
  });
});
