import { EventEmitter } from 'node:events';
import { mkdir, stat } from 'node:fs/promises';
import { join } from 'node:path';
import {
  InvalidRequestError,
  parseRequest,
  type CommandName,
  type CommandResponse,
  type EventName,
  type EventPayload,
} from '../shared/contract.ts';
import type { Provenance } from '../shared/library-types.ts';
import type { AppSettings, KeyStatus } from '../shared/settings-types.ts';
import { DEFAULT_BASE_URL, UndiciTwelveLabsClient } from './api/client.ts';
import { AuthError } from './api/errors.ts';
import { assertHostConfirmed, assertLaunchBaseUrl, replaceUnsafeSavedBaseUrl } from './base-url-guard.ts';
import { lockDataDir } from './data-dir-lock.ts';
import { LifecycleScope } from './lifecycle-scope.ts';
import { ensurePrivateDir, PRIVATE_DIR_MODE } from './file-modes.ts';
import { APP_VERSION } from '../shared/app-version.ts';
import { describeKeyStorage } from '../shared/key-storage.ts';
import { IndexService } from './indexes/index-service.ts';
import { AssetLibrary } from './library/asset-library.ts';
import { ThumbnailCache } from './library/thumbnail-cache.ts';
import {
  defaultLogger,
  systemClock,
  type Clock,
  type Logger,
  type RunningSandbox,
  type SandboxOptions,
  type StartSandbox,
} from './ports.ts';
import { UploadLedger } from './queue/upload-ledger.ts';
import { UploadQueue, type AddInput } from './queue/upload-queue.ts';
import { BandwidthScheduler } from './queue/bandwidth-scheduler.ts';
import { loadSandboxKey, type SecretStore } from './secrets.ts';
import { ConfDocumentStore } from './store/conf-document-store.ts';
import { PersistedDocument } from './store/persisted-document.ts';
import { settingsSchema } from './settings-schema.ts';
import { FolderSync } from './sync/folder-sync.ts';
import type { WatchFolder } from './sync/folder-watcher.ts';

export interface UploaderCoreOptions {
  dataDir: string;
  secrets: SecretStore;
  logger?: Logger;
  clock?: Clock;
  /** What the API's User-Agent says; package.json's version (shared/app-version.ts) when absent. */
  version?: string;
  /** Overrides from the environment or flags (TWELVELABS_BASE_URL, --sandbox), not saved. */
  /**
   * For this process only, never saved: a base URL or the Sandbox (CLI flags, environment), and
   * a bandwidth limit that replaces the saved limit and schedule (the CLI's --bwlimit).
   */
  overrides?: { baseUrl?: string; sandbox?: boolean; bandwidthBytesPerSecond?: number };
  watchFolder?: WatchFolder;
  /** How long Sandbox assets stay "processing" (tests make it short). */
  sandboxProcessingMs?: number;
  /**
   * Starts the Sandbox (the local emulator of the API). Each front end hands it in (the CLI, serve
   * mode and the desktop app pass the emulator's startEmulator), so the core never imports the
   * emulator; without it, turning the Sandbox on is refused with a message that says why.
   */
  startSandbox?: StartSandbox;
  /** Shows a file in the system's file manager (the desktop app passes Electron's shell). */
  revealFile?: (path: string) => void;
  /** The system's file or folder picker (the desktop app passes Electron's dialog); [] when canceled. */
  choosePaths?: (kind: 'files' | 'folder') => Promise<string[]>;
}

const WEEK_MS = 7 * 24 * 3_600_000;

type StoredSettings = Omit<
  AppSettings,
  'apiKeySet' | 'keyStorage' | 'keyStorageText' | 'dataDir' | 'bandwidthInEffect'
> &
  Record<string, unknown>;

const DEFAULT_SETTINGS: StoredSettings = {
  baseUrl: DEFAULT_BASE_URL,
  sandbox: false,
  concurrency: 3,
  chunkConcurrency: 4,
  bandwidthBytesPerSecond: 0,
  bandwidthSchedule: [],
  folderBandwidthBytesPerSecond: 0,
  defaultOptions: { enableThumbnail: true },
  librarySyncIntervalMs: 60_000,
  thumbnailCacheBytes: 500_000_000,
};

