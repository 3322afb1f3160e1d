/**
 * URL uploads with an index chosen (issue 17), through the real queue against the emulator over
 * real HTTP, the media made by ffmpeg and served by a real local web server: a URL the index's
 * models refuse is stopped before POST /assets with its reason (read by Range requests), and can
 * be uploaded without indexing; where the URL cannot be read now (no Range support, the probe
 * refused), the asset is created and its own metadata stops the doomed indexing request.
 */
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { makeVideo } from '../helpers/ffmpeg-media.ts';
import {
  control,
  emulator,
  newIndex as newIndexWith,
  root,
  settledIn,
  useIndexingSuite,
} from '../helpers/indexing-suite.ts';
import { makeQueue, waitFor } from '../helpers/queue-harness.ts';
import { serveFolder } from '../helpers/static-server.ts';
import { makeTempDir } from '../helpers/temp-dir.ts';

/** This suite's indexes see and hear. */
const newIndex = (name: string) =>
  newIndexWith(name, [{ model_name: 'marengo3.0', model_options: ['visual', 'audio'] }]);
const settled = settledIn(['ready', 'indexed', 'index-failed', 'failed']);

useIndexingSuite();
beforeAll(async () => {
  await Promise.all([
    makeVideo(join(root, 'low.mp4'), { seconds: 5, width: 640, height: 200 }),
    makeVideo(join(root, 'talk.mp4'), { seconds: 5, width: 640, height: 360 }),
  ]);
}, 60_000);

describe('a URL upload with an index chosen', () => {
  it('is stopped before POST /assets when its container, read by Range, does not qualify', async () => {
    const indexId = await newIndex('web');
    const web = await serveFolder(root, { ranges: 'serve' });
    const { dir: data, cleanup: done } = await makeTempDir();
    const { queue, close } = makeQueue(emulator.url, data);
    try {
      queue.start();
      await queue.add([
        { kind: 'url', url: `${web.origin}/low.mp4`, options: { indexId } },
        { kind: 'url', url: `${web.origin}/talk.mp4`, options: { indexId } },
      ]);
      const items = await waitFor(queue, settled(2));
      const [low, talk] = items;
      expect(low).toMatchObject({ state: 'failed', retryable: false });
      expect(low!.error).toMatch(
        /low\.mp4 cannot be indexed into "web": 640×200 is below the 360×360 minimum \(Marengo 3\.0\).*Nothing was uploaded; choose "Upload without indexing"/,
      );
      expect(talk).toMatchObject({ state: 'indexed', indexing: { indexId, checked: true } });
      // Only the URL that qualified became an asset; the probe asked for ranges, never the whole file.
      expect(await control.requests('assets.create')).toHaveLength(1);
      const probes = web.served.filter((s) => s.userAgent?.startsWith('TL-Uploader'));
      expect(probes.length).toBeGreaterThan(0);
      expect(probes.every((s) => s.status === 206)).toBe(true);

      queue.uploadWithoutIndexing(low!.id);
      const after = await waitFor(queue, (all) => all[0]?.state === 'ready');
      expect(after[0]!.options.indexId).toBe('');
      expect(await control.requests('assets.create')).toHaveLength(2);
      expect(await control.requests('indexed-assets.create')).toHaveLength(1);
    } finally {
      await close();
      await web.close();
      await done();
    }
  });

  it('when the URL cannot be read now (no Range support, the probe refused), the ready asset stops the doomed create', async () => {
    const indexId = await newIndex('late');
    const whole = await serveFolder(root, { ranges: 'ignore' });
    const refusing = await serveFolder(root, { ranges: 503 });
    const { dir: data, cleanup: done } = await makeTempDir();
    const { queue, close } = makeQueue(emulator.url, data);
    try {
      queue.start();
      await queue.add([
        { kind: 'url', url: `${whole.origin}/low.mp4`, options: { indexId } },
        { kind: 'url', url: `${refusing.origin}/low.mp4`, options: { indexId } },
        { kind: 'url', url: `${whole.origin}/talk.mp4`, options: { indexId } },
      ]);
      const items = await waitFor(queue, settled(3));
      for (const low of items.slice(0, 2)) {
        expect(low.state).toBe('index-failed');
        expect(low.assetId).toBeTruthy();
        expect(low.error).toMatch(
          /low\.mp4 cannot be indexed into "late": 640×200 is below the 360×360 minimum \(Marengo 3\.0\).*\. It is uploaded and ready; it was not sent to the index\./,
        );
      }
      expect(items[2]!.state).toBe('indexed');
      // Not checked before (no failure for that), checked after: three assets, one indexing request.
      expect(await control.requests('assets.create')).toHaveLength(3);
      const creates = await control.requests('indexed-assets.create');
      expect(creates).toHaveLength(1);
      // The probe asked and was answered 200 (whole file) or 503: each time it let go.
      const probes = [...whole.served, ...refusing.served].filter((s) => s.range);
      expect(probes.map((s) => s.status).sort()).toEqual([200, 200, 503]);
    } finally {
      await close();
      await whole.close();
      await refusing.close();
      await done();
    }
  });
});
