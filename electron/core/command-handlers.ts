import { stat } from 'node:fs/promises';
import {
  InvalidRequestError,
  type parseRequest,
  type CommandName,
  type CommandResponse,
  type EventName,
  type EventPayload,
} from '../shared/contract.ts';
import type { AppSettings, KeyStatus } from '../shared/settings-types.ts';
import { AuthError } from './api/errors.ts';
import { assertHostConfirmed } from './base-url-guard.ts';
import type { StoredSettings, UploaderCoreOptions } from './core-options.ts';
import type { Services } from './core-services.ts';
import type { Clock } from './ports.ts';
import type { BandwidthScheduler } from './queue/bandwidth-scheduler.ts';
import type { AddInput } from './queue/upload-queue.ts';
import type { PersistedDocument } from './store/persisted-document.ts';

const WEEK_MS = 7 * 24 * 3_600_000;

/** One handler per contract command, each answering with that command's response. */
export type CommandHandlers = {
  [N in CommandName]: (request: never) => Promise<CommandResponse<N>> | CommandResponse<N>;
};

/** What the handlers act on: the UploaderCore, which owns the key, the settings and the services. */
export interface CommandHost {
  readonly options: UploaderCoreOptions;
  readonly clock: Clock;
  readonly settingsDoc: PersistedDocument<StoredSettings>;
  readonly bandwidth: BandwidthScheduler;
  /** The services in force now (a rebuild replaces them). */
  services(): Services;
  settings(): AppSettings;
  hasApiKey(): boolean;
  setApiKey(key: string | undefined): void;
  invoke<N extends CommandName>(name: N, payload: unknown): Promise<CommandResponse<N>>;
  emit<E extends EventName>(event: E, payload: EventPayload<E>): void;
  /** Builds the services again (the account changed: base URL or Sandbox). */
  rebuild(): Promise<void>;
}

/** Whether a key is set and, when `test`, whether the platform (or the Sandbox) takes it. */
export async function keyStatus(host: CommandHost, test: boolean): Promise<KeyStatus> {
  const set = host.hasApiKey();
  if (!test) return { set };
  if (!set && !host.settings().sandbox) return { set, valid: false, message: 'No API key is set.' };
  try {
    await host.services().client.probe();
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

/**
 * The command table: each contract command to the service that answers it. Requests arrive
 * validated (UploaderCore.invoke parses them against the contract first).
 */
export function makeCommandHandlers(host: CommandHost): CommandHandlers {
  const q = () => host.services().queue;
  const lib = () => host.services().library;
  const folders = () => host.services().sync;
  /** A command's validated request. */
  type R<N extends CommandName> = ReturnType<typeof parseRequest<N>>;
  return {
    'uploads:add': async (r: R<'uploads:add'>) => {
      const defaults = host.settingsDoc.data.defaultOptions;
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
      if (!host.options.revealFile) throw new Error('Showing files is only possible in the desktop app.');
      host.options.revealFile(r.path);
    },
    'app:choose-and-add': async (r: R<'app:choose-and-add'>) => {
      if (!host.options.choosePaths)
        throw new Error('Choosing with the system file picker is only possible in the desktop app.');
      const paths = await host.options.choosePaths(r.kind);
      if (paths.length === 0) return { added: [], rejected: [], canceled: true };
      // Added like dropped paths: a folder is added as a folder (walked here, hidden items skipped).
      const result = await host.invoke('uploads:add', {
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
      const now = host.clock.now();
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
    'library:memberships': (r: R<'library:memberships'>) => host.services().indexes.memberships(r.id),
    'library:index-assets': (r: R<'library:index-assets'>) =>
      host.services().indexes.indexAssets(r.ids, r.indexId, (id) => lib().detail(id)?.asset),
    'indexes:list': () => host.services().indexes.list(),
    'indexes:create': (r: R<'indexes:create'>) => host.services().indexes.create(r),
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

    'settings:get': () => host.settings(),
    'settings:update': async (r: R<'settings:update'>) => {
      const before = host.settings();
      const { confirmHost, ...patch } = r;
      if (patch.baseUrl !== undefined)
        assertHostConfirmed(host.settingsDoc.data.baseUrl, patch.baseUrl, confirmHost);
      Object.assign(host.settingsDoc.data, patch);
      await host.settingsDoc.commit();
      host.bandwidth.configure(
        host.settingsDoc.data.bandwidthSchedule,
        host.settingsDoc.data.bandwidthBytesPerSecond,
      );
      const after = host.settings();
      if (after.baseUrl !== before.baseUrl || after.sandbox !== before.sandbox) await host.rebuild();
      else {
        q().setConcurrency(after.concurrency, after.chunkConcurrency);
        q().setFolderBandwidthLimit(after.folderBandwidthBytesPerSecond);
      }
      host.emit('settings:changed', after);
      return after;
    },
    'settings:set-api-key': async (r: R<'settings:set-api-key'>) => {
      await host.options.secrets.set(r.apiKey);
      host.setApiKey(r.apiKey);
      // On the Sandbox a check reaches the Sandbox with its own key: it would say "The key
      // works" of a key nobody tried. Saved is all that is true until the Sandbox is off.
      const status: KeyStatus = host.settings().sandbox
        ? {
            set: true,
            message:
              'Saved. It is not checked while the Sandbox is on (the Sandbox uses a key of its own): it is used and checked once you turn the Sandbox off.',
          }
        : await keyStatus(host, true);
      q().credentialsChanged();
      lib().start();
      host.emit('settings:changed', host.settings());
      return status;
    },
    'settings:clear-api-key': async () => {
      await host.options.secrets.clear();
      host.setApiKey(await host.options.secrets.get()); // the environment may still provide one
      host.emit('settings:changed', host.settings());
      return keyStatus(host, false);
    },
    'settings:test-api-key': () => keyStatus(host, true),
  } as CommandHandlers;
}
