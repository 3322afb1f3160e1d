/**
 * An upload whose ready asset the chosen index's models refuse (issue 17, "check (b)": a URL whose
 * server gives no byte ranges, so its container could not be read before upload), through the
 * real queue against the emulator over real HTTP, the video made by ffmpeg and served by a real
 * local web server. The asset's own metadata and the index's models decide, so a retry would be
 * refused the same way: none is offered (retryable false, no Retry in the row, said on the CLI
 * line), and what the person can still do is offered: keep the asset without indexing, which
 * ends it ready with the reason, with no request to the platform.
 */
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { itemLine } from '../../electron/cli/format.ts';
import { jsonItem } from '../../electron/cli/follow.ts';
import { canRetry, needsAttention } from '../../electron/shared/item-state.ts';
import { makeVideo } from '../helpers/ffmpeg-media.ts';
import { control, emulator, newIndex, root, settledIn, useIndexingSuite } from '../helpers/indexing-suite.ts';
import { makeQueue, waitFor } from '../helpers/queue-harness.ts';
import { serveFolder } from '../helpers/static-server.ts';
import { makeTempDir } from '../helpers/temp-dir.ts';

useIndexingSuite();
beforeAll(async () => {
  await makeVideo(join(root, 'low.mp4'), { seconds: 5, width: 640, height: 200 });
}, 60_000);

describe('an uploaded asset the index models refuse', () => {
  it('is not offered a retry that cannot help, and can be kept without indexing', async () => {
    const indexId = await newIndex('wide', [
      { model_name: 'marengo3.0', model_options: ['visual', 'audio'] },
    ]);
    const whole = await serveFolder(root, { ranges: 'ignore' });
    const { dir: data, cleanup } = await makeTempDir();
    const { queue, close } = makeQueue(emulator.url, data);
    try {
      queue.start();
      await queue.add([{ kind: 'url', url: `${whole.origin}/low.mp4`, options: { indexId } }]);
      const [low] = await waitFor(queue, settledIn(['ready', 'indexed', 'index-failed', 'failed'])(1));
      expect(low).toMatchObject({ state: 'index-failed', retryable: false, indexing: { indexId } });
      expect(low!.indexing?.refused).toMatch(/640×200 is below the 360×360 minimum/);
      // The Retry button (renderer row) and the CLI line read these.
      expect(canRetry(low!)).toBe(false);
      expect(itemLine(low!)).toMatch(
        /^low\.mp4\tnot indexed: .*it was not sent to the index\. Trying again cannot help: the index's models refuse the asset itself\.\t[0-9a-f]{24}$/,
      );
      expect(await control.requests('indexed-assets.create')).toHaveLength(0);

      queue.uploadWithoutIndexing(low!.id);
      const [kept] = await waitFor(queue, (all) => all[0]?.state === 'ready');
      expect(kept).toMatchObject({ assetId: low!.assetId, indexing: { indexId } });
      expect(kept!.error).toBeUndefined();
      expect(kept!.retryable).toBeUndefined();
      expect(needsAttention(kept!.state)).toBe(false);
      expect(kept!.indexing?.skipped).toMatch(/^Kept without indexing: 640×200 is below the 360×360 minimum/);
      expect(jsonItem(kept!)).toMatchObject({ state: 'ready', indexSkipped: kept!.indexing!.skipped });
      expect(itemLine(kept!)).toMatch(/^low\.mp4\tready \(Kept without indexing: 640×200/);
      // Kept as it is: no second asset, no indexing request.
      expect(await control.requests('assets.create')).toHaveLength(1);
      expect(await control.requests('indexed-assets.create')).toHaveLength(0);
    } finally {
      await close();
      await whole.close();
      await cleanup();
    }
  });
});
