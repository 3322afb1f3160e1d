/**
 * Ids from the platform are checked before they key the mirror or name a file: a tampered answer
 * (over real HTTP, from the emulator with an injected body) and a tampered data folder on disk
 * carrying `../../x`, `constructor`, `toString` and `__proto__` neither crash start-up nor write
 * or delete anything outside the data folder.
 */
import { mkdir, readdir, readFile, writeFile } from 'node:fs/promises';
import { createServer, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { join } from 'node:path';
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { UndiciTwelveLabsClient } from '../../electron/core/api/client.ts';
import { AssetLibrary } from '../../electron/core/library/asset-library.ts';
import { checkPlatformId, isPlatformId } from '../../electron/core/library/platform-ids.ts';
import { ThumbnailCache } from '../../electron/core/library/thumbnail-cache.ts';
import { silentLogger } from '../../electron/core/ports.ts';
import { ConfDocumentStore } from '../../electron/core/store/conf-document-store.ts';
import { newObjectId } from '../../emulator/ids.ts';
import { startEmulator, type RunningEmulator } from '../../emulator/index.ts';
import { EmulatorControl } from '../helpers/emulator-control.ts';
import { FAST } from '../helpers/queue-harness.ts';
import { makeTempDir } from '../helpers/temp-dir.ts';

const HOSTILE = [
  '../../x',
  '..\\..\\x',
  'constructor',
  'toString',
  '__proto__',
  'hasOwnProperty',
  '/etc/passwd',
];

describe('what an id is', () => {
  it('24 hexadecimal digits, nothing else', () => {
    expect(isPlatformId('66a1f0c2e4b0a1b2c3d4e5f6')).toBe(true);
    expect(isPlatformId('507F1F77BCF86CD799439011')).toBe(true);
    // The emulator mints ids the client accepts (the two share no code: checked here).
    for (let i = 0; i < 20; i++) expect(isPlatformId(newObjectId())).toBe(true);
    for (const bad of [
      ...HOSTILE,
      '',
      '66a1f0c2e4b0a1b2c3d4e5f',
      '66a1f0c2e4b0a1b2c3d4e5f67',
      '66a1f0c2e4b0a1b2c3d4e5fg',
      '66a1f0c2e4b0a1b2c3d4e5f\n',
      // 24 digits and a line break or a space (a regular expression's `$` may match before a
      // final newline in other languages; not here), and digits that only look like hex.
      '66a1f0c2e4b0a1b2c3d4e5f6\n',
      '66a1f0c2e4b0a1b2c3d4e5f6\r\n',
      ' 66a1f0c2e4b0a1b2c3d4e5f6',
      '66a1f0c2e4b0a1b2c3d4e5f6\u0000',
      '６６a1f0c2e4b0a1b2c3d4e5f6',
      null,
      42,
      { toString: () => '66a1f0c2e4b0a1b2c3d4e5f6' },
    ])
      expect(isPlatformId(bad), String(bad)).toBe(false);
  });

  it('a refused id is named safely in a message a person can act on', () => {
    expect(() => checkPlatformId('../../x\u0000\u001b[31m')).toThrow(
      /asset id that is not valid \("\.\.\/\.\.\/x\\u0000\\u001b\[31m"\).*24 hexadecimal/,
    );
    expect(() => checkPlatformId('a'.repeat(10_000))).toThrow(/"a{40}…"/);
  });
});

let emulator: RunningEmulator;
let control: EmulatorControl;
let client: UndiciTwelveLabsClient;
let root: string;
let cleanup: () => Promise<void>;
let data: string;
let library: AssetLibrary | undefined;

beforeAll(async () => {
  ({ dir: root, cleanup } = await makeTempDir('tl-ids-'));
  emulator = await startEmulator({ processingMs: 0 });
  control = new EmulatorControl(emulator.origin);
  client = new UndiciTwelveLabsClient({ baseUrl: emulator.url, apiKey: () => 'k', backoff: FAST });
});
afterAll(async () => {
  await client.close();
  await emulator.close();
  await cleanup();
});
let n = 0;
beforeEach(async () => {
  await control.reset();
  // Deep enough that `../../x` from the thumbnail folder still lands inside the temp root.
  data = join(root, `case-${++n}`, 'app', 'data');
  await mkdir(data, { recursive: true });
});
afterEach(async () => {
  await library?.stop();
  library = undefined;
});

function open(): { library: AssetLibrary; cache: ThumbnailCache } {
  const cache = new ThumbnailCache(
    join(data, 'thumbnails'),
    new ConfDocumentStore(data, 'thumbnails'),
    50_000_000,
    undefined,
    silentLogger, // the ids refused here are the test's own doing: no warnings on stderr
  );
  library = new AssetLibrary({
    client,
    store: new ConfDocumentStore(data, 'library'),
    thumbnails: cache,
    syncIntervalMs: 3_600_000,
    logger: silentLogger,
  });
  return { library, cache };
}

/** Every file under `dir`, relative to it. */
async function filesUnder(dir: string): Promise<string[]> {
  const entries = await readdir(dir, { recursive: true, withFileTypes: true });
  return entries
    .filter((e) => e.isFile())
    .map((e) => join(e.parentPath, e.name).slice(dir.length + 1))
    .sort();
}

function nothingPolluted() {
  const probe = {} as Record<string, unknown>;
  for (const key of ['status', 'filename', 'id', 'thumbnail', 'size', 'file', 'lastUsed'])
    expect(probe[key], `Object.prototype.${key}`).toBeUndefined();
}

describe('a platform answer with ids that are not ids', () => {
  it('is refused asset by asset: the mirror keeps the real one, no file is named by a bad id', async () => {
    const [good] = await control.seed({ count: 1, kind: 'image', enableThumbnail: true });
    const page = (await (
      await fetch(`${emulator.url}/assets?page_limit=50`, { headers: { 'x-api-key': 'k' } })
    ).json()) as { data: Array<Record<string, unknown>>; page_info: unknown };
    const real = page.data[0]!;
    expect(real._id).toBe(good);
    const tampered = { ...page, data: [...HOSTILE.map((id) => ({ ...real, _id: id })), real] };
    await control.addFaults({ kind: 'status', route: 'assets.list', status: 200, body: tampered, count: 1 });

    const { library: lib, cache } = open();
    const changed = new Promise<void>((resolve) => lib.on('changed', () => cache.cached(good!) && resolve()));
    await lib.syncNow(true);
    expect(lib.state()).toMatchObject({ online: true, assetCount: 1 });
    expect(lib.query().items.map((a) => a.id)).toEqual([good]);
    // The real asset's thumbnail arrives; it is the only one asked for.
    await changed;
    expect(await control.requests('media.thumbnail')).toHaveLength(1);
    for (const id of HOSTILE) expect(lib.detail(id), id).toBeUndefined();
    nothingPolluted();

    // Asked directly, the cache refuses too, without a request.
    const url = (real.thumbnail as { representative_url: string }).representative_url;
    for (const id of HOSTILE) expect(await cache.fetch(id, url), id).toBeUndefined();
    expect(await control.requests('media.thumbnail')).toHaveLength(1);

    // A delete of a bad id never reaches the platform.
    const outcomes = await lib.delete(['../../x', 'constructor'], { confirmed: true });
    expect(outcomes).toEqual([
      { id: '../../x', outcome: 'failed', message: '"../../x" is not an asset id.' },
      { id: 'constructor', outcome: 'failed', message: '"constructor" is not an asset id.' },
    ]);
    expect(await control.requests('assets.delete')).toHaveLength(0);

    await lib.stop();
    library = undefined;
    // Everything written is in the data folder: one thumbnail, named by the real id.
    expect(await filesUnder(join(root, `case-${n}`))).toEqual(
      (await filesUnder(data)).map((f) => join('app', 'data', f)),
    );
    expect((await filesUnder(join(data, 'thumbnails'))).filter((f) => f.endsWith('.img'))).toEqual([
      `${good}.img`,
    ]);
  });
});

describe('a data folder on disk with ids that are not ids', () => {
  it('starts, serves the good entries, and deletes nothing outside its folder', async () => {
    const good = newObjectId();
    const victim = join(root, `case-${n}`, 'victim.txt');
    await writeFile(victim, 'precious');
    const asset = (id: string) => ({
      id,
      status: 'ready',
      filename: `${id}.mp4`,
      createdAt: '2026-01-01T00:00:00Z',
    });
    const mirror = {
      version: 1,
      assets: Object.fromEntries([...HOSTILE, good].map((id) => [id, asset(id)])),
      pendingDeletes: Object.fromEntries(HOSTILE.map((id) => [id, { force: true, requestedAt: 1 }])),
    };
    const entry = (file: string) => ({ file, size: 10, lastUsed: 1 });
    const index = {
      version: 1,
      entries: {
        ...Object.fromEntries(HOSTILE.map((id) => [id, entry('../../../victim.txt')])),
        // A real id whose entry names another file: the cache goes by the id, not the name.
        [good]: entry('bystander.img'),
      },
    };
    // Written as text so that "__proto__" is an own key on disk, as a tampered file has it.
    await writeFile(
      join(data, 'library.json'),
      JSON.stringify(mirror).replace('"hasOwnProperty"', '"__proto__"'),
    );
    await writeFile(join(data, 'thumbnails.json'), JSON.stringify(index));
    await mkdir(join(data, 'thumbnails'));
    await writeFile(join(data, 'thumbnails', `${good}.img`), 'thumb');
    await writeFile(join(data, 'thumbnails', 'bystander.img'), 'not this one');

    const { library: lib, cache } = open();
    nothingPolluted();
    expect(lib.query().items.map((a) => a.id)).toContain(good);
    for (const id of HOSTILE) {
      expect(lib.detail(id), id).toBeUndefined();
      expect(cache.cached(id), id).toBeUndefined();
    }
    expect(cache.cached(good)).toBe(join(data, 'thumbnails', `${good}.img`));
    // Evicting everything removes the cache's own files only, named by their ids.
    await cache.setMaxBytes(0);
    expect(await readFile(victim, 'utf8')).toBe('precious');
    expect(await filesUnder(join(data, 'thumbnails'))).toEqual(['bystander.img']);
  });
});

describe('a thumbnail URL that sends too much', () => {
  it('is cut off, whether it says so up front or just never ends; nothing is left on disk', async () => {
    const closed: Array<Promise<void>> = [];
    const server = createServer((req, res: ServerResponse) => {
      closed.push(new Promise((resolve) => res.on('close', resolve)));
      if (req.url === '/declared') res.writeHead(200, { 'content-length': String(10 ** 9) });
      else res.writeHead(200);
      const chunk = Buffer.alloc(64 * 1024, 7);
      // Writes for as long as the other side reads: only the client can end it.
      const pump = () => {
        while (!res.destroyed && res.write(chunk));
        if (!res.destroyed) res.once('drain', pump);
      };
      pump();
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    const origin = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
    try {
      const { cache } = open();
      expect(await cache.fetch(newObjectId(), `${origin}/endless`)).toBeUndefined();
      expect(await cache.fetch(newObjectId(), `${origin}/declared`)).toBeUndefined();
      await Promise.all(closed); // both responses were let go by the client
      expect(await filesUnder(join(data, 'thumbnails'))).toEqual([]);
      expect(cache.totalBytes()).toBe(0);
    } finally {
      server.closeAllConnections();
      await new Promise((resolve) => server.close(resolve));
    }
  });
});
