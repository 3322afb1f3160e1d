import type { ByteView } from './byte-view.ts';

/**
 * Documents as assets (twelvelabs-js 1.3.4 `assets.create`, reference twelvelabs-api.md §4): PDF,
 * plain text and Markdown, and "the extension must match the detected content", case-insensitively.
 * Written from the PDF and UTF-8 specifications, independently of the emulator's own detector.
 */
export type DocumentMime = 'application/pdf' | 'text/plain' | 'text/markdown';

/** The extensions the platform takes for documents, and the content each one promises. */
export const DOCUMENT_EXTENSIONS: Readonly<Record<string, DocumentMime>> = {
  pdf: 'application/pdf',
  txt: 'text/plain',
  md: 'text/markdown',
  markdown: 'text/markdown',
};

/** The extension of a name, lower-cased, without its dot ('' for none, or a dot file's name). */
export function extensionOf(name: string): string {
  const dot = name.lastIndexOf('.');
  return dot > 0 ? name.slice(dot + 1).toLowerCase() : '';
}

/**
 * Where a PDF's header may start: ISO 32000-1 §7.5.2 puts it first, and readers (and the
 * platform's emulator) also take a little junk before it, within the first 1024 bytes.
 */
const PDF_HEADER_WITHIN = 1024;

/**
 * Whether the head is a PDF's: `%PDF-` then a version that exists (1.0–1.7, 2.0), then at least
 * one indirect object (`1 0 obj`) in the bytes at hand. A real PDF's first object follows the
 * header within a few hundred bytes (the catalog, or a linearization dictionary); the object
 * check is what tells a real file from a five-byte "%PDF-" or a text that quotes a header.
 */
export function isPdf(view: ByteView): boolean {
  // The whole `%PDF-` within those bytes, as the platform's model (the Sandbox) reads it: a header
  // starting at byte 1020 is refused there, so it is not taken here either.
  const start = view.bytes.subarray(0, PDF_HEADER_WITHIN).indexOf('%PDF-');
  if (start < 0) return false;
  const version = view.ascii(start + 5, start + 8);
  if (!/^(1\.[0-7]|2\.0)$/.test(version)) return false;
  const after = view.ascii(start + 8, view.length);
  // What follows the version is a line end (or a space before one), never more digits ("1.45").
  if (!/^[\r\n \t%]/.test(after)) return false;
  return /(^|[\s>\]])\d{1,10}[ \t\r\n]+\d{1,5}[ \t\r\n]+obj\b/.test(after);
}

/**
 * Whether the head reads as UTF-8 text: no NUL nor C0 control but tab, line feed, form feed and
 * carriage return (nor DEL), and valid UTF-8 sequences. A byte-order mark is fine. A character cut
 * at the end of the head is fine only when the file goes on past it (`view.size` says so).
 */
export function isUtf8Text(view: ByteView): boolean {
  const bytes = view.bytes;
  if (bytes.length === 0) return false;
  for (const byte of bytes)
    if ((byte < 0x20 && byte !== 0x09 && byte !== 0x0a && byte !== 0x0c && byte !== 0x0d) || byte === 0x7f)
      return false;
  const cutAllowed = view.size > bytes.length ? 3 : 0;
  for (let cut = 0; cut <= cutAllowed && cut < bytes.length; cut++) {
    try {
      new TextDecoder('utf-8', { fatal: true }).decode(bytes.subarray(0, bytes.length - cut));
      return true;
    } catch {
      // A sequence cut by the end of the head: try again without its first bytes.
    }
  }
  return false;
}

/** How the content is described in a message. */
export const DOCUMENT_WORDS: Readonly<Record<DocumentMime, string>> = {
  'application/pdf': 'a PDF',
  'text/plain': 'plain text',
  'text/markdown': 'Markdown text',
};

/** The usual extension of a media type, for "rename it to …" (only where one is usual). */
export const MEDIA_EXTENSION: Readonly<Record<string, string>> = {
  'video/mp4': 'mp4',
  'video/quicktime': 'mov',
  'video/webm': 'webm',
  'video/x-matroska': 'mkv',
  'video/x-msvideo': 'avi',
  'video/x-flv': 'flv',
  'video/mp2t': 'ts',
  'video/mpeg': 'mpg',
  'video/ogg': 'ogv',
  'audio/mpeg': 'mp3',
  'audio/wav': 'wav',
  'audio/flac': 'flac',
  'audio/ogg': 'ogg',
  'audio/aac': 'aac',
  'audio/mp4': 'm4a',
  'image/png': 'png',
  'image/jpeg': 'jpg',
  'image/gif': 'gif',
  'image/bmp': 'bmp',
  'image/tiff': 'tiff',
  'image/webp': 'webp',
  'image/heic': 'heic',
  'image/avif': 'avif',
};

/** What every refusal of an unsupported file says the platform takes. */
export const SUPPORTED_TYPES =
  'Supported: video, audio and image files, PDF (.pdf), plain text (.txt) and Markdown (.md, .markdown); the content is checked, not only the name.';
