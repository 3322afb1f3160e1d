/**
 * Run by default-logger.test.ts in a child process, so that what reaches its real stderr is what
 * is checked: parts of the core built with no logger, made to fail, and the default logger itself.
 */
import { createServer } from 'node:net';
import { UndiciTwelveLabsClient } from '../../electron/core/api/client.ts';
import { LifecycleScope } from '../../electron/core/lifecycle-scope.ts';
import { defaultLogger } from '../../electron/core/ports.ts';

const SECRET = 'tlk_default-logger-secret-0123';

// A step of a scope given no logger fails.
const scope = new LifecycleScope('child scope');
await scope.run('failing step', () => {
  throw new Error('the step broke');
});

// A client given no logger meets a port where nothing listens: it warns as it retries.
const port = await new Promise<number>((resolve) => {
  const server = createServer().listen(0, '127.0.0.1', () => {
    const { port } = server.address() as { port: number };
    server.close(() => resolve(port));
  });
});
const client = new UndiciTwelveLabsClient({
  baseUrl: `http://127.0.0.1:${port}/v1.3`,
  apiKey: () => SECRET,
  backoff: { maxAttempts: 2, maxTotalMs: 2_000, baseDelayMs: 10, maxDelayMs: 20 },
});
await client
  .retrieveAsset('asset-1')
  .catch((error: unknown) => console.log(`the call failed as expected: ${String(error)}`));
await client.close();

// The default logger itself: chatter dropped, secrets cut from what it writes.
defaultLogger.debug('debug chatter');
defaultLogger.info('info chatter');
defaultLogger.error('storage refused a part', {
  apiKey: SECRET,
  url: `https://storage.example/part?X-Amz-Signature=${SECRET}`,
});
