/**
 * The log file (core/log/file-logger.ts) on a real folder: lines land in the data folder's logs,
 * rotate at the size limit keeping one old file, and never contain the API key — not in the
 * message, not in fields, not inside an error, not in a presigned URL's query.
 */
import { readdir, readFile, stat } from 'node:fs/promises';
import { join } from 'node:path';
import { describe, expect, it, onTestFinished } from 'vitest';
import { createFileLogger } from '../../electron/core/log/file-logger.ts';
import { makeTempDir } from '../helpers/temp-dir.ts';

const KEY = 'tlk_3XAMPLEKEYdoNotLeak9876';

describe('the log file', () => {
  it('keeps the key out of every line and rotates at its size', async () => {
    const { dir, cleanup } = await makeTempDir('tl-log-');
    onTestFinished(cleanup);
    let known: string[] = [];
    const log = createFileLogger({ dataDir: dir, maxBytes: 4_000, secrets: () => known });
    known = [KEY]; // learnt after the logger was made, as when the key is entered
    log.info(`key set: ${KEY}`);
    log.warn('request failed', {
      apiKey: KEY,
      headers: { 'x-api-key': KEY, Authorization: `Bearer ${KEY}` },
      url: `https://bucket.s3.amazonaws.com/part?X-Amz-Credential=${KEY}&X-Amz-Signature=abc`,
      error: new Error(`refused key ${KEY}`),
    });
    log.error('nested', { deep: { list: [{ token: 'tok-secret-value' }] }, note: `ends with ${KEY}` });
    log.debug('not written at the default level');

    const text = await readFile(log.path, 'utf8');
    expect(log.path).toBe(join(dir, 'logs', 'tl-uploader.log'));
    expect(text).not.toContain(KEY);
    expect(text).not.toContain('tok-secret-value');
    expect(text).not.toContain('X-Amz-Signature');
    expect(text).not.toContain('not written');
    expect(text).toMatch(/^\[\d{4}-\d\d-\d\d \d\d:\d\d:\d\d\.\d{3}\] \[info\] +key set: \[redacted\]$/m);
    expect(text).toContain('"url":"https://bucket.s3.amazonaws.com/part?[redacted]"');
    expect(text).toContain('refused key [redacted]');
    if (process.platform !== 'win32') expect((await stat(log.path)).mode & 0o077).toBe(0);

    for (let i = 0; i < 200; i++) log.info(`line ${i} ${'x'.repeat(40)}`);
    const files = (await readdir(join(dir, 'logs'))).sort();
    expect(files).toEqual(['tl-uploader.log', 'tl-uploader.old.log']);
    expect((await stat(log.path)).size).toBeLessThanOrEqual(4_000 + 200);
    expect(await readFile(log.path, 'utf8')).toContain('line 199');
  });
});
