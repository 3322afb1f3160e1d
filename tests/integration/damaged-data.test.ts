/**
 * A damaged data folder never loses work in silence (issue 13). A real data folder is made by the
 * real CLI against the emulator, with finished AND queued work; then each of its files in turn
 * (found by walking the folder, so a new file is covered without editing this test) is damaged in
 * each way below, in a copy of the folder, and `tl-uploader resume --json` runs on it as a real
 * child process. Every run must end in bounded time, with no stack trace, and either every queued
 * file ends ready (counted on the emulator) or stderr says what was lost and the exit code is not 0.
 */
import { randomBytes } from 'node:crypto';
import { cp, mkdir, readFile, rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import WebSocket from 'ws';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startEmulator } from '../../emulator/index.ts';
import { startServe, WS_PROTOCOL } from '../../electron/cli/serve.ts';
import { MemorySecretStore } from '../../electron/core/secrets.ts';
import { UploaderCore } from '../../electron/core/uploader-core.ts';
import {
  cli,
  damagesFor,
  filesUnder,
  inPool,
  KEY,
  kindOf,
  parse,
  readyNames,
  RUN_LIMIT_MS,
  type Damage,
} from '../helpers/data-damage.ts';
import { wav, writeFixture } from '../helpers/media.ts';
import { until } from '../helpers/serve-client.ts';
import { makeTempDir } from '../helpers/temp-dir.ts';

/** Files uploaded before the damage, and files still queued when it happens. */
const FINISHED = ['done-1.wav', 'done-2.wav'];
const QUEUED = ['queued-1.wav', 'queued-2.wav', 'queued-3.wav'];

let root: string;
let cleanup: () => Promise<void>;
/** The data folder as the runs left it: finished work, queued work, a watched folder. */
let base: string;
let media: string;

beforeAll(async () => {
  ({ dir: root, cleanup } = await makeTempDir('tl-damaged-'));
  media = join(root, 'media');
  base = join(root, 'base');
  await mkdir(join(media, 'watched'), { recursive: true });
  let tone = 300;
  for (const name of [...FINISHED, ...QUEUED]) await writeFixture(join(media, name), wav(0.3, 8000, tone++));
  const emulator = await startEmulator({ processingMs: 30, apiKey: KEY });
  try {
    const done = await cli(['upload', ...FINISHED.map((n) => join(media, n)), '--wait'], base, emulator.url);
    expect(done.code, done.stderr).toBe(0);
    // Settings, a watched folder and queued work, through the core as the app makes them (the
    // CLI has no command for the first two). The queued files are added under "pause all", so
    // they are still queued when it closes: `resume` resumes them.
    const core = await UploaderCore.create({
      dataDir: base,
      secrets: new MemorySecretStore(KEY),
      overrides: { baseUrl: emulator.url },
    });
    try {
      await core.invoke('settings:update', { concurrency: 2 });
      // The library mirror with the finished uploads' thumbnails cached (thumbnails.json and
      // thumbnails/): waited for, since the cache fills in the background.
      await core.invoke('library:sync', { full: true });
      await until('the thumbnails are cached', async () => {
        const { items } = await core.invoke('library:query', {});
        return items.length === FINISHED.length && items.every((a) => a.thumbnailPath);
      });
      await core.invoke('folders:add', { path: join(media, 'watched'), settings: { existing: 'skip' } });
      await core.invoke('uploads:pause-all', {});
      await core.invoke('uploads:add', {
        inputs: QUEUED.map((n) => ({ kind: 'file', path: join(media, n) })),
      });
    } finally {
      await core.close();
    }
  } finally {
    await emulator.close();
  }
}, 60_000);

afterAll(async () => {
  await cleanup();
});

let caseNumber = 0;

/** Copies the folder, damages one file, runs `resume --json` on its own emulator. */
async function runDamaged(file: string, damageName: string, damage: Damage) {
  const copy = join(root, `case-${++caseNumber}`);
  await cp(base, copy, { recursive: true });
  await damage(join(copy, file));
  const emulator = await startEmulator({ processingMs: 0, apiKey: KEY });
  try {
    const run = await cli(['resume', '--json'], copy, emulator.url);
    return { file, damageName, run, ready: await readyNames(emulator), copy };
  } finally {
    await emulator.close();
  }
}

