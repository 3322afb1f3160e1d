/**
 * The one contract between the core and every front end: each command (name, request schema,
 * response type) and each event (name, payload type). The preload API, the Electron IPC
 * registration, the WebSocket bridge of serve mode and the renderer client are all derived from
 * these two objects; no channel name is written anywhere else.
 *
 * Requests are validated at runtime (they come from the renderer or the network). Responses and
 * event payloads come from our own core: their schemas carry the types.
 */
import { z } from 'zod';
import type { HistoryEntry, QueueItemView, QueueTotals } from './queue-types.ts';
import { UPLOADS_PAGE_MAX, type UploadsPage } from './queue-page.ts';
import type { DeleteOutcome, LibraryAsset, LibraryPage, LibraryState, Provenance } from './library-types.ts';
import type { FolderPreview, FolderStatus, WatchedFolder } from './sync-types.ts';
import type { IndexMembership, IndexOutcome, IndexSummary } from './index-types.ts';
import type { AddResultView, AppSettings, KeyStatus } from './settings-types.ts';
import { apiKeyProblem } from './api-key.ts';
import { baseUrlProblem } from './base-url.ts';
import { FINISHED_STATES } from './item-state.ts';
import { MEDIA_KINDS } from './domain.ts';
import {
  commandNames,
  eventNames,
  isCommandName,
  type CommandName,
  type EventName,
} from './contract-names.ts';

const id = z.string().min(1).max(200);
const ids = z.array(id).min(1).max(10_000);
/** An id the platform handed out: 24 hex digits. */
const platformIdText = z.string().regex(/^[0-9a-f]{24}$/, 'a TwelveLabs id');
const metadataValue = z.union([z.string().max(10_000), z.number().finite(), z.boolean()]);

export const uploadOptionsSchema = z
  .object({
    filename: z.string().min(1).max(255).optional(),
    enableHls: z.boolean().optional(),
    enableThumbnail: z.boolean().optional(),
    userMetadata: z.record(z.string().min(1).max(200), metadataValue).optional(),
    // A platform id (24 hex digits), or '' for "upload without indexing".
    indexId: z
      .string()
      .regex(/^([0-9a-f]{24})?$/, 'an index id')
      .optional(),
  })
  .strict();

const addInput = z.discriminatedUnion('kind', [
  z
    .object({
      kind: z.literal('file'),
      path: z.string().min(1).max(4096),
      options: uploadOptionsSchema.optional(),
    })
    .strict(),
  z
    .object({
      kind: z.literal('folder'),
      path: z.string().min(1).max(4096),
      options: uploadOptionsSchema.optional(),
    })
    .strict(),
  z
    .object({
      kind: z.literal('url'),
      url: z.string().min(1).max(8192),
      options: uploadOptionsSchema.optional(),
    })
    .strict(),
]);

const kinds = z.array(z.enum(MEDIA_KINDS));
export const folderSettings = z
  .object({
    recursive: z.boolean(),
    kinds: kinds.min(1),
    ignore: z.array(z.string().max(500)).max(200),
    existing: z.enum(['upload', 'skip']),
    options: uploadOptionsSchema,
    pathMetadata: z.boolean(),
    stabilityMs: z.number().int().min(200).max(600_000),
  })
  .partial()
  .strict();

const clockTime = z.string().regex(/^([01]\d|2[0-3]):[0-5]\d$/, 'a time as HH:MM (00:00–23:59)');

const bandwidthRule = z
  .object({
    days: z
      .array(z.number().int().min(0).max(6))
      .min(1, 'pick at least one day')
      .max(7)
      .refine((days) => new Set(days).size === days.length, 'a day is listed twice'),
    from: clockTime,
    to: clockTime,
    bytesPerSecond: z.number().int().min(0).max(10_000_000_000),
  })
  .strict();

export const settingsPatchSchema = z
  .object({
    /** https, or http on loopback only (base-url.ts); another host needs `confirmHost` too. */
    baseUrl: z
      .string()
      .max(500)
      .superRefine((value, ctx) => {
        const problem = baseUrlProblem(value);
        if (problem) ctx.addIssue({ code: 'custom', message: problem });
      }),
    /** The new base URL's host, as the person confirmed it: the API key will be sent there. */
    confirmHost: z.string().max(300),
    sandbox: z.boolean(),
    concurrency: z.number().int().min(1).max(16),
    chunkConcurrency: z.number().int().min(1).max(16),
    bandwidthBytesPerSecond: z.number().int().min(0).max(10_000_000_000),
    bandwidthSchedule: z.array(bandwidthRule).max(20),
    folderBandwidthBytesPerSecond: z.number().int().min(0).max(10_000_000_000),
    defaultOptions: uploadOptionsSchema,
    librarySyncIntervalMs: z.number().int().min(10_000).max(86_400_000),
    thumbnailCacheBytes: z.number().int().min(1_000_000).max(100_000_000_000),
  })
  .partial()
  .strict();

