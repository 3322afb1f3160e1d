/**
 * One upload in its own process, so its peak memory is its own. Prints one JSON line:
 * {ms, baselineRss, peakRss}. argv: mode baseUrl filePath
 */
import { createReadStream } from 'node:fs';
import { stat } from 'node:fs/promises';
import { MultipartUploadWrapper, TwelvelabsApiClient } from 'twelvelabs-js';
import { UndiciTwelveLabsClient } from '../electron/core/api/client.ts';
import { runMultipartUpload, startMultipartUpload } from '../electron/core/api/multipart-upload.ts';
import { processMemory } from './lib.ts';

const [mode, baseUrl, path] = process.argv.slice(2) as [string, string, string];
const { size } = await stat(path);

// One small request before the clock starts, for each client: what a long-lived app loaded long
// ago (undici's parser, the SDK's modules, through this bench's TypeScript loader) is not part of
// an upload. curl's figure likewise leaves out its process start (time_total).
const client = new UndiciTwelveLabsClient({ baseUrl, apiKey: () => 'bench' });
const sdk = new TwelvelabsApiClient({ apiKey: 'bench', baseUrl });
if (mode.startsWith('ours')) await client.listAssetsPage({ pageLimit: 1 });
else await sdk.assets.list({ pageLimit: 1 });

const baselineRss = (await processMemory(process.pid)).rss;
const started = process.hrtime.bigint();

if (mode === 'ours-direct' || mode === 'ours-multipart') {
  if (mode === 'ours-direct') await client.createAssetFromFile(path);
  else {
    const { handle, urls } = await startMultipartUpload(client, {
      path,
      size,
      type: 'video',
      filename: 'bench.mp4',
    });
    await runMultipartUpload(client, handle, { concurrency: 4 }, urls);
  }
  await client.close();
} else if (mode === 'sdk-direct') {
  await sdk.assets.create({ method: 'direct', file: createReadStream(path) });
} else if (mode === 'sdk-multipart') {
  const wrapper = new MultipartUploadWrapper({ apiKey: 'bench', baseUrl });
  console.log = () => undefined; // the wrapper narrates each step
  await wrapper.uploadFile(path, { maxWorkers: 4 });
} else throw new Error(`unknown mode ${mode}`);

const ms = Number(process.hrtime.bigint() - started) / 1e6;
process.stdout.write(
  `${JSON.stringify({ ms, baselineRss, peakRss: (await processMemory(process.pid)).peak })}\n`,
);