function check({ file, damageName, run, ready }: Awaited<ReturnType<typeof runDamaged>>) {
  const label = `${file}, ${damageName}: exit ${run.code}\n${run.stderr}`;
  expect(run.timedOut, `${label}\nit did not end within ${RUN_LIMIT_MS} ms`).toBe(false);
  expect(run.stderr + run.stdout, `${label}\na stack trace`).not.toMatch(/^\s+at /m);
  // Exactly once: a damaged ledger or queue never makes a second asset of a file.
  for (const name of QUEUED) expect(ready.filter((n) => n === name).length, label).toBeLessThanOrEqual(1);
  const allReady = QUEUED.every((name) => ready.includes(name));
  if (!allReady) {
    expect(run.code, `${label}\nqueued files were lost with exit 0`).not.toBe(0);
    expect(run.stderr, `${label}\nqueued files were lost without a word`).toMatch(/^tl-uploader: .*damaged/m);
  }
  // Only the queue holds the queued work: damage anywhere else must not cost any of it.
  if (!/(^|\/)queue\./.test(file)) expect(allReady, `${label}\nnot every queued file ended ready`).toBe(true);
  // Damage that was found is said, and the exit code says it too.
  if (/^tl-uploader: /m.test(run.stderr)) expect(run.code, label).not.toBe(0);
}

