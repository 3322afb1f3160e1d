/**
 * tl-uploader: the command line. The same core as the desktop app, on the same data folder
 * (one process at a time), so a queue started here can be resumed in the app and back.
 * Errors are one clear line and a non-zero exit code; --json output is stable (see README).
 */
import { stat } from 'node:fs/promises';
import { createInterface } from 'node:readline/promises';
import { resolve } from 'node:path';
import { parseArgs } from 'node:util';
import { FINISHED_STATES, type QueueItemView } from '../shared/queue-types.ts';
import { InvalidRequestError } from '../shared/contract.ts';
import { AuthError, TwelveLabsError } from '../core/api/errors.ts';
import { DataDirLockedError } from '../core/data-dir-lock.ts';
import { FileSecretStore } from '../core/secrets.ts';
import { FolderError } from '../core/sync/folder-sync.ts';
import { UploaderCore } from '../core/uploader-core.ts';
import { parseBandwidth } from './bandwidth-option.ts';
import { defaultDataDir } from './data-dir.ts';
import { formatBytes, formatDuration, itemLine, table } from './format.ts';

const USAGE = `Usage: tl-uploader <command> [options]

  upload <file|folder|url>... [--wait] [--json] [--hls] [--no-thumbnail]
                         add to the queue; with --wait, upload until they settle
  resume [--json]        upload whatever the saved queue holds, until it is drained
  watch <folder>... [--existing|--new-only]
                         keep folders in sync until Ctrl-C
  ls [--type T] [--status S] [--filename F] [--json]
  get <asset-id> [--json]
  rm <asset-id>... [--force] [--yes]
  login                  store an API key (read from standard input)
  serve [--port N]       the app's UI in a browser, on 127.0.0.1, with a token
  emulator [...]         run the local TwelveLabs API emulator (see its --help)

Options for every command:
  --sandbox              use the built-in Sandbox instead of your TwelveLabs account
  --data-dir DIR         data folder (default: TL_UPLOADER_DATA_DIR or the platform's app-data folder)
  --bwlimit RATE         upload at most RATE bytes per second for this run, e.g. 500k, 2M, 1.5M, off;
                         replaces the saved limit and schedule (the app's Settings) until it exits

Environment: TWELVELABS_API_KEY (wins over a stored key), TWELVELABS_BASE_URL, TL_UPLOADER_DATA_DIR.
Exit codes: 0 ok, 1 some items did not end ready, 2 usage, 3 API key refused, 4 data folder in use, 5 other error.`;

class UsageError extends Error {}
const EXIT = { ok: 0, incomplete: 1, usage: 2, auth: 3, locked: 4, error: 5 } as const;

const argv = process.argv.slice(2);
const commandName = argv[0];

async function main(): Promise<number> {
  if (!commandName || commandName === '--help' || commandName === '-h' || commandName === 'help') {
    console.log(USAGE);
    return commandName ? EXIT.ok : EXIT.usage;
  }
  if (commandName === 'emulator') {
    process.argv.splice(2, 1);
    await import('../../emulator/cli.ts');
    return -1; // keeps running
  }
  const { values, positionals } = parseArgs({
    args: argv.slice(1),
    allowPositionals: true,
    options: {
      wait: { type: 'boolean' },
      json: { type: 'boolean' },
      hls: { type: 'boolean' },
      'no-thumbnail': { type: 'boolean' },
      existing: { type: 'boolean' },
      'new-only': { type: 'boolean' },
      type: { type: 'string' },
      status: { type: 'string' },
      filename: { type: 'string' },
      force: { type: 'boolean' },
      yes: { type: 'boolean', short: 'y' },
      port: { type: 'string' },
      sandbox: { type: 'boolean' },
      'data-dir': { type: 'string' },
      bwlimit: { type: 'string' },
    },
  });
  const bwlimit = values.bwlimit === undefined ? undefined : parseBandwidth(values.bwlimit);
  if (values.bwlimit !== undefined && bwlimit === undefined)
    throw new UsageError(
      `--bwlimit ${values.bwlimit}: give bytes per second as a number with k, M or G (500k, 2M), or off.`,
    );
  const dataDir = resolve(values['data-dir'] ?? defaultDataDir());
  const secrets = new FileSecretStore(dataDir);

  if (commandName === 'login') return login(secrets);

  const core = await UploaderCore.create({
    dataDir,
    secrets,
    version: '0.1.0',
    overrides: {
      ...(process.env.TWELVELABS_BASE_URL && { baseUrl: process.env.TWELVELABS_BASE_URL }),
      ...(values.sandbox && { sandbox: true }),
      ...(bwlimit !== undefined && { bandwidthBytesPerSecond: bwlimit }),
    },
  });
  const stop = async () => {
    await core.close();
  };
  try {
    if (!core.settings().sandbox && !core.settings().apiKeySet && commandName !== 'serve')
      throw new UsageError(
        'No API key: run `tl-uploader login`, set TWELVELABS_API_KEY, or add --sandbox to try the built-in Sandbox.',
      );
    switch (commandName) {
      case 'upload':
        return await upload(core, positionals, values);
      case 'resume':
        return await resumeQueue(core, values.json === true);
      case 'watch':
        return await watchFolders(core, positionals, values);
      case 'ls':
        return await list(core, values);
      case 'get':
        return await get(core, positionals, values.json === true);
      case 'rm':
        return await remove(core, positionals, values);
      case 'serve': {
        const { startServe } = await import('./serve.ts');
        if (process.env.TL_UPLOADER_DEMO === '1') await core.seedDemo();
        const server = await startServe(core, { port: values.port ? Number(values.port) : 0 });
        console.log(`TL Uploader is running at ${server.url}`);
        console.log('Open that address in a browser on this machine. Press Ctrl-C to stop.');
        await untilInterrupted();
        await server.close();
        return EXIT.ok;
      }
      default:
        throw new UsageError(`Unknown command "${commandName}". Run tl-uploader --help.`);
    }
  } finally {
    await stop();
  }
}