/** The services of one account context: the real platform or the Sandbox keep separate state. */
interface Services {
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

type Handlers = { [N in CommandName]: (request: never) => Promise<CommandResponse<N>> | CommandResponse<N> };

/**
 * The application core that every front end drives through the contract: Electron IPC, the
 * WebSocket bridge of serve mode, the CLI. It builds the API client, queue, watched folders and
 * library on injected ports, owns the API key, and runs one per data directory.
 */
export class UploaderCore {
  private readonly events = new EventEmitter();
  private readonly settingsDoc: PersistedDocument<StoredSettings>;
  private readonly clock: Clock;
  private readonly logger: Logger;
  private services!: Services;
  private apiKey: string | undefined;
  /**
   * Owns the data-folder lock, the settings, the bandwidth schedule and the services: close()
   * closes every one of them (services first, the lock last) even when one fails.
   */
  private readonly lifecycle: LifecycleScope;
  /** A rebuild under way (the account changed): close() waits for it, then closes what it built. */
  private rebuilding: Promise<unknown> | undefined;
  private readonly handlers: Handlers;
  /** Damage found in the data folder at load (dataProblems()), replayed to late listeners. */
  private readonly problems: string[] = [];
  /** The bandwidth limit in force as the schedule's windows open and close. */
  private readonly bandwidth: BandwidthScheduler;

  private constructor(private readonly options: UploaderCoreOptions) {
    this.clock = options.clock ?? systemClock;
    this.logger = options.logger ?? defaultLogger;
    this.lifecycle = new LifecycleScope('core', { logger: this.logger });
    this.settingsDoc = new PersistedDocument<StoredSettings>(
      new ConfDocumentStore(options.dataDir, 'settings'),
      settingsSchema(DEFAULT_SETTINGS), // each setting checked at load: `concurrency: 0` would hang
    );
    this.handlers = this.makeHandlers();
    this.bandwidth = new BandwidthScheduler(
      (limit) => {
        // Before the services exist (at creation) the queue is built with the limit in force.
        if (!this.services) return;
        this.services.queue.setBandwidthLimit(limit.bytesPerSecond);
        this.emit('settings:changed', this.settings());
      },
      () => this.clock.now(),
    );
  }

  static async create(options: UploaderCoreOptions): Promise<UploaderCore> {
    // Checked before anything is opened: the key must not go to a URL the rule refuses.
    if (options.overrides?.baseUrl) assertLaunchBaseUrl(options.overrides.baseUrl);
    await ensurePrivateDir(options.dataDir, options.logger);
    const lock = await lockDataDir(options.dataDir);
    let core: UploaderCore;
    try {
      core = new UploaderCore(options);
    } catch (error) {
      await lock.release();
      throw error;
    }
    // The lock first, so that it is released last: after every service closed, even a failing one.
    core.lifecycle.onClose('data-folder lock', lock.release);
    core.lifecycle.onClose('settings', () => core.settingsDoc.close());
    core.lifecycle.onClose('bandwidth schedule', () => core.bandwidth.stop());
    core.lifecycle.onClose('services', async () => {
      await core.rebuilding;
      if (core.services) await core.stopServices(core.services);
    });
    try {
      core.apiKey = await options.secrets.get();
      core.dataProblem(options.secrets.recovered); // a damaged key file: said, not a silent "no key"
      core.dataProblem(core.settingsDoc.recovered);
      const unsafe = replaceUnsafeSavedBaseUrl(core.settingsDoc.data, DEFAULT_BASE_URL);
      if (unsafe) core.notice('warning', unsafe);
      core.configureBandwidth();
      core.services = await core.buildServices();
    } catch (error) {
      await core.lifecycle.close().catch(() => undefined); // each failure was logged
      throw error;
    }
    return core;
  }

  /** Runs a command: the payload is validated against the contract first. */
  async invoke<N extends CommandName>(name: N, payload: unknown): Promise<CommandResponse<N>> {
    const request = parseRequest(name, payload);
    const handler = this.handlers[name] as (r: unknown) => Promise<CommandResponse<N>> | CommandResponse<N>;
    return handler(request);
  }

  on<E extends EventName>(event: E, listener: (payload: EventPayload<E>) => void): () => void {
    this.events.on(event, listener);
    // Damage found at start-up happened before any window was there to hear it: each new
    // listener (a window that connects later, a WebSocket) hears it too, once, just after.
    if (event === 'app:notice' && this.problems.length > 0) {
      const replay = [...this.problems];
      queueMicrotask(() => {
        if (!this.events.listeners(event).includes(listener)) return;
        for (const message of replay)
          (listener as (n: EventPayload<'app:notice'>) => void)({ level: 'warning', message, lasting: true });
      });
    }
    return () => this.events.off(event, listener);
  }

