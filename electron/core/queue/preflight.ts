import { stat } from 'node:fs/promises';
import { basename } from 'node:path';
import type { MediaKind } from '../../shared/domain.ts';
import { classifyFile, readHeader } from '../media/detect-type.ts';
import { formatBytes } from '../../shared/format.ts';
import { chooseMethod, LIMITS, type UploadMethod } from '../media/limits.ts';

export interface PreparedFile {
  size: number;
  mtimeMs: number;
  kind: MediaKind;
  mime: string;
  method: UploadMethod;
}

/** A problem with the input itself: permanent, with a message a person can act on. */
export class InputRejected extends Error {
  constructor(
    message: string,
    /** The file is not there (yet): the item waits for it rather than failing. */
    readonly missing = false,
  ) {
    super(message);
    this.name = 'InputRejected';
  }
}

export interface PreflightOptions {
  /**
   * The name the upload will carry (the `filename` sent, else the file's own name): the platform
   * checks a document's extension against its content on that name, so the preflight does too.
   */
  name?: string;
}

/** Checks a local file against everything the platform will check, before a byte is sent. */
export async function preflightFile(path: string, options: PreflightOptions = {}): Promise<PreparedFile> {
  const name = options.name ?? basename(path);
  const info = await stat(path).catch((error: NodeJS.ErrnoException) => {
    if (error.code === 'ENOENT' || error.code === 'ENOTDIR')
      throw new InputRejected(`${name} was not found. It may have been moved or deleted.`, true);
    if (error.code === 'EACCES' || error.code === 'EPERM')
      throw new InputRejected(`${name} cannot be read: permission denied.`);
    throw new InputRejected(`${name} cannot be read (${error.code}).`);
  });
  if (info.isDirectory())
    throw new InputRejected(`${name} is a folder. Add it as a folder to upload what it contains.`);
  if (!info.isFile()) throw new InputRejected(`${name} is not a regular file.`);
  if (info.size === 0) throw new InputRejected(`${name} is empty.`);
  const header = await readHeader(path).catch((error: NodeJS.ErrnoException) => {
    throw new InputRejected(
      error.code === 'EACCES' || error.code === 'EPERM'
        ? `${name} cannot be read: permission denied.`
        : `${name} cannot be read (${error.code}).`,
    );
  });
  const classified = classifyFile(header, name);
  if ('refused' in classified) throw new InputRejected(classified.refused);
  const { type } = classified;
  const choice = chooseMethod(type.kind, info.size);
  if ('tooLarge' in choice)
    throw new InputRejected(tooLargeMessage(name, info.size, type.kind, choice.tooLarge));
  return { size: info.size, mtimeMs: info.mtimeMs, kind: type.kind, mime: type.mime, method: choice.method };
}

function tooLargeMessage(name: string, size: number, kind: MediaKind, limit: number): string {
  const over = `${name} is ${formatBytes(size)}; `;
  // Documents have no multipart upload: 200 MB from disk, 512 MB when the platform fetches a URL.
  if (kind === 'document')
    return `${over}documents uploaded from this computer can be at most ${formatBytes(limit)}. Split it, or put it at an https URL (up to ${formatBytes(LIMITS.document.url)}) and add the link.`;
  // A URL upload takes less (4 GB) than multipart, so splitting is the only way for video and audio.
  return `${over}${kind} files can be at most ${formatBytes(limit)}.${kind !== 'image' ? ` Split it into parts of at most ${formatBytes(limit)}.` : ''}`;
}

/** Checks a URL for `method=url` (syntax only: the platform downloads it). */
export function validateMediaUrl(raw: string): string {
  const text = raw.trim();
  let url: URL;
  try {
    url = new URL(text);
  } catch {
    throw new InputRejected(
      `"${text.slice(0, 80)}" is not a URL. Paste a full address such as https://example.com/video.mp4.`,
    );
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:')
    throw new InputRejected(
      `${url.protocol} links cannot be fetched by TwelveLabs; use an http or https URL of the media file.`,
    );
  if (!url.hostname) throw new InputRejected(`"${text}" has no host name.`);
  if (url.username || url.password)
    throw new InputRejected(
      'URLs with a user name or password are not supported: the platform fetches the file publicly.',
    );
  return url.toString();
}

/**
 * A URL as it may be shown or printed back (a refusal's `input`: the dialog, the CLI's terminal and
 * --json): without a user name and password, which are never repeated anywhere.
 */
export function urlForDisplay(raw: string): string {
  const text = raw.trim();
  if (!URL.canParse(text)) return text;
  const url = new URL(text);
  if (!url.username && !url.password) return text;
  url.username = '';
  url.password = '';
  return url.toString();
}

export function filenameFromUrl(url: string): string {
  const u = new URL(url);
  const segment = u.pathname.split('/').filter(Boolean).pop() ?? '';
  let last = segment;
  try {
    last = decodeURIComponent(segment);
  } catch {
    // Bad percent-encoding (`%E0%A4%A`): the name is the segment as written; the URL stays valid.
  }
  return (last || u.hostname).slice(0, LIMITS.filenameLength);
}
