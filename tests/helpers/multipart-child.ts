/**
 * Run as a child process by the crash tests: starts (or resumes) a multipart upload and writes
 * the resumable handle to a JSON file each time it changes, until it is killed.
 * argv: baseUrl filePath handlePath
 */
import { stat, writeFile, rename } from 'node:fs/promises';
import { UndiciTwelveLabsClient } from '../../electron/core/api/client.ts';
import { runMultipartUpload, startMultipartUpload } from '../../electron/core/api/multipart-upload.ts';

const [baseUrl, filePath, handlePath] = process.argv.slice(2) as [string, string, string];
const client = new UndiciTwelveLabsClient({ baseUrl, apiKey: () => 'test-key' });
const { size } = await stat(filePath);
const { handle, urls } = await startMultipartUpload(client, {
  path: filePath,
  size,
  type: 'video',
  filename: 'big.mp4',
});
// Saves are chained: each writes a complete snapshot, atomically, in order.
let chain = Promise.resolve();
const save = () =>
  (chain = chain.then(async () => {
    await writeFile(`${handlePath}.tmp`, JSON.stringify(handle));
    await rename(`${handlePath}.tmp`, handlePath);
  }));
await save();
await runMultipartUpload(client, handle, { concurrency: 2, onHandleChange: save }, urls);
console.log('done');
await client.close();
