import { mkdir } from 'node:fs/promises';
import { join } from 'node:path';
import type { EventName, EventPayload } from '../shared/contract.ts';
import type { Provenance } from '../shared/library-types.ts';
import type { AppSettings } from '../shared/settings-types.ts';
import { UndiciTwelveLabsClient } from './api/client.ts';
import { APP_VERSION } from '../shared/app-version.ts';
import type { StoredSettings, UploaderCoreOptions } from './core-options.ts';
import { PRIVATE_DIR_MODE } from './file-modes.ts';
import { IndexService } from './indexes/index-service.ts';
import type { LifecycleScope } from './lifecycle-scope.ts';
import { AssetLibrary } from './library/asset-library.ts';
import { ThumbnailCache } from './library/thumbnail-cache.ts';
import type { Clock, Logger, RunningSandbox, SandboxOptions } from './ports.ts';
import { UploadLedger } from './queue/upload-ledger.ts';
import { UploadQueue } from './queue/upload-queue.ts';
import { loadSandboxKey } from './secrets.ts';
import { ConfDocumentStore } from './store/conf-document-store.ts';
import { FolderSync } from './sync/folder-sync.ts';

/** The services of one account context: the real platform or the Sandbox keep separate state. */
export interface Services {
  client: UndiciTwelveLabsClient;
  ledger: UploadLedger;
  queue: UploadQueue;
  library: AssetLibrary;
  sync: FolderSync;
  /** The account's indexes (issue 17). */
  indexes: IndexService;
  emulator?: RunningSandbox;
  /** The Sandbox's own key (secrets.ts), when the services are the Sandbox's. */
  sandboxKey?: string;
  /** Closes them all, in order, each even when another failed. */
  scope: LifecycleScope;
}

/** What the services are built from and report to: the UploaderCore that owns them. */
export interface ServicesHost {
  readonly options: UploaderCoreOptions;
  readonly clock: Clock;
  readonly logger: Logger;
  settings(): AppSettings;
  apiKey(): string | undefined;
  /** The saved default upload options, read when an item is added (not when the queue is built). */
  defaultOptions(): StoredSettings['defaultOptions'];
  /** The bandwidth limit in force now (the schedule's). */
  bandwidthBytesPerSecond(): number;
  /** Where an asset came from, asked of the services in force when the library asks. */
  provenance(assetId: string): Provenance | undefined;
  emit<E extends EventName>(event: E, payload: EventPayload<E>): void;
  notice(level: 'info' | 'warning', message: string): void;
  dataProblem(message: string | undefined): void;
}

/** The front end's Sandbox, or a refusal that says what is missing (never the real account instead). */
function startSandbox(host: ServicesHost, options: SandboxOptions): Promise<RunningSandbox> {
  const start = host.options.startSandbox;
  if (!start)
    throw new Error(
      'The Sandbox cannot start here: this front end passed no startSandbox to the core. Turn the Sandbox off to use your account.',
    );
  return start(options);
}

/**
 * Builds the services of the account context the settings name (the Sandbox or the base URL),
 * wires their events to the host, registers each with `scope` to be closed, and starts them.
 */
