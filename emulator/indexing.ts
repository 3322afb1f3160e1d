import type { BackgroundWork } from './background-work.ts';
import type { FaultInjector } from './faults.ts';
import { prepareIndexedStream, streamDue } from './indexed-stream.ts';
import { modelRefusal } from './model-requirements.ts';
import type { EmulatorState, IndexedAssetRecord } from './state.ts';

/**
 * Indexed assets move `pending → indexing → ready | failed` (twelvelabs-indexes.md §3), each step
 * bumping `updated_at`, half of `indexingMs` apart. The models' requirements (§4) are checked
 * when indexing starts; a refusal ends `failed`, with no reason on the wire (the platform has no
 * error field on indexed assets). Work under way resumes after a restart with a data directory.
 */
export class IndexingWork {
  private readonly timers = new Set<NodeJS.Timeout>();

  constructor(
    private readonly state: EmulatorState,
    private readonly faults: FaultInjector,
    private readonly indexingMs: () => number,
    private readonly work: BackgroundWork,
  ) {}

  start(record: IndexedAssetRecord): void {
    this.later(() => this.step(record.id));
  }

  resume(): void {
    for (const ia of this.state.indexedAssets.values()) {
      if (ia.status && ia.status !== 'ready' && ia.status !== 'failed') this.start(ia);
      else if (streamDue(ia)) this.makeStream(ia.id);
    }
  }

  stop(): void {
    for (const t of this.timers) clearTimeout(t);
    this.timers.clear();
  }

  private makeStream(id: string): void {
    this.work.run('indexed stream', (signal) => prepareIndexedStream(this.state, id, signal));
  }

  private later(fn: () => void): void {
    const timer = setTimeout(() => {
      this.timers.delete(timer);
      fn();
    }, this.indexingMs() / 2);
    this.timers.add(timer);
  }

  private step(id: string): void {
    const ia = this.state.indexedAssets.get(id);
    if (!ia || ia.status === 'ready' || ia.status === 'failed') return;
    const now = new Date().toISOString();
    ia.updatedAt = now;
    if (ia.status !== 'indexing') {
      ia.status = 'indexing';
      this.state.changed();
      return this.later(() => this.step(id));
    }
    const forced = this.faults.take('indexing');
    const failure = forced ? (forced.outcome === 'failed' ? 'injected' : undefined) : this.refusal(ia);
    ia.status = failure ? 'failed' : 'ready';
    if (failure) ia.failure = failure;
    else ia.indexedAt = now;
    this.state.changed();
    // The streamable copy follows the indexing (indexed-stream.ts): `PROCESSING` until it is made.
    if (!failure && ia.enableVideoStream) this.makeStream(id);
  }

  private refusal(ia: IndexedAssetRecord): string | undefined {
    const asset = this.state.assets.get(ia.assetId);
    if (!asset) return 'the asset was deleted';
    for (const m of this.state.indexes.get(ia.indexId)?.models ?? []) {
      const why = modelRefusal(m.model_name, asset);
      if (why) return why;
    }
    return undefined;
  }
}
