import { createInterface } from 'node:readline/promises';
import { AuthError } from '../../core/api/errors.ts';
import type { UploaderCore } from '../../core/uploader-core.ts';
import { EXIT, UsageError, type CommandSpec, type ParsedValues } from '../command.ts';

export const spec = {
  name: 'rm',
  summary: 'delete assets from TwelveLabs (asks first; --yes when not at a terminal)',
  help: `Usage: tl-uploader rm <asset-id>... [--yes] [--force]

Deletes assets for good. Offline, the delete waits and is carried out when TwelveLabs can be
reached. An asset that indexed assets reference is not deleted without --force.

  -y, --yes              do not ask (needed when not at a terminal)
  --force                delete even when indexed assets reference it (unlinks them)`,
  options: { yes: { type: 'boolean', short: 'y' }, force: { type: 'boolean' } },
  needsKey: true,
} as const satisfies CommandSpec;

export function check(ids: string[], values: ParsedValues): void {
  if (ids.length === 0) throw new UsageError('rm needs at least one asset id.');
  if (!values.yes && !process.stdin.isTTY)
    throw new UsageError('rm deletes assets for good; add --yes to confirm when not at a terminal.');
}

export async function run(core: UploaderCore, ids: string[], values: ParsedValues): Promise<number> {
  if (!values.yes) {
    const rl = createInterface({ input: process.stdin, output: process.stdout });
    const answer = await rl.question(
      `Delete ${ids.length === 1 ? 'this asset' : `these ${ids.length} assets`} from TwelveLabs? This cannot be undone. [y/N] `,
    );
    rl.close();
    if (!/^y(es)?$/i.test(answer.trim())) {
      console.log('Nothing deleted.');
      return EXIT.ok;
    }
  }
  let ok = true;
  // The API answers a delete of an unknown id like a done delete: look first, so a typo is
  // "not found" rather than "deleted". Offline, the look fails and the delete waits as before.
  const toDelete: string[] = [];
  for (const id of [...new Set(ids)]) {
    const found = await core.library.refreshOne(id).then(
      (asset) => asset !== undefined,
      (error: unknown) => {
        if (error instanceof AuthError) throw error;
        return true;
      },
    );
    if (found) toDelete.push(id);
    else {
      ok = false;
      console.log(`${id}\tnot found`);
    }
  }
  if (toDelete.length === 0) return EXIT.incomplete;
  const outcomes = await core.invoke('library:delete', {
    ids: toDelete,
    confirmed: true,
    force: values.force === true,
  });
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
