import { constants } from 'node:fs';
import { open } from 'node:fs/promises';
import type { MediaKind } from '../../shared/domain.ts';
import { ByteView } from './byte-view.ts';
import {
  DOCUMENT_EXTENSIONS,
  DOCUMENT_WORDS,
  extensionOf,
  isPdf,
  isUtf8Text,
  MEDIA_EXTENSION,
  SUPPORTED_TYPES,
} from './detect-document.ts';
import { sniffFlac, sniffMpegAudio, sniffOgg } from './sniff-audio.ts';
import {
  sniffEbml,
  sniffFlv,
  sniffIsoBmff,
  sniffM2ts,
  sniffMpegPs,
  sniffMpegTs,
  sniffRiff,
} from './sniff-containers.ts';
import { sniffBmp, sniffGif, sniffJpeg, sniffPng, sniffTiff } from './sniff-image.ts';

export interface DetectedType {
  kind: MediaKind;
  mime: string;
}

/**
 * How many leading bytes detection reads: enough for every structural check (MPEG audio frames
 * are at most 1,729 bytes, so the second frame header is in reach; 21 transport stream packets),
 * and still one or two pages of disk per file when a folder of 100,000 files is scanned.
 */
export const HEADER_BYTES = 4096;

/** A file's first bytes and its real size: several checks compare sizes inside with the file's. */
export interface FileHead {
  bytes: Buffer;
  size: number;
}

/**
 * The media the platform accepts, each recognised by the structure its first bytes imply, never
 * by the name's extension (a renamed text file is not a video; a video named .bin still is), and
 * never by a magic number alone (a text that starts with "G" or "BM" is still text). Written from
 * the file-format specifications, independently of the emulator's own detector.
 */
const DETECTORS: Array<(h: ByteView) => DetectedType | undefined> = [
  sniffIsoBmff,
  sniffEbml,
  sniffRiff,
  sniffFlv,
  sniffMpegPs,
  sniffMpegTs,
  sniffM2ts,
  sniffPng,
  sniffJpeg,
  sniffGif,
  sniffBmp,
  sniffTiff,
  sniffFlac,
  sniffOgg,
  sniffMpegAudio,
];

/**
 * What a file is, from its head. A bare Buffer is taken to be the whole file (tests, small
 * files); `readHeader` gives the first bytes of a bigger one together with its size. Without a
 * name only media is recognised (a document is one only when its name matches its content);
 * with the name the platform will see, documents too, and a mismatch is undefined
 * (`classifyFile` says why).
 */
export function detectType(head: Buffer | FileHead, name?: string): DetectedType | undefined {
  if (name === undefined) return detectMedia(viewOf(head));
  const result = classifyFile(head, name);
  return 'type' in result ? result.type : undefined;
}

const viewOf = (head: Buffer | FileHead) =>
  Buffer.isBuffer(head) ? new ByteView(head, head.length) : new ByteView(head.bytes, head.size);

function detectMedia(view: ByteView): DetectedType | undefined {
  if (view.length < 4 || !hasBinaryByte(view.bytes)) return undefined;
  for (const detect of DETECTORS) {
    const hit = detect(view);
    if (hit) return hit;
  }
  return undefined;
}

/** A file's type, or why the platform would refuse it, in words a person can act on. */
export type Classified = { type: DetectedType } | { refused: string };

/**
 * What the content and the name say together, as the platform judges them: media by its bytes
 * whatever its name (a video named .bin still is one), except under a document's extension,
 * which must hold that document ("the extension must match the detected content", JS 1.3.4); a
 * PDF only as .pdf; UTF-8 text only as .txt, .md or .markdown. A text under a media extension
 * stays text, never a video (no binary byte: detectMedia).
 */
export function classifyFile(head: Buffer | FileHead, name: string): Classified {
  const view = viewOf(head);
  const extension = extensionOf(name);
  const promised = DOCUMENT_EXTENSIONS[extension];
  const named = extension ? `its name ends in .${extension}` : 'its name has no extension';
  const media = detectMedia(view);
  if (media) {
    if (!promised) return { type: media };
    const usual = MEDIA_EXTENSION[media.mime];
    return {
      refused:
        `${name} is named .${extension} but its content is ${media.kind === 'image' ? 'an' : 'a'} ${media.kind} file (${media.mime}), not ${DOCUMENT_WORDS[promised]}: ` +
        `TwelveLabs requires the extension to match the content. Rename it${usual ? ` to .${usual}` : ' with its format’s extension'} to upload it.`,
    };
  }
  if (isPdf(view)) {
    if (promised === 'application/pdf') return { type: { kind: 'document', mime: 'application/pdf' } };
    return {
      refused: `${name} is a PDF but ${named}: TwelveLabs takes a PDF only when it is named .pdf. Rename it to .pdf to upload it.`,
    };
  }
  if (isUtf8Text(view)) {
    if (promised === 'text/plain' || promised === 'text/markdown')
      return { type: { kind: 'document', mime: promised } };
    if (promised === 'application/pdf')
      return {
        refused: `${name} is named .pdf but its content is plain text, not a PDF. Rename it to .txt (or .md for Markdown) to upload it as text.`,
      };
    return {
      refused: `${name} is not a video, audio or image file TwelveLabs accepts: its content is text, and ${named}, while text is taken only as .txt, .md or .markdown. ${SUPPORTED_TYPES}`,
    };
  }
  if (promised)
    return {
      refused: `${name} is named .${extension} but its content is not ${DOCUMENT_WORDS[promised]}${promised === 'application/pdf' ? '' : ' (it is not UTF-8 text)'} nor any other type TwelveLabs accepts.`,
    };
  return {
    refused: `${name} is not a video, audio or image file TwelveLabs accepts, nor a PDF or text document. ${SUPPORTED_TYPES}`,
  };
}

/**
 * Every format above has binary fields (sizes with zero bytes, sync words, flags) in its first
 * bytes; a text never has C0 control characters other than tab, line breaks, form feed and
 * escape. A head without any is text, whatever signature it seems to carry: the last guard
 * against a text crafted to match a structure (lines of exactly 188 bytes that start with "G").
 */
function hasBinaryByte(bytes: Buffer): boolean {
  for (const byte of bytes)
    if (
      (byte < 0x20 && byte !== 0x09 && byte !== 0x0a && byte !== 0x0c && byte !== 0x0d && byte !== 0x1b) ||
      byte === 0x7f
    )
      return true;
  return false;
}

/**
 * The first HEADER_BYTES of a file and its size (from the open handle, so they agree). Opened
 * without blocking: a file swapped for a named pipe between a scan's stat and this open would
 * otherwise wait for a writer forever; anything but a regular file reads as empty.
 */
export async function readHeader(path: string): Promise<FileHead> {
  const file = await open(path, constants.O_RDONLY | (constants.O_NONBLOCK ?? 0));
  try {
    // Size and bytes asked for together: one round trip to the thread pool per file, not two
    // (a folder's first scan reads the head of every file in it).
    const buf = Buffer.alloc(HEADER_BYTES);
    const [info, read] = await Promise.all([
      file.stat(),
      // A pipe or a device cannot be read this way (EAGAIN, ESPIPE): the stat says what it is.
      file.read(buf, 0, buf.length, 0).catch((error: unknown) => error as Error),
    ]);
    if (!info.isFile()) return { bytes: Buffer.alloc(0), size: 0 };
    if (read instanceof Error) throw read;
    // A file that grew after the stat: what was read is there, so the size is at least that.
    return { bytes: buf.subarray(0, read.bytesRead), size: Math.max(info.size, read.bytesRead) };
  } finally {
    await file.close();
  }
}