  /**
   * What was found damaged in the data folder when it was opened, and what was done about it (a
   * sentence each). The CLI prints them to stderr and exits non-zero; the app shows them.
   */
  dataProblems(): readonly string[] {
    return this.problems;
  }

  /** Direct access for the CLI's waiting loops (same objects the commands drive). */
  get queue(): UploadQueue {
    return this.services.queue;
  }

  get library(): AssetLibrary {
    return this.services.library;
  }

  get folders(): FolderSync {
    return this.services.sync;
  }

  get apiBaseUrl(): string {
    return this.services.client.transport.baseUrl;
  }

  /**
   * `npm run demo`: a few sample assets in an empty Sandbox library (videos, audio, stills with
   * thumbnails), so there is something to browse before the first upload.
   */
  async seedDemo(): Promise<void> {
    const emulator = this.services.emulator;
    if (!emulator || this.services.library.state().assetCount > 0) return;
    for (const [kind, count, prefix] of [
      ['video', 6, 'sample-interview'],
      ['audio', 3, 'sample-voiceover'],
      ['image', 4, 'sample-still'],
    ] as const)
      await fetch(`${emulator.origin}/_emulator/seed`, {
        method: 'POST',
        headers: { 'x-api-key': this.services.sandboxKey! },
        body: JSON.stringify({
          count,
          kind,
          filenamePrefix: prefix,
          enableThumbnail: true,
          enableHls: kind !== 'image',
        }),
      });
    await this.services.library.syncNow(true).catch(() => undefined); // the library logged it (noteFailure)
  }

  /**
   * Closes the services, the settings and the data-folder lock, each even when an earlier one
   * failed, then rejects with a LifecycleCloseError naming every part that failed. Calling it
   * again waits for the same close.
   */
  close(): Promise<void> {
    return this.lifecycle.close();
  }

  settings(): AppSettings {
    const s = this.settingsDoc.data;
    return {
      ...s,
      ...(this.options.overrides?.baseUrl && { baseUrl: this.options.overrides.baseUrl }),
      ...(this.options.overrides?.sandbox !== undefined && { sandbox: this.options.overrides.sandbox }),
      apiKeySet: this.apiKey !== undefined,
      keyStorage: this.options.secrets.storage,
      keyStorageText: describeKeyStorage(this.options.secrets.storage),
      dataDir: this.options.dataDir,
      bandwidthInEffect: this.bandwidth.inEffect,
    } as AppSettings;
  }

  /** The saved limit and schedule, unless this process was given a limit of its own. */
  private configureBandwidth(): void {
    const override = this.options.overrides?.bandwidthBytesPerSecond;
    const { bandwidthSchedule, bandwidthBytesPerSecond } = this.settingsDoc.data;
    if (override !== undefined) this.bandwidth.configure([], override);
    else this.bandwidth.configure(bandwidthSchedule, bandwidthBytesPerSecond);
  }

  private emit<E extends EventName>(event: E, payload: EventPayload<E>): void {
    this.events.emit(event, payload);
  }

  /** Damage found while loading a document: said now, and again to every window that connects. */
  private dataProblem(message: string | undefined): void {
    if (!message) return;
    this.problems.push(message);
    this.notice('warning', message, true); // stays on screen until dismissed: something was lost
  }

  private notice(level: 'info' | 'warning', message: string, lasting = false): void {
    this.logger[level === 'info' ? 'info' : 'warn'](message);
    this.emit('app:notice', { level, message, ...(lasting && { lasting }) });
  }

  private async buildServices(): Promise<Services> {
    const scope = new LifecycleScope('services', { logger: this.logger });
    try {
      return await this.startServices(scope);
    } catch (error) {
      // What started before the failure is closed again: no Sandbox server or timer left behind.
      await scope.close().catch(() => undefined); // each failure was logged
      throw error;
    }
  }

  /** The front end's Sandbox, or a refusal that says what is missing (never the real account instead). */
  private startSandbox(options: SandboxOptions): Promise<RunningSandbox> {
    const start = this.options.startSandbox;
    if (!start)
      throw new Error(
        'The Sandbox cannot start here: this front end passed no startSandbox to the core. Turn the Sandbox off to use your account.',
      );
    return start(options);
  }

