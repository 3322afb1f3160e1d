import { EventEmitter } from 'node:events';
import { join, sep } from 'node:path';
import {
  parseRequest,
  type CommandName,
  type CommandResponse,
  type EventName,
  type EventPayload,
} from '../shared/contract.ts';
import type { AppSettings } from '../shared/settings-types.ts';
import { DEFAULT_BASE_URL } from './api/client.ts';
import { assertLaunchBaseUrl, replaceUnsafeSavedBaseUrl } from './base-url-guard.ts';
import { makeCommandHandlers, type CommandHandlers } from './command-handlers.ts';
import { DEFAULT_SETTINGS, type StoredSettings, type UploaderCoreOptions } from './core-options.ts';
import { provenanceOf, startServices, type Services } from './core-services.ts';
import { lockDataDir } from './data-dir-lock.ts';
import { LifecycleScope } from './lifecycle-scope.ts';
import { ensurePrivateDir } from './file-modes.ts';
import { describeKeyStorage } from '../shared/key-storage.ts';
import type { AssetLibrary } from './library/asset-library.ts';
import { defaultLogger, systemClock, type Clock, type Logger } from './ports.ts';
import type { UploadQueue } from './queue/upload-queue.ts';
import { BandwidthScheduler } from './queue/bandwidth-scheduler.ts';
import { ConfDocumentStore } from './store/conf-document-store.ts';
import { PersistedDocument, writeProblems, type WriteProblem } from './store/persisted-document.ts';
import { settingsSchema } from './settings-schema.ts';
import type { FolderSync } from './sync/folder-sync.ts';

export type { UploaderCoreOptions } from './core-options.ts';

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
  private readonly handlers: CommandHandlers;
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
    this.bandwidth = new BandwidthScheduler(
      (limit) => {
        // Before the services exist (at creation) the queue is built with the limit in force.
        if (!this.services) return;
        this.services.queue.setBandwidthLimit(limit.bytesPerSecond);
        this.emit('settings:changed', this.settings());
      },
      () => this.clock.now(),
    );
    this.handlers = makeCommandHandlers({
      options,
      clock: this.clock,
      settingsDoc: this.settingsDoc,
      bandwidth: this.bandwidth,
      services: () => this.services,
      settings: () => this.settings(),
      hasApiKey: () => this.apiKey !== undefined,
      setApiKey: (key) => {
        this.apiKey = key;
      },
      invoke: (name, payload) => this.invoke(name, payload),
      emit: (event, payload) => this.emit(event, payload),
      rebuild: () => this.rebuild(),
    });
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
    core.lifecycle.onClose('write-problem notices', core.hearWriteProblems());
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

  /**
   * A document of this data folder that cannot be written (a full disk, a read-only folder): said
   * once when it starts and once when it is saved again, not only logged. Returns the unsubscribe.
   */
  private hearWriteProblems(): () => void {
    const ours = (p: WriteProblem) =>
      p.path !== undefined && p.path.startsWith(join(this.options.dataDir, sep));
    const failed = (p: WriteProblem) => {
      if (ours(p))
        this.notice('warning', `${p.message} Until then your changes are kept while TL Uploader runs.`);
    };
    const recovered = (p: WriteProblem) => {
      if (ours(p)) this.notice('info', p.message);
    };
    writeProblems.on('failed', failed).on('recovered', recovered);
    return () => {
      writeProblems.off('failed', failed).off('recovered', recovered);
    };
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

  private startServices(scope: LifecycleScope): Promise<Services> {
    return startServices(
      {
        options: this.options,
        clock: this.clock,
        logger: this.logger,
        settings: () => this.settings(),
        apiKey: () => this.apiKey,
        defaultOptions: () => this.settingsDoc.data.defaultOptions,
        bandwidthBytesPerSecond: () => this.bandwidth.inEffect.bytesPerSecond,
        // Asked of the services in force when the library asks (a rebuild swaps them).
        provenance: (assetId) => provenanceOf(this.services, assetId),
        emit: (event, payload) => this.emit(event, payload),
        notice: (level, message) => this.notice(level, message),
        dataProblem: (message) => this.dataProblem(message),
      },
      scope,
    );
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
}
