import type { UndiciTwelveLabsClient } from '../api/client.ts';
import { getIndex } from '../api/indexes.ts';
import type { ContainerProbe } from '../media/container-probe.ts';
import { combinedRequirements, type ModelRequirements } from '../media/model-requirements.ts';
import { modelProblems, type MediaFacts } from '../media/model-preflight.ts';
import { probeUrl, ProbeUnavailable } from '../media/url-probe.ts';
import type { Logger } from '../ports.ts';
import type { ItemRecord } from './item-record.ts';
import { InputRejected } from './preflight.ts';

type IndexModels = { name: string; models: string[] };

export interface ModelCheckContext {
  client: UndiciTwelveLabsClient;
  probe: ContainerProbe;
  logger: Logger;
  /** Index id → its model names, fetched once per queue. */
  models: Map<string, Promise<IndexModels>>;
}

const perClient = new WeakMap<UndiciTwelveLabsClient, Map<string, Promise<IndexModels>>>();

/** The indexes' models for a client when no queue's cache is at hand (the indexing stage). */
export function sharedIndexModels(client: UndiciTwelveLabsClient): Map<string, Promise<IndexModels>> {
  let models = perClient.get(client);
  if (!models) perClient.set(client, (models = new Map()));
  return models;
}

/**
 * Before a byte is sent (or, for a URL, before the asset is created): a file whose upload names
 * an index is checked against that index's models, read from its own container: a local file
 * from disk, a URL by Range requests (url-probe.ts). A file that does not qualify is refused with
 * every reason and how far off it is; the person may choose "Upload without indexing"
 * (`indexId: ''`). What cannot be read (an unknown index, a container MediaInfo does not know, a
 * URL whose server will not give byte ranges now) is left to the next check: the asset's own
 * metadata once it is ready (assetRefusal), then the platform. The check only ever stops what is
 * sure to fail.
 */
export async function checkForIndex(
  ctx: ModelCheckContext,
  item: ItemRecord,
  signal?: AbortSignal,
): Promise<void> {
  const indexId = item.options.indexId!;
  const index = await indexModels(ctx, indexId);
  const requirements = index && combinedRequirements(index.models);
  if (!index || !requirements) return;
  const facts = await readFacts(ctx, item, signal);
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

async function readFacts(
  ctx: ModelCheckContext,
  item: ItemRecord,
  signal?: AbortSignal,
): Promise<(MediaFacts & { size?: number }) | undefined> {
  if (item.source.kind === 'file')
    return ctx.probe.probe(item.source.path).catch((error: unknown) => {
      ctx.logger.warn('container not read for the model check', {
        item: item.id,
        error: (error as Error).message,
      });
      return undefined;
    });
  try {
    const facts = await probeUrl(ctx.probe, item.source.url, { signal });
    // No track seen in what was read (the cap, a container MediaInfo does not know from its
    // start): not a verdict on the file. Its asset's metadata is checked once it is ready.
    if (!facts.hasVideo && !facts.hasAudio) {
      ctx.logger.info('URL container not recognised within the bytes read; checked once ready', {
        item: item.id,
        bytes: facts.fetched,
      });
      return undefined;
    }
    // Cut short by the cap, an audio track not yet seen is not missing.
    return { ...facts, hasAudio: facts.capped && !facts.hasAudio ? undefined : facts.hasAudio };
  } catch (error) {
    if (!(error instanceof ProbeUnavailable)) throw error;
    ctx.logger.info('URL not checked before upload; its asset is checked once ready', {
      item: item.id,
      reason: error.message,
    });
    return undefined;
  }
}

/**
 * After the asset is ready, before `POST /indexes/{id}/indexed-assets`: the platform's own reading
 * of it (duration, size, width, height: factsFromAsset) against the same table. The index's name
 * and the reasons the create would be refused, or undefined when it would not be (or the index
 * cannot be read now: the platform decides).
 */
export async function assetRefusal(
  ctx: Pick<ModelCheckContext, 'client' | 'logger' | 'models'>,
  indexId: string,
  facts: MediaFacts & { size?: number },
): Promise<{ indexName: string; refusal: string } | undefined> {
  const index = await indexModels(ctx, indexId);
  const requirements: ModelRequirements | undefined = index && combinedRequirements(index.models);
  if (!index || !requirements) return undefined;
  const problems = modelProblems(facts, facts.size, requirements);
  return problems.length > 0 ? { indexName: index.name, refusal: problems.join('; ') } : undefined;
}

/** The index's name and models, once per queue; undefined (logged) when it cannot be read now. */
async function indexModels(
  ctx: Pick<ModelCheckContext, 'client' | 'logger' | 'models'>,
  indexId: string,
): Promise<IndexModels | undefined> {
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
    return await known;
  } catch (error) {
    ctx.logger.warn('index not read for the model check; the platform will decide', {
      indexId,
      error: (error as Error).message,
    });
    return undefined;
  }
}