const libraryQuery = z
  .object({
    types: z.array(z.enum(MEDIA_KINDS)).optional(),
    statuses: z.array(z.string().max(40)).optional(),
    filename: z.string().max(255).optional(),
    from: z.number().optional(),
    to: z.number().optional(),
    sort: z
      .object({ by: z.enum(['date', 'name', 'size', 'duration']), direction: z.enum(['asc', 'desc']) })
      .optional(),
    offset: z.number().int().min(0).optional(),
    limit: z.number().int().min(1).max(1000).optional(),
  })
  .strict();

const empty = z.object({}).strict();
const one = z.object({ id }).strict();
const typed = <T>() => z.custom<T>(() => true);

function command<Req extends z.ZodType, Res extends z.ZodType>(request: Req, response: Res) {
  return { request, response };
}

export const commands = {
  'uploads:add': command(
    z.object({ inputs: z.array(addInput).min(1).max(10_000) }).strict(),
    typed<AddResultView>(),
  ),
  /** One window of the queue (in queue order) and the filter's size: never every item at once. */
  'uploads:list': command(
    z
      .object({
        filter: z.enum(['all', 'active', 'attention', 'done']).optional(),
        offset: z.number().int().min(0).optional(),
        limit: z.number().int().min(1).max(UPLOADS_PAGE_MAX).optional(),
      })
      .strict(),
    typed<UploadsPage>(),
  ),
  'uploads:pause': command(one, typed<void>()),
  'uploads:resume': command(one, typed<void>()),
  'uploads:cancel': command(one, typed<void>()),
  'uploads:retry': command(one, typed<void>()),
  'uploads:move-to-top': command(one, typed<void>()),
  'uploads:upload-anyway': command(one, typed<void>()),
  /**
   * A file the index's models refuse: upload it anyway, without indexing (issue 17). An asset
   * already uploaded that they refuse (index-failed): keep it as it is, without indexing.
   */
  'uploads:upload-without-indexing': command(one, typed<void>()),
  'uploads:remove': command(one, typed<void>()),
  /** Moves finished items to the history: those in `states` (default: every finished state). */
  'uploads:remove-finished': command(
    z
      .object({
        states: z.array(z.enum(FINISHED_STATES)).min(1).optional(),
      })
      .strict(),
    typed<{ removed: number }>(),
  ),
  /** Tries again every failed item that can succeed (not those whose file is refused as such). */
  'uploads:retry-all': command(empty, typed<{ retried: number }>()),
  /** `until` (ms since epoch, within a week): everything resumes by itself then. */
  'uploads:pause-all': command(
    z.object({ until: z.number().int().positive().optional() }).strict(),
    typed<void>(),
  ),
  'uploads:resume-all': command(empty, typed<void>()),
  'uploads:history': command(empty, typed<HistoryEntry[]>()),
  'uploads:clear-history': command(empty, typed<void>()),

  'library:query': command(libraryQuery, typed<LibraryPage>()),
  'library:detail': command(one, typed<{ asset: LibraryAsset; provenance?: Provenance } | null>()),
  'library:sync': command(z.object({ full: z.boolean().optional() }).strict(), typed<LibraryState>()),
  'library:state': command(empty, typed<LibraryState>()),
  'library:delete': command(
    z.object({ ids, confirmed: z.literal(true), force: z.boolean().optional() }).strict(),
    typed<DeleteOutcome[]>(),
  ),
  /** The indexes an asset is in, with each indexed asset's status (issue 17). */
  'library:memberships': command(one, typed<IndexMembership[]>()),
  /** Indexes ready assets into one index; an asset already in it is left as it is. */
  'library:index-assets': command(
    z.object({ ids: z.array(platformIdText).min(1).max(1_000), indexId: platformIdText }).strict(),
    typed<IndexOutcome[]>(),
  ),

  /** The account's indexes, for the index pickers. */
  'indexes:list': command(empty, typed<IndexSummary[]>()),
  /** A new index with Marengo 3.0 and/or Pegasus 1.2, each with visual and/or audio. */
  'indexes:create': command(
    z
      .object({
        name: z.string().trim().min(1).max(200),
        models: z
          .array(
            z
              .object({
                name: z.enum(['marengo3.0', 'pegasus1.2']),
                options: z
                  .array(z.enum(['visual', 'audio']))
                  .min(1)
                  .max(2),
              })
              .strict(),
          )
          .min(1)
          .max(2),
        addons: z.array(z.literal('thumbnail')).max(1).optional(),
      })
      .strict(),
    typed<IndexSummary>(),
  ),

  'folders:list': command(empty, typed<{ folders: WatchedFolder[]; statuses: FolderStatus[] }>()),
  /** What watching a folder would upload at once, counted before it is added. */
  'folders:preview': command(
    z.object({ path: z.string().min(1).max(4096), settings: folderSettings.optional() }).strict(),
    typed<FolderPreview>(),
  ),
  'folders:add': command(
    z.object({ path: z.string().min(1).max(4096), settings: folderSettings.optional() }).strict(),
    typed<WatchedFolder>(),
  ),
  'folders:update': command(z.object({ id, settings: folderSettings }).strict(), typed<WatchedFolder>()),
  'folders:remove': command(one, typed<void>()),
  'folders:pause': command(one, typed<void>()),
  'folders:resume': command(one, typed<void>()),
  'folders:rescan': command(z.object({ id: id.optional() }).strict(), typed<void>()),

  'settings:get': command(empty, typed<AppSettings>()),
  'settings:update': command(settingsPatchSchema, typed<AppSettings>()),
  /** The key goes in, never out: the front end only learns whether one is set and whether it works. */
  'settings:set-api-key': command(
    z
      .object({
        /** Spaces and line breaks around it are dropped; one inside it is refused (api-key.ts). */
        apiKey: z
          .string()
          .trim()
          .min(8)
          .max(500)
          .superRefine((value, ctx) => {
            const problem = apiKeyProblem(value);
            if (problem)
              ctx.addIssue({ code: 'custom', message: `${problem}: paste it again from the dashboard` });
          }),
      })
      .strict(),
    typed<KeyStatus>(),
  ),
  'settings:clear-api-key': command(empty, typed<KeyStatus>()),
  'settings:test-api-key': command(empty, typed<KeyStatus>()),

  /** Desktop only: show a local file in the system's file manager. */
  'app:reveal-file': command(z.object({ path: z.string().min(1).max(4096) }).strict(), typed<void>()),
  /** Desktop only: the system's file or folder picker, then what was chosen is added (a folder as a folder). */
  'app:choose-and-add': command(
    z.object({ kind: z.enum(['files', 'folder']) }).strict(),
    typed<AddResultView & { canceled: boolean }>(),
  ),
} as const;

