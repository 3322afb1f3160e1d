import { parseArgs } from 'node:util';
import { startEmulator } from './server.ts';

const usage = `Usage: npm run emulator -- [--port N] [--data-dir DIR] [--api-key KEY] [--processing-ms MS]
                              [--indexing-ms MS]

Starts the local TwelveLabs Assets API emulator on 127.0.0.1.
  --port N            port to listen on (0, the default, picks a free one)
  --data-dir DIR      keep assets, files and upload sessions in DIR across restarts
  --api-key KEY       accept only this x-api-key (default: any non-empty key)
  --processing-ms MS  time an asset stays "processing" before it is ready (default 1500)
  --indexing-ms MS    time an indexed asset takes from "pending" to ready or failed (default 3000)`;

function fail(message: string): never {
  console.error(`emulator: ${message}\n\n${usage}`);
  process.exit(2);
}

let values;
try {
  ({ values } = parseArgs({
    options: {
      port: { type: 'string', default: '0' },
      'data-dir': { type: 'string' },
      'api-key': { type: 'string' },
      'processing-ms': { type: 'string' },
      'indexing-ms': { type: 'string' },
      help: { type: 'boolean', short: 'h' },
    },
  }));
} catch (error) {
  fail((error as Error).message);
}
if (values.help) {
  console.log(usage);
  process.exit(0);
}
const port = Number(values.port);
if (!Number.isInteger(port) || port < 0 || port > 65535)
  fail(`--port must be a number from 0 to 65535, not "${values.port}".`);
const processingMs = values['processing-ms'] === undefined ? undefined : Number(values['processing-ms']);
if (processingMs !== undefined && !(processingMs >= 0)) fail('--processing-ms must be a number ≥ 0.');
const indexingMs = values['indexing-ms'] === undefined ? undefined : Number(values['indexing-ms']);
if (indexingMs !== undefined && !(indexingMs >= 0)) fail('--indexing-ms must be a number ≥ 0.');
if (values['api-key'] === '') fail('--api-key cannot be empty.');

try {
  const emulator = await startEmulator({
    port,
    dataDir: values['data-dir'],
    apiKey: values['api-key'],
    ...(processingMs !== undefined && { processingMs }),
    ...(indexingMs !== undefined && { indexingMs }),
  });
  console.log(`TwelveLabs emulator listening on ${emulator.url}`);
  if (emulator.recovered) console.error(`emulator: ${emulator.recovered}`);
  const stop = () => {
    void emulator.close().then(() => process.exit(0));
  };
  process.on('SIGINT', stop);
  process.on('SIGTERM', stop);
} catch (error) {
  const e = error as NodeJS.ErrnoException;
  fail(e.code === 'EADDRINUSE' ? `port ${port} is already in use.` : e.message);
}
