import { existsSync } from 'node:fs';
import { stat } from 'node:fs/promises';
import { resolve, sep } from 'node:path';
import type { UploaderCore } from '../../core/uploader-core.ts';
import { EXIT, UsageError, type CommandSpec, type ParsedValues } from '../command.ts';
import { allGood, follow, jsonItem } from '../follow.ts';
import { resolveIndexOption } from './indexes.ts';

export const spec = {
  name: 'upload',
  summary: 'add files, folders or URLs to the queue; with --wait, upload until they settle',
  help: `Usage: tl-uploader upload <file|folder|url>... [--wait] [--json] [--hls] [--no-thumbnail] [--index <id or name>]

Adds files, folders (every file inside, hidden and system files skipped) and public URLs to the
saved queue. Without --wait they are only queued: \`tl-uploader resume\` (or the app) uploads them.

  --wait                 upload now and return when every item has settled (with --index: indexed, or not)
  --index ID|NAME        index each upload into this index once it is ready (tl-uploader indexes ls);
                         a file the index's models would refuse is not uploaded, and says why
  --json                 print the items as JSON (see README)
  --hls                  ask TwelveLabs for an HLS stream of each video
  --no-thumbnail         do not ask for thumbnails`,
  options: {
    wait: { type: 'boolean' },
    json: { type: 'boolean' },
    hls: { type: 'boolean' },
    'no-thumbnail': { type: 'boolean' },
    index: { type: 'string' },
  },
  needsKey: true,
} as const satisfies CommandSpec;

const isUrl = (input: string) => /^[a-z][a-z0-9+.-]*:\/\//i.test(input);

/** Before the data folder and the key: a path that does not exist is a usage mistake (exit 2). */
export function check(inputs: string[]): void {
  if (inputs.length === 0) throw new UsageError('upload needs at least one file, folder or URL.');
  const missing = inputs.find((input) => !isUrl(input) && !existsSync(resolve(input)));
  if (missing !== undefined) throw new UsageError(`${missing}: no such file or folder.`);
}

export async function run(core: UploaderCore, inputs: string[], values: ParsedValues): Promise<number> {
  const indexId = await resolveIndexOption(core, values.index);
  const options = {
    ...(indexId && { indexId }),
    ...(values.hls === true && { enableHls: true }),
    ...(values['no-thumbnail'] === true && { enableThumbnail: false }),
  };
  const resolved = await Promise.all(
    inputs.map(async (input) => {
      if (isUrl(input)) return { kind: 'url' as const, url: input, options };
      const path = resolve(input);
      const info = await stat(path).catch((error: NodeJS.ErrnoException) => {
        // A path that is not there is said just below; any other failure (no permission) as it is.
        if (error.code === 'ENOENT' || error.code === 'ENOTDIR') return undefined;
        throw new UsageError(`${input}: ${error.message}`);
      });
      if (!info) throw new UsageError(`${input}: no such file or folder.`);
      return { kind: info.isDirectory() ? ('folder' as const) : ('file' as const), path, options };
    }),
  );
  const result = await core.invoke('uploads:add', { inputs: resolved });
  for (const r of result.rejected) console.error(`${r.input}: ${r.message}`);
  // A folder that gave nothing is said, not silently dropped.
  for (const input of resolved) {
    if (input.kind !== 'folder') continue;
    const inside = input.path.endsWith(sep) ? input.path : input.path + sep;
    const found = result.added.some((i) => i.source.kind === 'file' && i.source.path.startsWith(inside));
    if (!found)
      console.error(
        `${input.path}: no files to upload in this folder (hidden and system files are skipped).`,
      );
  }
  if (result.added.length === 0) {
    if (values.json) console.log(JSON.stringify({ items: [], rejected: result.rejected }, undefined, 2));
    return result.rejected.length > 0 ? EXIT.incomplete : EXIT.ok;
  }
  if (!values.wait) {
    if (values.json)
      console.log(
        JSON.stringify({ items: result.added.map(jsonItem), rejected: result.rejected }, undefined, 2),
      );
    else {
      const n = result.added.length;
      console.log(
        `${n} item${n === 1 ? '' : 's'} queued. Run \`tl-uploader resume\` to upload ${n === 1 ? 'it' : 'them'}.`,
      );
    }
    return result.rejected.length > 0 ? EXIT.incomplete : EXIT.ok;
  }
  const items = await follow(core, new Set(result.added.map((i) => i.id)), values.json === true);
  return allGood(items) && result.rejected.length === 0 ? EXIT.ok : EXIT.incomplete;
}
