import { AuthError } from '../../core/api/errors.ts';
import type { UploaderCore } from '../../core/uploader-core.ts';
import type { LibraryAsset } from '../../shared/library-types.ts';
import { EXIT, UsageError, type CommandSpec, type ParsedValues } from '../command.ts';
import { formatBytes, formatDuration, table } from '../format.ts';

export const spec = {
  name: 'get',
  summary: 'show one asset',
  help: `Usage: tl-uploader get <asset-id> [--json]

Shows one asset: status, size, duration, HLS stream and thumbnail. Offline, from the saved copy.

  --json                 print the asset as JSON (see README)`,
  options: { json: { type: 'boolean' } },
  needsKey: true,
} as const satisfies CommandSpec;

export function check(ids: string[]): void {
  if (ids.length !== 1) throw new UsageError('get takes one asset id.');
}

export function jsonAsset(a: LibraryAsset) {
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

export async function run(core: UploaderCore, ids: string[], values: ParsedValues): Promise<number> {
  const id = ids[0]!;
  let offline = false;
  const fresh = await core.library.refreshOne(id).catch((error: unknown) => {
    if (error instanceof AuthError) throw error;
    offline = true;
    return core.library.detail(id)?.asset;
  });
  if (!fresh) {
    console.error(
      offline
        ? `tl-uploader: asset ${id} is not in the saved copy, and TwelveLabs cannot be reached to look.`
        : `tl-uploader: asset ${id} not found.`,
    );
    return offline ? EXIT.error : EXIT.incomplete;
  }
  if (values.json) {
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
  if (offline) console.error('Offline: showing the saved copy.');
  console.log(table(rows));
  return EXIT.ok;
}