export const events = {
  'uploads:item-added': typed<QueueItemView>(),
  'uploads:item-changed': typed<QueueItemView>(),
  'uploads:item-removed': typed<{ id: string }>(),
  /**
   * Many items changed in one go (pause all, clear finished, a folder's first scan): sent to front
   * ends instead of an event per item (front-end-events.ts); re-read the page shown.
   */
  'uploads:changed': typed<{ count: number }>(),
  'uploads:totals-changed': typed<QueueTotals>(),
  'library:changed': typed<Record<string, never>>(),
  'library:state-changed': typed<LibraryState>(),
  'folders:changed': typed<WatchedFolder[]>(),
  'folders:status-changed': typed<FolderStatus>(),
  'settings:changed': typed<AppSettings>(),
  /**
   * Something the person should know that belongs to no command (a store file recovered, …).
   * `lasting`: something saved was lost (damage in the data folder): shown until dismissed.
   */
  'app:notice': typed<{ level: 'info' | 'warning'; message: string; lasting?: boolean }>(),
} as const;

export type Commands = typeof commands;
export type { CommandName, EventName };
export type CommandRequest<N extends CommandName> = z.input<Commands[N]['request']>;
export type CommandResponse<N extends CommandName> = z.output<Commands[N]['response']>;
export type EventPayload<N extends EventName> = z.output<(typeof events)[N]>;

export { commandNames, eventNames, isCommandName };

/** Both ways: a command or event in a table but not in contract-names.ts (or the reverse) fails tsc. */
type Same<A, B> = [A] extends [B] ? ([B] extends [A] ? true : false) : false;
const _namesMatchTheTables: [Same<keyof Commands, CommandName>, Same<keyof typeof events, EventName>] = [
  true,
  true,
];

/** Errors cross every transport as data, never as stack traces. */
export interface CommandError {
  code: 'invalid-request' | 'unknown-command' | 'not-allowed' | 'failed';
  message: string;
}

export type CommandResult<N extends CommandName> =
  { ok: true; value: CommandResponse<N> } | { ok: false; error: CommandError };

/** Validates a request against its command's schema; the message says what is wrong, in words. */
export function parseRequest<N extends CommandName>(
  name: N,
  payload: unknown,
): z.output<Commands[N]['request']> {
  const result = commands[name].request.safeParse(payload ?? {});
  if (!result.success) {
    const issue = result.error.issues[0];
    throw new InvalidRequestError(
      `${name}: ${issue?.path.join('.') || 'request'} ${issue?.message ?? 'is invalid'}`,
    );
  }
  return result.data as z.output<Commands[N]['request']>;
}

export class InvalidRequestError extends Error {
  readonly code = 'invalid-request';
}
