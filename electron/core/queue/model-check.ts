import type { UndiciTwelveLabsClient } from '../api/client.ts';
import { getIndex } from '../api/indexes.ts';
import type { ContainerProbe } from '../media/container-probe.ts';
import { combinedRequirements } from '../media/model-requirements.ts';
import { modelProblems } from '../media/model-preflight.ts';
import type { Logger } from '../ports.ts';
import type { ItemRecord } from './item-record.ts';
import { InputRejected } from './preflight.ts';

export interface ModelCheckContext {
  client: UndiciTwelveLabsClient;
  probe: ContainerProbe;
  logger: Logger;
  /** Index id → its model names, fetched once per queue. */
  models: Map<string, Promise<{ name: string; models: string[] }>>;
}

/**
 * Before a byte is sent: a file whose upload names an index is checked against that index's
 * models, read from its own container. A file that does not qualify is refused with every reason
 * and how far off it is; the person may choose "Upload without indexing" (`indexId: ''`). What
 * cannot be read (an unknown index, a container MediaInfo does not know) is left to the platform,
 * which answers with `index-failed` later: the check only ever stops what is sure to fail.
 */
export async function checkForIndex(ctx: ModelCheckContext, item: ItemRecord, path: string): Promise<void> {
  const indexId = item.options.indexId!;
  let index: { name: string; models: string[] };
  try {
    let known = ctx.models.get(indexId);
    if (!known) {
      known = getIndex(ctx.client, indexId).then((i) => ({
        name: i.name,
        models: i.models.map((m) => m.name),
      }));
      ctx.models.set(indexId, known);
      known.catch(() => ctx.models.delete(indexId)); // not cached, so asked again; logged just below
    }
    index = await known;
  } catch (error) {
    ctx.logger.warn('index not read for the model check; the platform will decide', {
      indexId,
      error: (error as Error).message,
    });
    return;
  }
  const requirements = combinedRequirements(index.models);
  if (!requirements) return;
  const facts = await ctx.probe.probe(path).catch((error: unknown) => {
    ctx.logger.warn('container not read for the model check', {
      item: item.id,
      error: (error as Error).message,
    });
    return undefined;
  });
  if (!facts) return;
  const problems = modelProblems(facts, facts.size, requirements);
  item.indexing = { indexId, indexName: index.name };
  if (problems.length === 0) {
    item.indexing.checked = true;
    return;
  }
  item.indexing.refused = problems.join('; ');
  throw new InputRejected(
    `${item.name} cannot be indexed into "${index.name}": ${item.indexing.refused}. Nothing was uploaded; choose "Upload without indexing" to upload it anyway.`,
  );
}