  private async startServices(scope: LifecycleScope): Promise<Services> {
    const settings = this.settings();
    const profile = join(this.options.dataDir, settings.sandbox ? 'sandbox' : 'account');
    await mkdir(profile, { recursive: true, mode: PRIVATE_DIR_MODE });
    let emulator: RunningSandbox | undefined;
    let baseUrl = settings.baseUrl;
    // The Sandbox in the app takes only its own key, on the API and the control API alike.
    const sandboxKey = settings.sandbox ? await loadSandboxKey(profile) : undefined;
    if (sandboxKey) {
      emulator = await this.startSandbox({
        dataDir: join(profile, 'emulator'),
        processingMs: this.options.sandboxProcessingMs ?? 1500,
        apiKey: sandboxKey,
        lockControl: true,
      });
      baseUrl = emulator.url;
      const started = emulator;
      scope.onClose('Sandbox', () => started.close());
    }
    const client = new UndiciTwelveLabsClient({
      baseUrl,
      apiKey: () => sandboxKey ?? this.apiKey,
      version: this.options.version ?? APP_VERSION,
      clock: this.clock,
      logger: this.logger,
    });
    const ledger = new UploadLedger(new ConfDocumentStore(profile, 'ledger'));
    const indexes = new IndexService(client, this.logger);
    const queue = new UploadQueue({
      client,
      ledger,
      store: new ConfDocumentStore(profile, 'queue'),
      clock: this.clock,
      logger: this.logger,
      concurrency: settings.concurrency,
      chunkConcurrency: settings.chunkConcurrency,
      bandwidthBytesPerSecond: this.bandwidth.inEffect.bytesPerSecond,
      folderBandwidthBytesPerSecond: settings.folderBandwidthBytesPerSecond,
      defaultOptions: () => this.settingsDoc.data.defaultOptions,
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
        this.logger,
      ),
      clock: this.clock,
      logger: this.logger,
      syncIntervalMs: settings.librarySyncIntervalMs,
      provenance: (assetId) => this.provenance(assetId),
      onAssetGone: (assetId) => ledger.forgetAsset(assetId),
    });
    const sync = new FolderSync({
      queue,
      store: new ConfDocumentStore(profile, 'sync'),
      clock: this.clock,
      logger: this.logger,
      watchFolder: this.options.watchFolder,
      dataDir: this.options.dataDir, // never watched, never scanned
    });

    queue.on('item-added', (v) => this.emit('uploads:item-added', v));
    queue.on('item-changed', (v) => {
      this.emit('uploads:item-changed', v);
      // A new asset the library has not seen yet: refresh it at once.
      // (With an index chosen, "ready" is the first step of indexing: the asset is ready then.)
      const ready = v.state === 'ready' || (v.state === 'indexing' && v.indexing?.status === undefined);
      if (ready && v.assetId) void library.refreshOne(v.assetId).catch(() => undefined); // library logs it
    });
    queue.on('item-removed', (id) => this.emit('uploads:item-removed', { id }));
    queue.on('totals', (t) => this.emit('uploads:totals-changed', t));
    queue.on('notice', (m) => this.notice('warning', m));
    library.on('changed', () => this.emit('library:changed', {}));
    library.on('state', (s) => this.emit('library:state-changed', s));
    sync.on('status', (s) => this.emit('folders:status-changed', s));
    sync.on('folders-changed', (f) => this.emit('folders:changed', f));
    for (const recovered of [
      ledger.recovered,
      queue.recovered,
      library.recovered,
      library.thumbnailsRecovered,
      sync.recovered,
      emulator?.recovered,
    ])
      this.dataProblem(recovered);

    // Closed last registered first: folders, queue, library, ledger, client, Sandbox.
    scope.onClose('API client', () => client.close());
    scope.onClose('upload ledger', () => ledger.close());
    scope.onClose('library', () => library.stop());
    scope.onClose('queue', () => queue.stop());
    scope.onClose('watched folders', () => sync.stop());
    queue.start();
    await sync.start();
    if (settings.sandbox || this.apiKey) library.start();
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

  private stopServices(s: Services): Promise<void> {
    return s.scope.close();
  }

