/**
 * The emulator (the Sandbox) as a server on the open internet: input a client controls never
 * becomes a 500. A URL upload without a filename whose last segment has bad percent-encoding was
 * one (the name was decoded without a guard).
 */
import { afterAll, beforeAll, expect, it } from 'vitest';
import { startEmulator, type RunningEmulator } from '../../emulator/index.ts';

const KEY = 'tlk_emulator-hostile-0123456789';
let emulator: RunningEmulator;

beforeAll(async () => {
  emulator = await startEmulator({ apiKey: KEY, processingMs: 20 });
});
afterAll(() => emulator.close());

it('names a URL upload with bad percent-encoding as written, instead of failing with a 500', async () => {
  for (const [url, filename] of [
    ['https://media.example/%E0%A4%A.mp4', '%E0%A4%A.mp4'],
    ['https://media.example/a%zz', 'a%zz'],
    ['https://media.example/clip%20one.mp4', 'clip one.mp4'],
  ]) {
    const form = new FormData();
    form.set('method', 'url');
    form.set('url', url);
    const res = await fetch(`${emulator.url}/assets`, {
      method: 'POST',
      headers: { 'x-api-key': KEY },
      body: form,
    });
    const body = (await res.json()) as { filename?: string; message?: string };
    expect(res.status, body.message).toBeLessThan(300);
    expect(body.filename).toBe(filename);
  }
});
