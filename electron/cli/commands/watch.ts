import { existsSync } from 'node:fs';
import { resolve } from 'node:path';
import type { UploaderCore } from '../../core/uploader-core.ts';
import { EXIT, UsageError, type CommandSpec, type ParsedValues } from '../command.ts';
import { SETTLED } from '../follow.ts';
import { itemLine } from '../format.ts';
import { untilInterrupted } from '../interrupt.ts';
import { resolveIndexOption } from './indexes.ts';

export const spec = {
  name: 'watch',
  summary: 'keep folders in sync until Ctrl-C',
  help: `Usage: tl-uploader watch [<folder>...] [--existing|--new-only] [--index <id or name>]

Watches the given folders (and those already watched in the app) and uploads new and changed
files until Ctrl-C. A folder given here stays watched, in the app too.

  --existing             upload the files already in a new folder (the default)
  --new-only             only files that appear from now on
  --index ID|NAME        index what a new folder uploads into this index (tl-uploader indexes ls)`,
  options: { existing: { type: 'boolean' }, 'new-only': { type: 'boolean' }, index: { type: 'string' } },
  needsKey: true,
} as const satisfies CommandSpec;

export function check(paths: string[], values: ParsedValues): void {
  if (values.existing && values['new-only'])
    throw new UsageError('Choose --existing or --new-only, not both.');
  // Before the data folder and the key: a folder that is not there is a usage mistake (exit 2).
  const missing = paths.find((path) => !existsSync(resolve(path)));
  if (missing !== undefined) throw new UsageError(`${missing}: no such folder.`);
}

export async function run(core: UploaderCore, paths: string[], values: ParsedValues): Promise<number> {
  const indexId = await resolveIndexOption(core, values.index);
  const known = core.folders.list();
  for (const path of paths) {
    const absolute = resolve(path);
    if (known.some((f) => f.path === absolute)) {
      console.log(`${absolute}: already watched (its settings are kept)`);
      continue;
    }
    await core.invoke('folders:add', {
      path: absolute,
      settings: {
        existing: values['new-only'] ? 'skip' : 'upload',
        ...(indexId && { options: { indexId } }),
      },
    });
  }
  if (core.folders.list().length === 0)
    throw new UsageError('watch needs at least one folder (none is watched yet).');
  for (const f of core.folders.list()) console.log(`Watching ${f.path}`);
  core.queue.on('item-changed', (item) => {
    if (SETTLED.includes(item.state)) console.log(itemLine(item));
  });
  await untilInterrupted();
  console.log('Stopping: work in flight is saved and resumes next time.');
  return EXIT.ok;
}