function untilInterrupted(): Promise<void> {
  return new Promise((resolveWait) => {
    const done = () => resolveWait();
    process.once('SIGINT', done);
    process.once('SIGTERM', done);
  });
}

async function login(secrets: FileSecretStore): Promise<number> {
  const rl = createInterface({ input: process.stdin, output: process.stderr, terminal: process.stdin.isTTY });
  const key = (await rl.question(process.stdin.isTTY ? 'TwelveLabs API key: ' : '')).trim();
  rl.close();
  if (key.length < 8) throw new UsageError('That does not look like an API key (too short).');
  await secrets.set(key);
  console.error('The key is stored (readable by you only). Check it with: tl-uploader ls');
  return EXIT.ok;
}

const SETTLED: readonly string[] = [...FINISHED_STATES, 'source-missing'];

/** Waits until every given item settled (or the whole queue is idle), printing as it goes. */
async function follow(
  core: UploaderCore,
  ids: Set<string> | undefined,
  json: boolean,
): Promise<QueueItemView[]> {
  const tty = process.stdout.isTTY && !json;
  const mine = () => core.queue.list().filter((i) => !ids || ids.has(i.id));
  const printed = new Set<string>();
  const report = (item: QueueItemView) => {
    if (!SETTLED.includes(item.state) || printed.has(item.id)) return;
    printed.add(item.id);
    if (!json) {
      if (tty) process.stdout.write('\r\x1b[K');
      console.log(itemLine(item));
    }
  };
  const onChange = (item: QueueItemView) => {
    if (ids && !ids.has(item.id)) return;
    report(item);
    if (tty) {
      const t = core.queue.totals();
      const pct = t.bytesTotal > 0 ? Math.floor((t.bytesDone / t.bytesTotal) * 100) : 0;
      const waiting = mine().find((i) => i.state === 'waiting');
      process.stdout.write(
        `\r\x1b[K${pct}%  ${formatBytes(t.bytesDone)} of ${formatBytes(t.bytesTotal)}  ${formatBytes(t.bytesPerSecond)}/s` +
          (t.etaSeconds !== undefined ? `  ${formatDuration(t.etaSeconds)} left` : '') +
          (waiting?.wait ? `  (${waiting.wait.message})` : ''),
      );
    }
  };
  core.queue.on('item-changed', onChange);
  try {
    for (const item of mine()) report(item);
    while (!mine().every((i) => SETTLED.includes(i.state)) && !core.queue.totals().blockedByAuth) {
      await new Promise((r) => setTimeout(r, 200));
    }
    if (core.queue.totals().blockedByAuth) throw new AuthError('api_key_invalid');
  } finally {
    core.queue.off('item-changed', onChange);
    if (tty) process.stdout.write('\r\x1b[K');
  }
  const items = mine();
  if (json) console.log(JSON.stringify({ items: items.map(jsonItem) }, undefined, 2));
  return items;
}

function jsonItem(i: QueueItemView) {
  return {
    id: i.id,
    name: i.name,
    source: i.source.kind === 'file' ? i.source.path : i.source.url,
    state: i.state,
    assetId: i.assetId ?? i.duplicateOf?.assetId ?? null,
    error: i.error ?? null,
    size: i.size ?? null,
  };
}

const allGood = (items: QueueItemView[]) =>
  items.every((i) => i.state === 'ready' || i.state === 'duplicate');

