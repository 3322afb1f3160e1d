import type { UploaderCore } from '../../core/uploader-core.ts';
import { EXIT, UsageError, type CommandSpec, type ParsedValues } from '../command.ts';
import { allGood, follow, SETTLED } from '../follow.ts';

export const spec = {
  name: 'resume',
  summary: 'upload whatever the saved queue holds, until it is drained',
  help: `Usage: tl-uploader resume [--json]

Uploads what the saved queue holds (added with \`upload\` or in the app), ends a "pause all", and
returns when every item has settled.

  --json                 print the items as JSON (see README)`,
  options: { json: { type: 'boolean' } },
  needsKey: true,
} as const satisfies CommandSpec;

export function check(positionals: string[]): void {
  if (positionals.length > 0) throw new UsageError('resume takes no arguments.');
}

export async function run(core: UploaderCore, _positionals: string[], values: ParsedValues): Promise<number> {
  const json = values.json === true;
  const pending = core.queue.list().filter((i) => !SETTLED.includes(i.state));
  if (core.queue.totals().paused) core.queue.resumeAll();
  if (pending.length === 0 && !json) {
    console.log('The queue is empty: nothing to upload.');
    return EXIT.ok;
  }
  const items = await follow(core, new Set(pending.map((i) => i.id)), json);
  return allGood(items) ? EXIT.ok : EXIT.incomplete;
}
