import type { QueueItemView } from '../shared/queue-types.ts';

import { formatBytes as format, formatDuration as duration } from '../shared/format.ts';

/** A terminal table shows "-" for unknown values. */
export const formatBytes = (bytes: number | undefined) => format(bytes, '-');
export const formatDuration = (seconds: number | undefined) => duration(seconds, '-');

/** One line per item, for logs and pipes. */
export function itemLine(item: QueueItemView): string {
  const what =
    item.state === 'failed' || item.state === 'index-failed'
      ? `${item.state === 'failed' ? 'failed' : 'not indexed'}: ${item.error}`
      : item.state === 'duplicate'
        ? `already in your library${item.duplicateOf?.assetId ? ` as asset ${item.duplicateOf.assetId}` : ''}${item.indexing?.skipped ? ` (${item.indexing.skipped})` : ''}`
        : item.indexing?.skipped
          ? `${item.state} (${item.indexing.skipped})`
          : item.duplicateOf && item.state === 'indexed'
            ? // A duplicate with an index chosen: its existing asset was indexed (issue 17).
              'indexed (already in your library, not uploaded again)'
            : item.state;
  return `${item.name}\t${what}${item.assetId ? `\t${item.assetId}` : ''}`;
}

export function table(rows: string[][]): string {
  const widths = rows[0]!.map((_, i) => Math.max(...rows.map((r) => (r[i] ?? '').length)));
  return rows
    .map((r) => r.map((c, i) => (i === r.length - 1 ? c : c.padEnd(widths[i]!))).join('  '))
    .join('\n');
}
