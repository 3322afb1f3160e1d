import type { UploadOptions } from '../../shared/domain.ts';
import type { QueueItemView } from '../../shared/queue-types.ts';
import type { MultipartHandle } from '../api/multipart-upload.ts';

/** What the queue persists per item: the view the UI gets, plus what resuming needs. */
export interface ItemRecord extends Omit<QueueItemView, 'progress'> {
  /** Scheduling order: lower first (move-to-top gives the lowest). */
  order: number;
  mtimeMs?: number;
  mime?: string;
  /** When the current create-asset request was sent: a crash after it is reconciled, not re-sent blindly. */
  attemptStartedAt?: number;
  /** The request's whole body was handed over: the platform may be creating the asset right now. */
  attemptBodySent?: boolean;
  multipart?: MultipartHandle;
  /** Where `waiting` and `paused` return to. */
  resumeTo?: 'queued' | 'processing';
  pausedBy?: 'user' | 'all';
  /** Consecutive transient failures: the next wait grows with it. */
  failures?: number;
  /** "Upload anyway": skip the duplicate check once. */
  forceUpload?: boolean;
  /**
   * The watched folder's name, when its uploads carry their place in it as metadata
   * (`source_folder`, and `relative_path` from `origin`): joined to the options when sent
   * (uploadOptions), not kept in each of 100,000 items' options (two objects each).
   */
  sourceFolder?: string;
}

/** The view sent to the UI: internals left out. */
export function toView(record: ItemRecord, progress?: QueueItemView['progress']): QueueItemView {
  const {
    order: _order,
    mtimeMs: _mtime,
    mime: _mime,
    attemptStartedAt: _attempt,
    attemptBodySent: _bodySent,
    multipart: _multipart,
    resumeTo: _resumeTo,
    pausedBy: _pausedBy,
    failures: _failures,
    forceUpload: _force,
    sourceFolder,
    ...view
  } = record;
  if (sourceFolder !== undefined) view.options = uploadOptions(record);
  return progress ? { ...view, progress } : view;
}

/** The options an item is uploaded with: a watched-folder item's path metadata joins its own. */
export function uploadOptions(record: ItemRecord): UploadOptions {
  if (record.sourceFolder === undefined || !record.origin) return record.options;
  return {
    ...record.options,
    userMetadata: {
      ...record.options.userMetadata,
      source_folder: record.sourceFolder,
      relative_path: record.origin.relativePath,
    },
  };
}
