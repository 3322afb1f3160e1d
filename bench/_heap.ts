import { mkdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import v8 from 'node:v8';
import { FolderSync } from '../electron/core/sync/folder-sync.ts';
import { ConfDocumentStore } from '../electron/core/store/conf-document-store.ts';
import { wav } from '../tests/helpers/media.ts';
import { makeQueue } from '../tests/helpers/queue-harness.ts';
import { makeTempDir } from '../tests/helpers/temp-dir.ts';
const FOLDERS = 1000;
const { dir, cleanup } = await makeTempDir('tl-heap-');
const tree = join(dir, 'tree');
const sample = wav(0.01);
for (let d = 0; d < FOLDERS; d++) {
  const folder = join(tree, `shoot-${Math.floor(d / 100)}`, `card-${d}`);
  await mkdir(folder, { recursive: true });
  await Promise.all(Array.from({ length: 20 }, (_, f) => writeFile(join(folder, `clip-${f}.wav`), sample)));
}
const harness = makeQueue('http://127.0.0.1:9/v1.3', join(dir, 'data'));
harness.queue.start();
harness.queue.pauseAll();
const sync = new FolderSync({
  queue: harness.queue,
  store: new ConfDocumentStore(join(dir, 'data'), 'sync'),
});
await sync.start();
let queued = 0;
harness.queue.on('item-added', () => queued++);
await sync.addFolder(tree, { stabilityMs: 1000 });
while (queued < FOLDERS * 20) await new Promise((r) => setTimeout(r, 100));
await new Promise((r) => setTimeout(r, 3000));
global.gc?.();
console.log(process.memoryUsage());
v8.writeHeapSnapshot('/tmp/prof/heap.heapsnapshot');
await sync.stop();
await harness.close();
await cleanup();
