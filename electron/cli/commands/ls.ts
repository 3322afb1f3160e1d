import { MEDIA_KINDS } from '../../shared/domain.ts';
import { AuthError } from '../../core/api/errors.ts';
import type { UploaderCore } from '../../core/uploader-core.ts';
import { EXIT, UsageError, type CommandSpec, type ParsedValues } from '../command.ts';
import { formatBytes, formatDuration, table } from '../format.ts';
import { jsonAsset } from './get.ts';

export const spec = {
  name: 'ls',
  summary: 'list your assets (from the offline copy, refreshed when online)',
  help: `Usage: tl-uploader ls [--type T] [--status S] [--filename F] [--json]

Lists the assets in your library. Offline, it shows the saved copy and says from when.

  --type T               video, audio, image or document (comma-separated for several)
  --status S             ready, processing, failed, … (comma-separated)
  --filename F           only names containing F
  --json                 print {total, online, assets} as JSON (see README)`,
  options: {
    type: { type: 'string' },
    status: { type: 'string' },
    filename: { type: 'string' },
    json: { type: 'boolean' },
  },
  needsKey: true,
} as const satisfies CommandSpec;

const TYPES = MEDIA_KINDS;

export function check(positionals: string[], values: ParsedValues): void {
  if (positionals.length > 0)
    throw new UsageError(`ls takes no arguments (got "${positionals[0]}"); filter with --filename.`);
  for (const type of String(values.type ?? '')
    .split(',')
    .filter(Boolean))
    if (!(TYPES as readonly string[]).includes(type))
      throw new UsageError(`--type ${type}: choose video, audio, image or document.`);
}

export async function run(core: UploaderCore, _positionals: string[], values: ParsedValues): Promise<number> {
  const state = await core.invoke('library:sync', {
    full: core.library.state().lastFullSyncAt === undefined,
  });
  if (!state.online)
    console.error(
      `Offline (${state.problem ?? 'no connection'}): showing the copy from ${state.lastSyncedAt ? new Date(state.lastSyncedAt).toLocaleString() : 'never'}.`,
    );
  if (state.problem?.includes('API key')) throw new AuthError('api_key_invalid');
  const type = typeof values.type === 'string' ? values.type : '';
  const status = typeof values.status === 'string' ? values.status : '';
  const filename = typeof values.filename === 'string' ? values.filename : '';
  const page = await core.invoke('library:query', {
    ...(type && { types: type.split(',') as Array<(typeof TYPES)[number]> }),
    ...(status && { statuses: status.split(',') }),
    ...(filename && { filename }),
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
    console.log(type || status || filename ? 'No assets match.' : 'No assets.');
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
