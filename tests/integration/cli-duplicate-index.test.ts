/**
 * `tl-uploader upload --index` of a file already in the library (issue 17), as a real child process
 * against the emulator with a real ffmpeg MP4: the existing asset is indexed, nothing is uploaded
 * again, and the line, the summary and `--json` say so.
 */
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { runCliAgainst } from '../helpers/cli-child.ts';
import { control, emulator, root, useEmulatorPerFile } from '../helpers/emulator-suite.ts';
import { makeVideo } from '../helpers/ffmpeg-media.ts';

let clip: string;
const KEY = 'cli-dup-index-key-1';

useEmulatorPerFile({ processingMs: 30, indexingMs: 60, apiKey: KEY });
beforeAll(async () => {
  clip = await makeVideo(join(root, 'talk.mp4'), { seconds: 5, width: 640, height: 360 });
}, 60_000);

const cli = (dataDir: string, args: string[]) =>
  runCliAgainst({ baseUrl: emulator.url, key: KEY }, dataDir, args);

describe('tl-uploader upload --index of a file already uploaded', () => {
  it('indexes the existing asset and says nothing was uploaded again', async () => {
    const data = join(root, 'data');
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
