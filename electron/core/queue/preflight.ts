import { stat } from 'node:fs/promises';
import { basename } from 'node:path';
import type { MediaKind } from '../../shared/domain.ts';
import { detectType, readHeader } from '../media/detect-type.ts';
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

/** Checks a local file against everything the platform will check, before a byte is sent. */
export async function preflightFile(path: string): Promise<PreparedFile> {
  const name = basename(path);
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
  const type = detectType(header);
  if (!type)
    throw new InputRejected(
      `${name} is not a video, audio or image file TwelveLabs accepts (its content was checked, not its name).`,
    );
  const choice = chooseMethod(type.kind, info.size);
  if ('tooLarge' in choice)
    throw new InputRejected(
      `${name} is ${formatBytes(info.size)}; ${type.kind} files can be at most ${formatBytes(choice.tooLarge)}.` +
        // A URL upload takes less (4 GB), so splitting is the only way.
        (type.kind !== 'image' ? ` Split it into parts of at most ${formatBytes(choice.tooLarge)}.` : ''),
    );
  return { size: info.size, mtimeMs: info.mtimeMs, kind: type.kind, mime: type.mime, method: choice.method };
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
