/**
 * `tl-uploader upload --index` of a file already in the library (issue 17), as a real child process
 * against the emulator with a real ffmpeg MP4: the existing asset is indexed, nothing is uploaded
 * again, and the line, the summary and `--json` say so.
 */
import { spawn } from 'node:child_process';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startEmulator, type RunningEmulator } from '../../emulator/index.ts';
import { EmulatorControl } from '../helpers/emulator-control.ts';
import { makeVideo } from '../helpers/ffmpeg-media.ts';
import { makeTempDir } from '../helpers/temp-dir.ts';

let emulator: RunningEmulator;
let root: string;
let cleanup: () => Promise<void>;
let clip: string;
const KEY = 'cli-dup-index-key-1';

beforeAll(async () => {
  ({ dir: root, cleanup } = await makeTempDir());
  emulator = await startEmulator({ processingMs: 30, indexingMs: 60, apiKey: KEY });
  clip = await makeVideo(join(root, 'talk.mp4'), { seconds: 5, width: 640, height: 360 });
}, 60_000);
afterAll(async () => {
  await emulator.close();
  await cleanup();
});

function cli(dataDir: string, args: string[]) {
  const child = spawn(process.execPath, ['bin/tl-uploader.mjs', ...args], {
    env: {
      ...process.env,
      TL_UPLOADER_DATA_DIR: dataDir,
      TWELVELABS_BASE_URL: emulator.url,
      TWELVELABS_API_KEY: KEY,
      TL_UPLOADER_PROGRESS_MS: '60000',
    },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let stdout = '';
  let stderr = '';
  child.stdout.on('data', (d: Buffer) => (stdout += d.toString()));
  child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
  return new Promise<{ code: number | null; stdout: string; stderr: string }>((r) =>
    child.on('close', (code) => r({ code, stdout, stderr })),
  );
}

describe('tl-uploader upload --index of a file already uploaded', () => {
  it('indexes the existing asset and says nothing was uploaded again', async () => {
    const data = join(root, 'data');
    const control = new EmulatorControl(emulator.origin);
    const made = await cli(data, ['indexes', 'create', 'talks', '--json']);
    expect(made.code, made.stderr).toBe(0);
    const index = JSON.parse(made.stdout) as { id: string };

    const first = await cli(data, ['upload', clip, '--wait', '--json']);
    expect(first.code, first.stderr).toBe(0);
    const [uploaded] = (JSON.parse(first.stdout) as { items: Array<Record<string, unknown>> }).items;
    expect(uploaded).toMatchObject({ state: 'ready', alreadyInLibrary: false });

    const again = await cli(data, ['upload', clip, '--index', 'talks', '--wait', '--json']);
    expect(again.code, again.stderr).toBe(0);
    const [item] = (JSON.parse(again.stdout) as { items: Array<Record<string, unknown>> }).items;
    expect(item).toMatchObject({
      state: 'indexed',
      alreadyInLibrary: true,
      assetId: uploaded!.assetId,
      indexId: index.id,
      indexStatus: 'ready',
      indexedAssetId: expect.stringMatching(/^[0-9a-f]{24}$/),
    });
    expect(await control.requests('assets.create')).toHaveLength(1);

    // The same content into the same index again, as text: the line and the summary say it.
    const text = await cli(data, ['upload', clip, '--index', 'talks', '--wait']);
    expect(text.code, text.stderr).toBe(0);
    expect(text.stdout).toMatch(
      new RegExp(
        `talk\\.mp4\\tindexed \\(already in your library, not uploaded again\\)\\t${String(uploaded!.assetId)}`,
      ),
    );
    expect(`${text.stdout}${text.stderr}`).toMatch(/Done: 1 indexed · 0 B uploaded/);
    expect(await control.requests('indexed-assets.create')).toHaveLength(1);
    expect(await control.requests('assets.create')).toHaveLength(1);
  }, 60_000);
});