describe('a damaged data folder', () => {
  it('was made with finished and queued work, and resumes it all when sound', async () => {
    const queue = parse(await readFile(join(base, 'account', 'queue.json'), 'utf8')) as {
      items: Record<string, { name: string; state: string }>;
    };
    const journal = await readFile(join(base, 'account', 'queue.journal'), 'utf8');
    const items = { ...queue.items };
    for (const line of journal.split('\n').slice(1).filter(Boolean)) {
      const { p, v } = JSON.parse(line) as { p: string[]; v?: { name: string; state: string } };
      if (p[0] === 'items' && v) items[p[1]!] = v;
    }
    const states = Object.fromEntries(Object.values(items).map((i) => [i.name, i.state]));
    for (const name of FINISHED) expect(states[name]).toBe('ready');
    for (const name of QUEUED) expect(states[name]).toBe('paused');

    const sound = await runDamaged(join('account', 'queue.json'), 'none', async () => undefined);
    expect(sound.run.code, sound.run.stderr).toBe(0);
    expect(sound.run.stderr).toBe('');
    expect(sound.ready.sort()).toEqual([...QUEUED].sort());
  });

  it('the cases from the issue (concurrency 0, items "x", pendingDeletes null, entries null), and a deleted queue file', async () => {
    const edit =
      (change: (doc: Record<string, unknown>) => void): Damage =>
      async (path) => {
        const doc = parse(await readFile(path, 'utf8')) as Record<string, unknown>;
        change(doc);
        await writeFile(path, JSON.stringify(doc));
      };
    const results = await inPool(
      [
        () =>
          runDamaged(
            'settings.json',
            'concurrency: 0',
            edit((d) => (d.concurrency = 0)),
          ),
        () =>
          runDamaged(
            join('account', 'queue.json'),
            'items: "x"',
            edit((d) => (d.items = 'x')),
          ),
        () =>
          runDamaged(
            join('account', 'library.json'),
            'pendingDeletes: null',
            edit((d) => (d.pendingDeletes = null)),
          ),
        () =>
          runDamaged(
            join('account', 'thumbnails.json'),
            'entries: null',
            edit((d) => (d.entries = null)),
          ),
        () => runDamaged(join('account', 'queue.json'), 'deleted', (path) => rm(path)),
        () => runDamaged(join('account', 'queue.journal'), 'deleted', (path) => rm(path)),
      ],
      3,
    );
    for (const result of results) check(result);
    const [settings, queue] = results;
    // A setting the app would refuse goes back to its default: the uploads run, and it is said.
    expect(settings!.ready.sort()).toEqual([...QUEUED].sort());
    expect(settings!.run.stderr).toMatch(/concurrency \(was 0\)/);
    expect(settings!.run.code).toBe(6);
    expect(queue!.run.stderr).toMatch(/queue items were unreadable/);
    // The repaired documents were saved: the next run finds nothing to say, and its damaged
    // copies are still there to look at.
    for (const result of results) {
      const emulator = await startEmulator({ processingMs: 0, apiKey: KEY });
      try {
        const again = await cli(['resume', '--json'], result.copy, emulator.url);
        expect(again.stderr, `${result.file}, ${result.damageName}, second run`).toBe('');
        expect(again.code).toBe(0);
      } finally {
        await emulator.close();
      }
      expect((await filesUnder(result.copy)).some((f) => f.includes('.damaged-'))).toBe(true);
    }
  });

  it('three files damaged at once: each is said on its own line, nothing queued is lost, exit 6', async () => {
    const result = await runDamaged(
      'settings.json',
      'null, with the ledger cut and the library random',
      async (path) => {
        await writeFile(path, 'null');
        const account = join(path, '..', 'account');
        const ledger = await readFile(join(account, 'ledger.json'));
        await writeFile(join(account, 'ledger.json'), ledger.subarray(0, ledger.length >> 1));
        await writeFile(join(account, 'library.json'), randomBytes(512));
      },
    );
    check(result);
    const lines = result.run.stderr.split('\n').filter((l) => l.startsWith('tl-uploader: '));
    for (const name of ['settings.json', 'ledger.json', 'library.json'])
      expect(
        lines.filter((l) => l.includes(name)),
        `${name} said once:\n${result.run.stderr}`,
      ).toHaveLength(1);
    expect(result.ready.sort()).toEqual([...QUEUED].sort());
    expect(result.run.code).toBe(6);
  });

  it('a window that connects after start-up still hears what was damaged', async () => {
    const copy = join(root, 'replay');
    await cp(base, copy, { recursive: true });
    await writeFile(join(copy, 'account', 'ledger.json'), 'null');
    const emulator = await startEmulator({ processingMs: 0, apiKey: KEY });
    const core = await UploaderCore.create({
      dataDir: copy,
      secrets: new MemorySecretStore(KEY),
      overrides: { baseUrl: emulator.url },
    });
    try {
      expect(core.dataProblems()).toEqual([expect.stringMatching(/ledger\.json held `null`/)]);
      // Serve mode: each page that connects later (two windows, one after the other) hears it.
      await mkdir(join(root, 'ui'), { recursive: true });
      await writeFile(join(root, 'ui', 'index.html'), '<!doctype html><title>TL Uploader</title>');
      const serve = await startServe(core, { rendererDir: join(root, 'ui') });
      try {
        for (const window of [1, 2]) {
          // As the page does: listening from the start (the notice follows the handshake at once).
          const ws = new WebSocket(`ws://127.0.0.1:${serve.port}/ws`, [
            WS_PROTOCOL,
            `tl-token.${serve.token}`,
          ]);
          const events: Array<{ event: string; payload: unknown }> = [];
          ws.on('message', (data) => events.push(JSON.parse(String(data)) as (typeof events)[number]));
          const notice = await until(`window ${window} hears the notice`, () =>
            events.find((e) => e.event === 'app:notice'),
          );
          expect(notice.payload).toEqual({
            level: 'warning',
            message: core.dataProblems()[0],
            lasting: true,
          });
          ws.close();
        }
      } finally {
        await serve.close();
      }
    } finally {
      await core.close();
      await emulator.close();
    }
  });

  // Every file found in the folder, whatever its name (a file added later is covered too).
  const kinds = new Map<string, string>();
  beforeAll(async () => {
    for (const file of await filesUnder(base)) if (!kinds.has(kindOf(file))) kinds.set(kindOf(file), file);
  });

  it('covers every kind of file there is', () => {
    const found = [...kinds.keys()];
    // The documents this suite is about must be among them; anything else found is damaged too.
    for (const name of ['queue', 'ledger', 'library', 'sync', 'thumbnails'])
      for (const extension of ['json', 'journal'])
        expect(found).toContain(join('account', `${name}.${extension}`));
    expect(found).toContain('settings.json');
  });

  for (const [group, pattern] of [
    ['the queue', /(^|\/)queue\./],
    ['the upload ledger', /(^|\/)ledger\./],
    ['the library mirror', /(^|\/)library\./],
    ['the thumbnail cache', /thumbnails/],
    ['the watched folders', /(^|\/)sync\./],
    ['the settings', /^settings\./],
    ['anything else', null],
  ] as const)
    it(`${group}: every damage ends in bounded time, with nothing lost in silence`, async () => {
      const known = /(^|\/)(queue|ledger|library|sync|settings)\.|thumbnails/;
      const files = [...kinds.values()].filter((f) => (pattern ? pattern.test(f) : !known.test(f)));
      const tasks = files.flatMap((file) =>
        Object.entries(damagesFor(file)).map(
          ([name, damage]) =>
            () =>
              runDamaged(file, name, damage),
        ),
      );
      for (const result of await inPool(tasks, 3)) check(result);
    }, 60_000);
});