  private async rebuild(): Promise<void> {
    // Services built after close() would run without the data-folder lock.
    if (this.lifecycle.closed)
      throw new Error('TL Uploader is closing: the change was saved and applies at the next start.');
    const rebuilt = (async () => {
      // Every old part was closed even if one failed (and logged); the new services start regardless.
      await this.stopServices(this.services).catch((error: unknown) =>
        this.notice('warning', (error as Error).message),
      );
      this.services = await this.buildServices();
    })();
    this.rebuilding = rebuilt.catch(() => undefined); // its caller hears of a failure
    try {
      await rebuilt;
    } finally {
      this.rebuilding = undefined;
    }
  }

  private provenance(assetId: string): Provenance | undefined {
    const item = this.services.queue.list().find((i) => i.assetId === assetId);
    if (!item) {
      const past = this.services.queue.history().find((h) => h.assetId === assetId);
      return past && { uploadedAt: past.finishedAt };
    }
    const folder = item.origin && this.services.sync.list().find((f) => f.id === item.origin!.folderId);
    return {
      ...(item.source.kind === 'file' && { sourcePath: item.source.path }),
      ...(item.sha256 && { sha256: item.sha256 }),
      ...(folder && { watchedFolder: folder.path }),
      ...(item.finishedAt && { uploadedAt: item.finishedAt }),
    };
  }

  private async keyStatus(test: boolean): Promise<KeyStatus> {
    const set = this.apiKey !== undefined;
    if (!test) return { set };
    if (!set && !this.settings().sandbox) return { set, valid: false, message: 'No API key is set.' };
    try {
      await this.services.client.probe();
      return { set, valid: true, message: 'The key works.' };
    } catch (error) {
      if (error instanceof AuthError)
        return {
          set,
          valid: false,
          message: 'TwelveLabs refused this key. Check it, or create a new one in the dashboard.',
        };
      return { set, message: `The key could not be checked: ${(error as Error).message}` };
    }
  }

