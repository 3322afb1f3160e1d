/**
 * `tl-uploader indexes ls/create`, `upload --index --wait --json` and `watch --index`, as a real
 * child process against the emulator, with real videos made by ffmpeg (issue 17).
 */
import { mkdir } from 'node:fs/promises';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startEmulator, type RunningEmulator } from '../../emulator/index.ts';
import { runCli } from '../helpers/cli-child.ts';
import { makeVideo } from '../helpers/ffmpeg-media.ts';
import { makeTempDir } from '../helpers/temp-dir.ts';

let emulator: RunningEmulator;
let root: string;
let cleanup: () => Promise<void>;
let clip: string;
let low: string;
const KEY = 'cli-index-key-1';

beforeAll(async () => {
  ({ dir: root, cleanup } = await makeTempDir());
  emulator = await startEmulator({ processingMs: 30, indexingMs: 60, apiKey: KEY });
  [clip, low] = await Promise.all([
    makeVideo(join(root, 'talk.mp4'), { seconds: 5, width: 640, height: 360 }),
    makeVideo(join(root, 'strip.mp4'), { seconds: 5, width: 640, height: 200 }),
  ]);
}, 60_000);
afterAll(async () => {
  await emulator.close();
  await cleanup();
});

function cli(dataDir: string, args: string[]) {
  return runCli(args, {
    TL_UPLOADER_DATA_DIR: dataDir,
    TWELVELABS_BASE_URL: emulator.url,
    TWELVELABS_API_KEY: KEY,
    TL_UPLOADER_PROGRESS_MS: '60000',
  });
}

describe('tl-uploader with indexes', () => {
  it('creates and lists indexes, uploads into one by name and waits until indexed', async () => {
    const data = join(root, 'data-1');
    const made = await cli(data, [
      'indexes',
      'create',
      'talks',
      '--model',
      'marengo3.0',
      '--model',
      'pegasus1.2',
      '--json',
    ]).done;
    expect(made.code, made.stderr).toBe(0);
    const index = JSON.parse(made.stdout) as { id: string; name: string; models: Array<{ name: string }> };
    expect(index.models.map((m) => m.name)).toEqual(['marengo3.0', 'pegasus1.2']);
    const ls = await cli(data, ['indexes', 'ls', '--json']).done;
    expect(JSON.parse(ls.stdout)).toEqual({
      indexes: [expect.objectContaining({ id: index.id, name: 'talks', videoCount: 0 })],
    });

    const up = await cli(data, ['upload', clip, low, '--index', 'talks', '--wait', '--json']).done;
    expect(up.code, up.stderr).toBe(1); // one of the two is refused by the models
    const items = (JSON.parse(up.stdout) as { items: Array<Record<string, unknown>> }).items;
    const byName = Object.fromEntries(items.map((i) => [i.name, i]));
    expect(byName['talk.mp4']).toMatchObject({
      state: 'indexed',
      indexId: index.id,
      indexStatus: 'ready',
      indexedAssetId: expect.stringMatching(/^[0-9a-f]{24}$/),
    });
    expect(byName['strip.mp4']).toMatchObject({ state: 'failed', assetId: null });
    expect(String(byName['strip.mp4']!.error)).toMatch(/640×200 is below the 360×360 minimum/);
  });

  it('says when --index names no index (usage, exit 2), and what to do', async () => {
    const r = await cli(join(root, 'data-2'), ['upload', clip, '--index', 'nope', '--wait']).done;
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/--index nope: no index has that id or name\. `tl-uploader indexes ls`/);
    const bad = await cli(join(root, 'data-2'), ['indexes', 'create', 'x', '--model', 'pegasus1.5']).done;
    expect(bad.code).toBe(2);
  });

  it('watch --index indexes what a new folder uploads', async () => {
    const data = join(root, 'data-3');
    const made = await cli(data, ['indexes', 'create', 'watched', '--json']).done;
    const index = JSON.parse(made.stdout) as { id: string };
    const folder = join(root, 'watched');
    await mkdir(folder);
    await makeVideo(join(folder, 'a.mp4'), { seconds: 5, width: 480, height: 360 });
    const w = cli(data, ['watch', folder, '--index', 'watched']);
    for (let i = 0; i < 600 && !/a\.mp4\tindexed/.test(w.stdout()); i++)
      await new Promise((r) => setTimeout(r, 50));
    w.child.kill('SIGINT');
    const r = await w.done;
    expect(r.stdout).toMatch(/a\.mp4\tindexed/);
    const res = await fetch(`${emulator.url}/indexes/${index.id}/indexed-assets`, {
      headers: { 'x-api-key': KEY },
    });
    expect(((await res.json()) as { data: unknown[] }).data).toHaveLength(1);
  });
});
