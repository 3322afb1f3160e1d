import type { UploaderCore } from '../../core/uploader-core.ts';
import type { IndexSummary } from '../../shared/index-types.ts';
import { EXIT, UsageError, type CommandSpec, type ParsedValues } from '../command.ts';
import { formatDuration, table } from '../format.ts';

const MODELS = ['marengo3.0', 'pegasus1.2'] as const;
type ModelName = (typeof MODELS)[number];

export const spec = {
  name: 'indexes',
  summary: 'list your indexes, or create one (what uploads with --index go into)',
  help: `Usage: tl-uploader indexes ls [--json]
       tl-uploader indexes create <name> --model marengo3.0 [--model pegasus1.2] [--options visual,audio] [--json]

An index makes uploads searchable (Marengo 3.0) or analysable (Pegasus 1.2). Upload into one with
\`tl-uploader upload FILE --index <id or name>\` (or \`watch --index\`).

  --model NAME           marengo3.0 and/or pegasus1.2 (repeat, or a comma list); default marengo3.0
  --options LIST         what each model indexes: visual, audio or visual,audio (default both)
  --json                 print JSON: ls {indexes: [{id, name, models, videoCount, totalDuration}]},
                         create {id, name, models}`,
  options: {
    json: { type: 'boolean' },
    model: { type: 'string', multiple: true },
    options: { type: 'string' },
  },
  needsKey: true,
} as const satisfies CommandSpec;

function models(values: ParsedValues): ModelName[] {
  const given = values.model as unknown as string[] | undefined;
  const names = (given ?? ['marengo3.0']).flatMap((m) => m.split(',')).map((m) => m.trim());
  for (const name of names)
    if (!MODELS.includes(name as ModelName))
      throw new UsageError(
        `indexes create: --model ${name} is not an index model; use marengo3.0 or pegasus1.2.`,
      );
  return [...new Set(names)] as ModelName[];
}

function modelOptions(values: ParsedValues): Array<'visual' | 'audio'> {
  const raw = typeof values.options === 'string' ? values.options : 'visual,audio';
  const list = raw.split(',').map((o) => o.trim());
  if (list.length === 0 || list.some((o) => o !== 'visual' && o !== 'audio'))
    throw new UsageError('indexes create: --options takes visual, audio or visual,audio.');
  return [...new Set(list)] as Array<'visual' | 'audio'>;
}

/** Before the data folder and the key: the sub-command and its arguments. */
export function check(args: string[], values: ParsedValues): void {
  const [sub, ...rest] = args;
  if (sub === 'ls' && rest.length === 0) {
    if (values.model !== undefined || values.options !== undefined)
      throw new UsageError('indexes ls takes no --model or --options.');
    return;
  }
  if (sub === 'create' && rest.length === 1 && rest[0]!.trim() !== '') {
    models(values);
    modelOptions(values);
    return;
  }
  throw new UsageError('indexes takes `ls` or `create <name>`. Run `tl-uploader indexes --help`.');
}

const json = (i: IndexSummary) => ({
  id: i.id,
  name: i.name,
  models: i.models.map((m) => ({ name: m.name, options: m.options })),
  videoCount: i.videoCount ?? null,
  totalDuration: i.totalDuration ?? null,
});

export async function run(core: UploaderCore, args: string[], values: ParsedValues): Promise<number> {
  if (args[0] === 'ls') {
    const all = await core.invoke('indexes:list', {});
    if (values.json) console.log(JSON.stringify({ indexes: all.map(json) }, undefined, 2));
    else if (all.length === 0)
      console.log('No indexes yet. Create one: tl-uploader indexes create <name> --model marengo3.0');
    else
      console.log(
        table([
          ['ID', 'NAME', 'MODELS', 'VIDEOS', 'DURATION'],
          ...all.map((i) => [
            i.id,
            i.name,
            i.models.map((m) => `${m.name} (${m.options.join(', ')})`).join(' + '),
            String(i.videoCount ?? '-'),
            formatDuration(i.totalDuration),
          ]),
        ]),
      );
    return EXIT.ok;
  }
  const options = modelOptions(values);
  const created = await core.invoke('indexes:create', {
    name: args[1]!,
    models: models(values).map((name) => ({ name, options })),
  });
  if (values.json) console.log(JSON.stringify(json(created), undefined, 2));
  else console.log(`Created index ${created.name} (${created.id}).`);
  return EXIT.ok;
}

/**
 * `--index <id or name>` of upload and watch: the index's id, or a usage error that says how to
 * find or make one ('' when the option was not given).
 */
export async function resolveIndexOption(core: UploaderCore, value: unknown): Promise<string | undefined> {
  if (typeof value !== 'string') return undefined;
  const all = await core.invoke('indexes:list', {});
  const found = all.find((i) => i.id === value) ?? all.find((i) => i.name === value);
  if (!found)
    throw new UsageError(
      `--index ${value}: no index has that id or name. \`tl-uploader indexes ls\` lists them; \`tl-uploader indexes create\` makes one.`,
    );
  return found.id;
}
