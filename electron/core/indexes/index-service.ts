import type { IndexMembership, IndexModel, IndexOutcome, IndexSummary } from '../../shared/index-types.ts';
import type { UndiciTwelveLabsClient } from '../api/client.ts';
import { ApiError } from '../api/errors.ts';
import {
  createIndex,
  getIndex,
  getIndexedAsset,
  indexAsset,
  listIndexes,
  membershipsOf,
} from '../api/indexes.ts';
import { isGone } from '../api/platform-answers.ts';
import { defaultLogger, type Logger } from '../ports.ts';
import { documentNotIndexable } from '../queue/document-indexing.ts';
import type { Asset } from '../../shared/domain.ts';

export const INDEX_MODEL_NAMES = ['marengo3.0', 'pegasus1.2'] as const;

/**
 * The indexes of the account the app talks to: listed and created for the pickers, names kept for
 * messages, memberships of an asset for the Library, and "index these assets" from the Library.
 * The queue indexes its own uploads (queue/indexing-stage.ts); this is for what is already there.
 */
export class IndexService {
  private readonly known = new Map<string, IndexSummary>();

  constructor(
    private readonly client: UndiciTwelveLabsClient,
    private readonly logger: Logger = defaultLogger,
  ) {}

  async list(signal?: AbortSignal): Promise<IndexSummary[]> {
    const all = await listIndexes(this.client, signal);
    for (const index of all) this.known.set(index.id, index);
    return all;
  }

  /** The index by id, from what was listed, or asked for. */
  async get(indexId: string, signal?: AbortSignal): Promise<IndexSummary> {
    const cached = this.known.get(indexId);
    if (cached) return cached;
    const index = await getIndex(this.client, indexId, signal);
    this.known.set(index.id, index);
    return index;
  }

  nameOf(indexId: string): string | undefined {
    return this.known.get(indexId)?.name;
  }

  /** An index by id or by exact name (CLI `--index`); undefined when none matches. */
  async resolve(idOrName: string, signal?: AbortSignal): Promise<IndexSummary | undefined> {
    const all = await this.list(signal);
    return all.find((i) => i.id === idOrName) ?? all.find((i) => i.name === idOrName);
  }

  async create(
    request: { name: string; models: IndexModel[]; addons?: string[] },
    signal?: AbortSignal,
  ): Promise<IndexSummary> {
    const { id } = await createIndex(this.client, request, signal);
    const index: IndexSummary = { id, name: request.name, models: request.models, addons: request.addons };
    this.known.set(id, index);
    return index;
  }

  /** Every index the asset is in, with each indexed asset's status. */
  async memberships(assetId: string, signal?: AbortSignal): Promise<IndexMembership[]> {
    const refs = await membershipsOf(this.client, assetId, signal);
    return Promise.all(
      refs.map(async (ref) => {
        const status = await getIndexedAsset(this.client, ref.indexId, ref.indexedAssetId, signal).then(
          (info) => info.status,
          (error: unknown) => {
            this.logger.warn('indexed asset status not read', { error: (error as Error).message });
            return undefined;
          },
        );
        return { ...ref, indexName: ref.indexName ?? this.nameOf(ref.indexId), ...(status && { status }) };
      }),
    );
  }

  /**
   * Indexes ready assets into one index, each once: an asset already in it is left as it is
   * (looked up first, so a second click never makes a second indexed asset). `known` describes an
   * asset from the offline mirror: a document is answered at once, with no request, because the
   * index's models take video and audio only (queue/document-indexing.ts has the reasons) and the
   * platform would accept the request only to fail the indexed asset later.
   */
  async indexAssets(
    assetIds: string[],
    indexId: string,
    known: (assetId: string) => Pick<Asset, 'filename' | 'fileType'> | undefined = () => undefined,
    signal?: AbortSignal,
  ): Promise<IndexOutcome[]> {
    const outcomes: IndexOutcome[] = [];
    for (const assetId of assetIds) {
      const asset = known(assetId);
      const isDocument = asset && documentNotIndexable({ name: asset.filename ?? '', mime: asset.fileType });
      if (isDocument) {
        outcomes.push({ assetId, outcome: 'failed', message: `Not indexed: ${isDocument}` });
        continue;
      }
      try {
        const already = (await membershipsOf(this.client, assetId, signal)).find(
          (m) => m.indexId === indexId,
        );
        if (already) {
          outcomes.push({ assetId, outcome: 'already', indexedAssetId: already.indexedAssetId });
          continue;
        }
        const made = await indexAsset(this.client, indexId, assetId, signal);
        outcomes.push({ assetId, outcome: 'indexing', indexedAssetId: made.id });
      } catch (error) {
        const message =
          error instanceof ApiError && isGone(error)
            ? 'The asset or the index no longer exists.'
            : (error as Error).message;
        outcomes.push({ assetId, outcome: 'failed', message });
      }
    }
    return outcomes;
  }
}
