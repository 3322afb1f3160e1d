import { DOCUMENT_EXTENSIONS, extensionOf, type DocumentMime } from '../media/detect-document.ts';
import type { ItemRecord } from './item-record.ts';

/**
 * Documents (PDF, text, Markdown) cannot be indexed: an index's models are Marengo 3.0 and Pegasus
 * 1.2, and every requirement the reference gives for them is a video's or an audio's (duration,
 * resolution, tracks: twelvelabs-indexes.md §4); nothing documents indexing a document, and the
 * Sandbox fails one ("indexes video and audio, not documents").
 *
 * So a document whose upload names an index is uploaded without indexing, and the item says so
 * (`indexing.skipped`), instead of being stopped with "Upload without indexing" offered. Why: the
 * index is mostly inherited (a batch's choice, a watched folder's, Settings' default) rather than
 * chosen for this one file; a PDF dropped among videos, or saved into a folder indexed by default,
 * would otherwise sit refused until someone clicks the only answer there is, and a watched
 * folder would hold it forever. The upload is what the person asked for first; it is done, and
 * the reason it went no further is on the item.
 *
 * Known before a byte is sent, from the name alone: the platform takes a document only when its
 * name's extension matches its content (preflight.ts refuses any other), so an upload named
 * .pdf, .txt, .md or .markdown that succeeds is a document, and one named otherwise is not. That
 * holds for a URL too, whose content the app never reads.
 */
export function notIndexable(item: Pick<ItemRecord, 'name' | 'kind' | 'mime'>): string | undefined {
  const reason = documentNotIndexable(item);
  return reason && `Uploaded without indexing: ${reason}`;
}

/**
 * Why a document cannot go into an index, or undefined for anything else: by its name's extension,
 * its kind, or its MIME type (an asset from the library has a file type, not a kind).
 */
export function documentNotIndexable(what: {
  name: string;
  kind?: string;
  mime?: string;
}): string | undefined {
  const named = DOCUMENT_EXTENSIONS[extensionOf(what.name)];
  const mimeIsDocument = what.mime !== undefined && Object.hasOwn(PLURAL, what.mime);
  if (!named && what.kind !== 'document' && !mimeIsDocument) return undefined;
  const mime = named ?? (what.mime as DocumentMime);
  return `${PLURAL[mime] ?? 'documents'} cannot be indexed (indexes take video and audio).`;
}

const PLURAL: Partial<Record<DocumentMime, string>> = {
  'application/pdf': 'PDFs',
  'text/plain': 'text files',
  'text/markdown': 'Markdown files',
};

/**
 * An item that named an index and is not indexed: the reason on its indexing, for every view. A
 * duplicate (`uploaded: false`, duplicate-index.ts) sent nothing, so it is "not indexed" rather
 * than "uploaded without indexing".
 */
export function noteNotIndexed(item: ItemRecord, { uploaded = true } = {}): void {
  const indexId = item.options.indexId;
  const document = indexId ? documentNotIndexable(item) : undefined;
  if (!indexId || !document) return;
  const reason = uploaded ? `Uploaded without indexing: ${document}` : `Not indexed: ${document}`;
  item.indexing = { ...(item.indexing?.indexId === indexId ? item.indexing : { indexId }), skipped: reason };
}