async function upload(
  core: UploaderCore,
  inputs: string[],
  values: { wait?: boolean; json?: boolean; hls?: boolean; 'no-thumbnail'?: boolean },
): Promise<number> {
  if (inputs.length === 0) throw new UsageError('upload needs at least one file, folder or URL.');
  const options = {
    ...(values.hls && { enableHls: true }),
    ...(values['no-thumbnail'] && { enableThumbnail: false }),
  };
  const resolved = await Promise.all(
    inputs.map(async (input) => {
      if (/^[a-z][a-z0-9+.-]*:\/\//i.test(input)) return { kind: 'url' as const, url: input, options };
      const path = resolve(input);
      const info = await stat(path).catch(() => undefined);
      if (!info) throw new UsageError(`${input}: no such file or folder.`);
      return { kind: info.isDirectory() ? ('folder' as const) : ('file' as const), path, options };
    }),
  );
  const result = await core.invoke('uploads:add', { inputs: resolved });
  for (const r of result.rejected) console.error(`${r.input}: ${r.message}`);
  if (result.added.length === 0) return EXIT.incomplete;
  if (!values.wait) {
    if (values.json)
      console.log(
        JSON.stringify({ items: result.added.map(jsonItem), rejected: result.rejected }, undefined, 2),
      );
    else console.log(`${result.added.length} item(s) queued. Run \`tl-uploader resume\` to upload them.`);
    return result.rejected.length > 0 ? EXIT.incomplete : EXIT.ok;
  }
  const items = await follow(core, new Set(result.added.map((i) => i.id)), values.json === true);
  return allGood(items) && result.rejected.length === 0 ? EXIT.ok : EXIT.incomplete;
}

async function resumeQueue(core: UploaderCore, json: boolean): Promise<number> {
  const pending = core.queue.list().filter((i) => !SETTLED.includes(i.state));
  if (core.queue.totals().paused) core.queue.resumeAll();
  if (pending.length === 0 && !json) console.log('The queue is empty: nothing to upload.');
  const items = await follow(core, new Set(pending.map((i) => i.id)), json);
  return allGood(items) ? EXIT.ok : EXIT.incomplete;
}

async function watchFolders(
  core: UploaderCore,
  paths: string[],
  values: { existing?: boolean; 'new-only'?: boolean },
): Promise<number> {
  if (values.existing && values['new-only'])
    throw new UsageError('Choose --existing or --new-only, not both.');
  const known = core.folders.list();
  for (const path of paths) {
    const absolute = resolve(path);
    if (known.some((f) => f.path === absolute)) continue;
    await core.invoke('folders:add', {
      path: absolute,
      settings: { existing: values['new-only'] ? 'skip' : 'upload' },
    });
  }
  if (core.folders.list().length === 0) throw new UsageError('watch needs at least one folder.');
  for (const f of core.folders.list()) console.log(`Watching ${f.path}`);
  core.queue.on('item-changed', (item) => {
    if (SETTLED.includes(item.state)) console.log(itemLine(item));
  });
  await untilInterrupted();
  console.log('Stopping: work in flight is saved and resumes next time.');
  return EXIT.ok;
}

async function list(
  core: UploaderCore,
  values: { type?: string; status?: string; filename?: string; json?: boolean },
): Promise<number> {
  const state = await core.invoke('library:sync', {
    full: core.library.state().lastFullSyncAt === undefined,
  });
  if (!state.online)
    console.error(
      `Offline (${state.problem ?? 'no connection'}): showing the copy from ${state.lastSyncedAt ? new Date(state.lastSyncedAt).toLocaleString() : 'never'}.`,
    );
  if (state.problem?.includes('API key')) throw new AuthError('api_key_invalid');
  const page = await core.invoke('library:query', {
    ...(values.type && { types: values.type.split(',') as Array<'video' | 'audio' | 'image'> }),
    ...(values.status && { statuses: values.status.split(',') }),
    ...(values.filename && { filename: values.filename }),
    limit: 1000,
  });
  if (values.json) {
    console.log(
      JSON.stringify(
        { total: page.total, online: page.online, assets: page.items.map(jsonAsset) },
        undefined,
        2,
      ),
    );
    return EXIT.ok;
  }
  if (page.total === 0) {
    console.log('No assets.');
    return EXIT.ok;
  }
  console.log(
    table([
      ['ID', 'STATUS', 'SIZE', 'DURATION', 'CREATED', 'FILENAME'],
      ...page.items.map((a) => [
        a.id,
        a.deleting ? 'deleting' : (a.status ?? '-'),
        formatBytes(a.size),
        formatDuration(a.duration),
        a.createdAt?.slice(0, 19).replace('T', ' ') ?? '-',
        a.filename ?? '',
      ]),
    ]),
  );
  if (page.total > page.items.length)
    console.log(`… ${page.total - page.items.length} more; narrow with --type, --status or --filename.`);
  return EXIT.ok;
}

function jsonAsset(a: {
  id: string;
  status?: string;
  filename?: string;
  fileType?: string;
  size?: number;
  duration?: number;
  createdAt?: string;
  error?: { message: string };
}) {
  return {
    id: a.id,
    status: a.status ?? null,
    filename: a.filename ?? null,
    fileType: a.fileType ?? null,
    size: a.size ?? null,
    duration: a.duration ?? null,
    createdAt: a.createdAt ?? null,
    error: a.error?.message ?? null,
  };
}

async function get(core: UploaderCore, ids: string[], json: boolean): Promise<number> {
  if (ids.length !== 1) throw new UsageError('get takes one asset id.');
  const fresh = await core.library.refreshOne(ids[0]!).catch((error: unknown) => {
    if (error instanceof AuthError) throw error;
    return core.library.detail(ids[0]!)?.asset;
  });
  if (!fresh) throw new UsageError(`There is no asset ${ids[0]}.`);
  if (json) {
    console.log(
      JSON.stringify(
        {
          ...jsonAsset(fresh),
          hls: fresh.hls ?? null,
          thumbnail: fresh.thumbnail ?? null,
          technicalMetadata: fresh.technicalMetadata ?? null,
          userMetadata: fresh.userMetadata ?? null,
        },
        undefined,
        2,
      ),
    );
    return EXIT.ok;
  }
  const rows = [
    ['ID', fresh.id],
    ['Filename', fresh.filename ?? '-'],
    ['Status', fresh.status ?? '-'],
    ['Type', fresh.fileType ?? '-'],
    ['Size', formatBytes(fresh.size)],
    ['Duration', formatDuration(fresh.duration)],
    ['Created', fresh.createdAt ?? '-'],
    [
      'HLS',
      fresh.hls
        ? `${fresh.hls.status}${fresh.hls.manifestUrl ? ` ${fresh.hls.manifestUrl}` : ''}`
        : 'not requested',
    ],
    [
      'Thumbnail',
      fresh.thumbnail
        ? `${fresh.thumbnail.status}${fresh.thumbnail.representativeUrl ? ` ${fresh.thumbnail.representativeUrl}` : ''}`
        : 'not requested',
    ],
    ...(fresh.error ? [['Error', fresh.error.message]] : []),
  ];
  console.log(table(rows));
  return EXIT.ok;
}

async function remove(
  core: UploaderCore,
  ids: string[],
  values: { force?: boolean; yes?: boolean },
): Promise<number> {
  if (ids.length === 0) throw new UsageError('rm needs at least one asset id.');
  if (!values.yes) {
    if (!process.stdin.isTTY)
      throw new UsageError('rm deletes assets for good; add --yes to confirm when not at a terminal.');
    const rl = createInterface({ input: process.stdin, output: process.stdout });
    const answer = await rl.question(
      `Delete ${ids.length} asset(s) from TwelveLabs? This cannot be undone. [y/N] `,
    );
    rl.close();
    if (!/^y(es)?$/i.test(answer.trim())) {
      console.log('Nothing deleted.');
      return EXIT.ok;
    }
  }
  const outcomes = await core.invoke('library:delete', {
    ids,
    confirmed: true,
    force: values.force === true,
  });
  let ok = true;
  for (const o of outcomes) {
    if (o.outcome === 'deleted') console.log(`${o.id}\tdeleted`);
    else if (o.outcome === 'pending') console.log(`${o.id}\twill be deleted when TwelveLabs can be reached`);
    else if (o.outcome === 'blocked') {
      ok = false;
      console.log(
        `${o.id}\tnot deleted: ${o.message}\n\tTo delete it anyway: tl-uploader rm ${o.id} --force`,
      );
    } else {
      ok = false;
      console.log(`${o.id}\tnot deleted: ${o.message}`);
    }
  }
  return ok ? EXIT.ok : EXIT.incomplete;
}

main().then(
  (code) => {
    if (code >= 0) process.exit(code);
  },
  (error: unknown) => {
    if (error instanceof UsageError || error instanceof InvalidRequestError || error instanceof FolderError) {
      console.error(`tl-uploader: ${error.message}`);
      process.exit(EXIT.usage);
    }
    if (error instanceof AuthError) {
      console.error(
        'tl-uploader: TwelveLabs refused the API key. Run `tl-uploader login` with a valid key, or set TWELVELABS_API_KEY.',
      );
      process.exit(EXIT.auth);
    }
    if (error instanceof DataDirLockedError) {
      console.error(`tl-uploader: ${error.message}`);
      process.exit(EXIT.locked);
    }
    if (error instanceof TwelveLabsError) {
      console.error(`tl-uploader: ${error.message}`);
      process.exit(EXIT.error);
    }
    console.error(`tl-uploader: ${(error as Error)?.message ?? String(error)}`);
    process.exit(EXIT.error);
  },
);
