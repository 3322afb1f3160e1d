/**
 * The upload queue as its own process, uploading one file with an index chosen, for the crash
 * test: argv baseUrl dataDir file indexId. Adds the file on the first run only; prints
 * `idle <items as JSON>` once nothing is left to do.
 */
import { makeQueue } from './queue-harness.ts';

const [baseUrl, dataDir, file, indexId] = process.argv.slice(2) as [string, string, string, string];
const { queue, close } = makeQueue(baseUrl, dataDir, { indexRelookDelaysMs: [100, 300] });
queue.start();
if (queue.list().length === 0) await queue.add([{ kind: 'file', path: file, options: { indexId } }]);
await queue.whenIdle();
const items = queue.list();
await close();
console.log(`idle ${JSON.stringify(items)}`);
