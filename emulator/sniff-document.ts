import type { Sniffed } from './sniff.ts';

/**
 * Documents as assets (twelvelabs-js 1.3.4 `assets.create` docstring, reference §4): PDF, plain
 * text and Markdown, and "the extension must match the detected content", case-insensitively.
 * Plain text has no magic number, so text is only a document when its name says so; a PDF is one
 * by its `%PDF-` header, and must then be named `.pdf`.
 */
const EXTENSIONS: Record<string, 'pdf' | 'text/plain' | 'text/markdown'> = {
  pdf: 'pdf',
  txt: 'text/plain',
  md: 'text/markdown',
  markdown: 'text/markdown',
};

const PDF: Sniffed = { kind: 'document', mime: 'application/pdf', container: 'pdf' };
/** Text until the name says which text (or that it is not a document at all). */
const TEXT: Sniffed = { kind: 'document', mime: 'text/plain', container: 'text' };

/** Called only when the media sniffer found nothing: a PDF header, or bytes that read as UTF-8 text. */
export function sniffDocument(head: Buffer): Sniffed | undefined {
  // The PDF header may follow a little junk (ISO 32000-1 §7.5.2 readers look in the first 1024 bytes).
  const start = head.subarray(0, 1024).indexOf('%PDF-');
  if (start >= 0 && start < 1024) return PDF;
  return head.length > 0 && isText(head) ? TEXT : undefined;
}

/** UTF-8 (a sequence cut at the end of the head is fine) with no control bytes a text never has. */
function isText(head: Buffer): boolean {
  for (const byte of head)
    if ((byte < 0x20 && ![0x09, 0x0a, 0x0c, 0x0d].includes(byte)) || byte === 0x7f) return false;
  // Drop up to 3 trailing bytes of a character the head cut in two, then decode strictly.
  for (let cut = 0; cut <= 3 && cut < head.length; cut++) {
    try {
      new TextDecoder('utf-8', { fatal: true }).decode(head.subarray(0, head.length - cut));
      return true;
    } catch {
      // try one byte shorter
    }
  }
  return false;
}

export type DocumentDecision = { sniffed: Sniffed } | { problem: string };

/**
 * What the bytes and the name say together. A document whose name does not match it, or a name
 * that promises a document the bytes are not, is refused with the reason; text under another
 * name is no document (and fails processing like any other unsupported file).
 */
export function settleDocument(sniffed: Sniffed, filename: string): DocumentDecision {
  const dot = filename.lastIndexOf('.');
  const extension = dot > 0 ? filename.slice(dot + 1).toLowerCase() : '';
  const expected = EXTENSIONS[extension];
  const named = extension ? `.${extension}` : 'no extension';
  if (sniffed.container === 'pdf')
    return expected === 'pdf'
      ? { sniffed }
      : { problem: `The file is a PDF but its name has ${named}: a PDF must be named .pdf.` };
  if (sniffed.container === 'text') {
    if (expected === undefined)
      return { sniffed: { kind: undefined, mime: 'text/plain', container: 'text' } };
    if (expected === 'pdf') return { problem: 'The file is named .pdf but it is text, not a PDF.' };
    return { sniffed: { ...TEXT, mime: expected } };
  }
  if (expected)
    return {
      problem: `The file is named ${named} but its content is ${sniffed.kind ? `a ${sniffed.kind} (${sniffed.mime})` : 'not a document'}.`,
    };
  return { sniffed };
}