  private makeHandlers(): Handlers {
    const q = () => this.services.queue;
    const lib = () => this.services.library;
    const folders = () => this.services.sync;
    /** A command's validated request. */
    type R<N extends CommandName> = ReturnType<typeof parseRequest<N>>;
    return {
      'uploads:add': async (r: R<'uploads:add'>) => {
        const defaults = this.settingsDoc.data.defaultOptions;
        // A folder dropped onto the window arrives as a "file": add what it contains.
        const inputs = await Promise.all(
          r.inputs.map(async (input): Promise<AddInput> => {
            const options = { ...defaults, ...input.options };
            if (input.kind !== 'file') return { ...input, options };
            const isFolder = await stat(input.path).then(
              (s) => s.isDirectory(),
              () => false,
            );
            return { kind: isFolder ? 'folder' : 'file', path: input.path, options };
          }),
        );
        return q().add(inputs);
      },
      'app:reveal-file': (r: R<'app:reveal-file'>) => {
        if (!this.options.revealFile) throw new Error('Showing files is only possible in the desktop app.');
        this.options.revealFile(r.path);
      },
      'app:choose-and-add': async (r: R<'app:choose-and-add'>) => {
        if (!this.options.choosePaths)
          throw new Error('Choosing with the system file picker is only possible in the desktop app.');
        const paths = await this.options.choosePaths(r.kind);
        if (paths.length === 0) return { added: [], rejected: [], canceled: true };
        // Added like dropped paths: a folder is added as a folder (walked here, hidden items skipped).
        const result = await this.invoke('uploads:add', {
          inputs: paths.map((path) => ({ kind: 'file', path })),
        });
        return { ...result, canceled: false };
      },
      'uploads:list': (r: R<'uploads:list'>) => q().page(r.filter, r.offset, r.limit),
      'uploads:pause': (r: R<'uploads:pause'>) => q().pause(r.id),
      'uploads:resume': (r: R<'uploads:resume'>) => q().resume(r.id),
      'uploads:cancel': (r: R<'uploads:cancel'>) => q().cancel(r.id),
      'uploads:retry': (r: R<'uploads:retry'>) => q().retry(r.id),
      'uploads:move-to-top': (r: R<'uploads:move-to-top'>) => q().moveToTop(r.id),
      'uploads:upload-anyway': (r: R<'uploads:upload-anyway'>) => q().uploadAnyway(r.id),
      'uploads:upload-without-indexing': (r: R<'uploads:upload-without-indexing'>) =>
        q().uploadWithoutIndexing(r.id),
      'uploads:remove': (r: R<'uploads:remove'>) => q().remove(r.id),
      'uploads:remove-finished': (r: R<'uploads:remove-finished'>) => ({
        removed: q().removeFinished(r.states),
      }),
      'uploads:retry-all': () => ({ retried: q().retryAll() }),
      'uploads:pause-all': (r: R<'uploads:pause-all'>) => {
        const now = this.clock.now();
        if (r.until !== undefined && (r.until <= now || r.until > now + WEEK_MS))
          throw new InvalidRequestError('uploads:pause-all: until must be a time within the coming week.');
        q().pauseAll(r.until);
      },
      'uploads:resume-all': () => q().resumeAll(),
      'uploads:history': () => q().history(),
      'uploads:clear-history': () => q().clearHistory(),

      'library:query': (r: R<'library:query'>) => lib().query(r),
      'library:detail': (r: R<'library:detail'>) => lib().detail(r.id) ?? null,
      'library:sync': async (r: R<'library:sync'>) => {
        await lib()
          .syncNow(r.full)
          .catch(() => undefined); // the state says why it failed
        return lib().state();
      },
      'library:state': () => lib().state(),
      'library:memberships': (r: R<'library:memberships'>) => this.services.indexes.memberships(r.id),
      'library:index-assets': (r: R<'library:index-assets'>) =>
        this.services.indexes.indexAssets(r.ids, r.indexId),
      'indexes:list': () => this.services.indexes.list(),
      'indexes:create': (r: R<'indexes:create'>) => this.services.indexes.create(r),
      'library:delete': (r: R<'library:delete'>) =>
        lib().delete(r.ids, { confirmed: r.confirmed, force: r.force }),

      'folders:list': () => ({ folders: folders().list(), statuses: folders().statuses() }),
      'folders:preview': (r: R<'folders:preview'>) => folders().preview(r.path, r.settings),
      'folders:add': (r: R<'folders:add'>) => folders().addFolder(r.path, r.settings),
      'folders:update': (r: R<'folders:update'>) => folders().updateSettings(r.id, r.settings),
      'folders:remove': (r: R<'folders:remove'>) => folders().removeFolder(r.id),
      'folders:pause': (r: R<'folders:pause'>) => folders().pause(r.id),
      'folders:resume': (r: R<'folders:resume'>) => folders().resume(r.id),
      'folders:rescan': (r: R<'folders:rescan'>) => folders().rescan(r.id),

      'settings:get': () => this.settings(),
      'settings:update': async (r: R<'settings:update'>) => {
        const before = this.settings();
        const { confirmHost, ...patch } = r;
        if (patch.baseUrl !== undefined)
          assertHostConfirmed(this.settingsDoc.data.baseUrl, patch.baseUrl, confirmHost);
        Object.assign(this.settingsDoc.data, patch);
        await this.settingsDoc.commit();
        this.bandwidth.configure(
          this.settingsDoc.data.bandwidthSchedule,
          this.settingsDoc.data.bandwidthBytesPerSecond,
        );
        const after = this.settings();
        if (after.baseUrl !== before.baseUrl || after.sandbox !== before.sandbox) await this.rebuild();
        else {
          q().setConcurrency(after.concurrency, after.chunkConcurrency);
          q().setFolderBandwidthLimit(after.folderBandwidthBytesPerSecond);
        }
        this.emit('settings:changed', after);
        return after;
      },
      'settings:set-api-key': async (r: R<'settings:set-api-key'>) => {
        await this.options.secrets.set(r.apiKey);
        this.apiKey = r.apiKey;
        // On the Sandbox a check reaches the Sandbox with its own key: it would say "The key
        // works" of a key nobody tried. Saved is all that is true until the Sandbox is off.
        const status: KeyStatus = this.settings().sandbox
          ? {
              set: true,
              message:
                'Saved. It is not checked while the Sandbox is on (the Sandbox uses a key of its own): it is used and checked once you turn the Sandbox off.',
            }
          : await this.keyStatus(true);
        q().credentialsChanged();
        lib().start();
        this.emit('settings:changed', this.settings());
        return status;
      },
      'settings:clear-api-key': async () => {
        await this.options.secrets.clear();
        this.apiKey = await this.options.secrets.get(); // the environment may still provide one
        this.emit('settings:changed', this.settings());
        return this.keyStatus(false);
      },
      'settings:test-api-key': () => this.keyStatus(true),
    } as Handlers;
  }
}