export async function startServices(host: ServicesHost, scope: LifecycleScope): Promise<Services> {
  const settings = host.settings();
  const profile = join(host.options.dataDir, settings.sandbox ? 'sandbox' : 'account');
  await mkdir(profile, { recursive: true, mode: PRIVATE_DIR_MODE });
  let emulator: RunningSandbox | undefined;
  let baseUrl = settings.baseUrl;
  // The Sandbox in the app takes only its own key, on the API and the control API alike.
  const sandboxKey = settings.sandbox ? await loadSandboxKey(profile) : undefined;
  if (sandboxKey) {
    emulator = await startSandbox(host, {
      dataDir: join(profile, 'emulator'),
      processingMs: host.options.sandboxProcessingMs ?? 1500,
      apiKey: sandboxKey,
      lockControl: true,
    });
    baseUrl = emulator.url;
    const started = emulator;
    scope.onClose('Sandbox', () => started.close());
  }
  const client = new UndiciTwelveLabsClient({
    baseUrl,
    apiKey: () => sandboxKey ?? host.apiKey(),
    version: host.options.version ?? APP_VERSION,
    clock: host.clock,
    logger: host.logger,
  });
  const ledger = new UploadLedger(new ConfDocumentStore(profile, 'ledger'));
  const indexes = new IndexService(client, host.logger);
  const queue = new UploadQueue({
    client,
    ledger,
    store: new ConfDocumentStore(profile, 'queue'),
    clock: host.clock,
    logger: host.logger,
    concurrency: settings.concurrency,
    chunkConcurrency: settings.chunkConcurrency,
    bandwidthBytesPerSecond: host.bandwidthBytesPerSecond(),
    folderBandwidthBytesPerSecond: settings.folderBandwidthBytesPerSecond,
    defaultOptions: () => host.defaultOptions(),
    indexName: (id) => indexes.nameOf(id),
  });
  const library = new AssetLibrary({
    client,
    store: new ConfDocumentStore(profile, 'library'),
    thumbnails: new ThumbnailCache(
      join(profile, 'thumbnails'),
      new ConfDocumentStore(profile, 'thumbnails'),
      settings.thumbnailCacheBytes,
      undefined,
      host.logger,
    ),
    clock: host.clock,
    logger: host.logger,
    syncIntervalMs: settings.librarySyncIntervalMs,
    provenance: (assetId) => host.provenance(assetId),
    onAssetGone: (assetId) => ledger.forgetAsset(assetId),
  });
  const sync = new FolderSync({
    queue,
    store: new ConfDocumentStore(profile, 'sync'),
    clock: host.clock,
    logger: host.logger,
    watchFolder: host.options.watchFolder,
    dataDir: host.options.dataDir, // never watched, never scanned
  });

  queue.on('item-added', (v) => host.emit('uploads:item-added', v));
  queue.on('item-changed', (v) => {
    host.emit('uploads:item-changed', v);
    // A new asset the library has not seen yet: refresh it at once.
    // (With an index chosen, "ready" is the first step of indexing: the asset is ready then.)
    const ready = v.state === 'ready' || (v.state === 'indexing' && v.indexing?.status === undefined);
    if (ready && v.assetId) void library.refreshOne(v.assetId).catch(() => undefined); // library logs it
  });
  queue.on('item-removed', (id) => host.emit('uploads:item-removed', { id }));
  // Pause all or resume all over many items: one event, not one per item (queue-bulk.ts).
  queue.on('items-changed', (ids) => host.emit('uploads:changed', { count: ids.length }));
  queue.on('totals', (t) => host.emit('uploads:totals-changed', t));
  queue.on('notice', (m) => host.notice('warning', m));
  library.on('changed', () => host.emit('library:changed', {}));
  library.on('state', (s) => host.emit('library:state-changed', s));
  sync.on('status', (s) => host.emit('folders:status-changed', s));
  sync.on('folders-changed', (f) => host.emit('folders:changed', f));
  for (const recovered of [
    ledger.recovered,
    queue.recovered,
    library.recovered,
    library.thumbnailsRecovered,
    sync.recovered,
    emulator?.recovered,
  ])
    host.dataProblem(recovered);

  // Closed last registered first: folders, queue, library, ledger, client, Sandbox.
  scope.onClose('API client', () => client.close());
  scope.onClose('upload ledger', () => ledger.close());
  scope.onClose('library', () => library.stop());
  scope.onClose('queue', () => queue.stop());
  scope.onClose('watched folders', () => sync.stop());
  queue.start();
  await sync.start();
  if (settings.sandbox || host.apiKey()) library.start();
  return {
    client,
    ledger,
    queue,
    library,
    sync,
    indexes,
    scope,
    ...(emulator && { emulator, sandboxKey }),
  };
}

/** Where an asset came from (its file, hash, watched folder, upload time), as far as the services know. */
export function provenanceOf(services: Services, assetId: string): Provenance | undefined {
  const item = services.queue.list().find((i) => i.assetId === assetId);
  if (!item) {
    const past = services.queue.history().find((h) => h.assetId === assetId);
    return past && { uploadedAt: past.finishedAt };
  }
  const folder = item.origin && services.sync.list().find((f) => f.id === item.origin!.folderId);
  return {
    ...(item.source.kind === 'file' && { sourcePath: item.source.path }),
    ...(item.sha256 && { sha256: item.sha256 }),
    ...(folder && { watchedFolder: folder.path }),
    ...(item.finishedAt && { uploadedAt: item.finishedAt }),
  };
}
