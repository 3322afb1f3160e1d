/**
 * The interface under load, in Debian's Chromium against serve mode: 10,000 assets in the mirror and
 * 2,000 items in the queue. Time to first render of each view (ratio: the 100 ms a person reads
 * as instant), frame time while scrolling (ratio: the 16.7 ms frame budget), and the renderer
 * bundle gzipped (ratio: a 200 KB budget).
 */
import { chromium } from '@playwright/test';
import { readdir, readFile } from 'node:fs/promises';
import { gzipSync } from 'node:zlib';
import { join } from 'node:path';
import WebSocket from 'ws';
import { startEmulator } from '../emulator/index.ts';
import { startServeProcess } from '../tests/e2e/serve-harness.ts';
import { makeTempDir } from '../tests/helpers/temp-dir.ts';
import { table, timeCommand } from './lib.ts';

const KEY = 'tlk_bench_key_0000';

async function call(url: string, command: string, payload: unknown): Promise<unknown> {
  const u = new URL(url);
  // serve prints the token in the fragment; the WebSocket takes it as its subprotocol.
  const token = new URLSearchParams(u.hash.slice(1)).get('token');
  const ws = new WebSocket(`ws://${u.host}/ws`, ['tl-uploader', `tl-token.${token}`]);
  await new Promise((r) => ws.once('open', r));
  const reply = await new Promise<{ value: unknown }>((resolve) => {
    ws.on('message', (d) => {
      const m = JSON.parse(String(d));
      if (m.id === 1) resolve(m);
    });
    ws.send(JSON.stringify({ id: 1, command, payload }));
  });
  ws.close();
  return reply.value;
}

export async function run(): Promise<void> {
  await timeCommand('npx', ['vite', 'build']);
  const { dir, cleanup } = await makeTempDir('tl-bench-ui-');
  const emulator = await startEmulator({ apiKey: KEY, processingMs: 600_000 });
  const rows: string[][] = [];
  try {
    await fetch(`${emulator.origin}/_emulator/seed`, {
      method: 'POST',
      body: JSON.stringify({ count: 10_000, kind: 'video', filenamePrefix: 'take' }),
    });
    const server = await startServeProcess(join(dir, 'data'), {
      TWELVELABS_BASE_URL: emulator.url,
      TWELVELABS_API_KEY: KEY,
    });
    await call(server.url, 'library:sync', { full: true });
    await call(server.url, 'uploads:pause-all', {});
    await call(server.url, 'uploads:add', {
      inputs: Array.from({ length: 2_000 }, (_, i) => ({
        kind: 'url',
        url: `https://example.com/media/clip-${i}.mp4`,
      })),
    });

    const browser = await chromium.launch({
      executablePath: '/usr/bin/chromium',
      args: ['--no-sandbox', '--disable-gpu', '--disable-background-networking'],
    });
    const page = await browser.newPage({ viewport: { width: 1280, height: 800 } });
    const firstRender = (label: string, since: number) => {
      const ms = performance.now() - since;
      rows.push([`first render: ${label}`, `${ms.toFixed(0)} ms`, (ms / 100).toFixed(2)]);
    };
    const scrolling = (label: string, f: { median: number; p95: number }) => {
      rows.push([
        `scrolling ${label}: median frame`,
        `${f.median.toFixed(1)} ms`,
        (f.median / 16.7).toFixed(2),
      ]);
      rows.push([
        `scrolling ${label}: 95th percentile frame`,
        `${f.p95.toFixed(1)} ms`,
        (f.p95 / 16.7).toFixed(2),
      ]);
    };
    // Runs in the page (written as a string: this file is type-checked without the DOM library).
    const frameStats = (list: string) =>
      page.evaluate(`(async () => {
        const el = document.querySelector('[role="list"][aria-label="${list}"]');
        const deltas = [];
        let last = performance.now();
        for (let i = 0; i < 120; i++) {
          el.scrollTop += 400;
          await new Promise((r) => requestAnimationFrame(r));
          const now = performance.now();
          deltas.push(now - last);
          last = now;
        }
        deltas.sort((a, b) => a - b);
        return { median: deltas[Math.floor(deltas.length / 2)], p95: deltas[Math.floor(deltas.length * 0.95)] };
      })()`) as Promise<{ median: number; p95: number }>;

    let t = performance.now();
    await page.goto(server.url);
    await page.getByRole('list', { name: 'Upload queue' }).waitFor();
    firstRender('Uploads (2,000 items)', t);
    scrolling('Uploads', await frameStats('Upload queue'));

    t = performance.now();
    await page.getByRole('button', { name: 'Library', exact: true }).click();
    await page.getByRole('list', { name: 'Assets' }).waitFor();
    firstRender('Library (10,000 assets)', t);
    scrolling('Library', await frameStats('Assets'));

    for (const name of ['Watched folders', 'Settings']) {
      t = performance.now();
      await page.getByRole('button', { name }).click();
      await page.getByRole('heading', { name, level: 1 }).waitFor();
      firstRender(name, t);
    }
    await browser.close();
    await server.stop();

    const assets = join('out', 'renderer', 'assets');
    for (const ext of ['.js', '.css']) {
      let gz = 0;
      for (const f of (await readdir(assets)).filter((f) => f.endsWith(ext)))
        gz += gzipSync(await readFile(join(assets, f))).length;
      rows.push([
        `renderer bundle ${ext} gzipped`,
        `${(gz / 1024).toFixed(1)} KB`,
        (gz / (200 * 1024)).toFixed(2),
      ]);
    }
  } finally {
    await emulator.close();
    await cleanup();
  }
  console.log(table(['measure', 'value', 'ratio to budget'], rows));
  console.log(
    '\nBudgets: 100 ms to first render, 16.7 ms a frame, 200 KB gzipped. Ratios under 1 are within budget.',
  );
}
