import { randomBytes } from 'node:crypto';
import { fileRange, type FileIdentity } from './file-range.ts';

export interface FormFile {
  field: string;
  path: string;
  size: number;
  /** The name in the part header; the platform keeps the separate `filename` field, if sent. */
  name: string;
  /** Fail the upload if the file is modified while it is sent. */
  expected?: FileIdentity;
}

/**
 * A multipart/form-data body streamed from disk, with its exact length known up front, so the
 * request carries a Content-Length (no chunked encoding) and memory stays flat whatever the size.
 */
export interface FormBody {
  contentType: string;
  length: number;
  /**
   * A fresh stream of the whole body: call once per attempt. File chunks share one buffer, so
   * consume each chunk before asking for the next (see fileRange).
   */
  open(): AsyncIterable<Uint8Array>;
}

export function formBody(
  fields: Array<[string, string]>,
  file?: FormFile,
  fileAfterField = 'method',
): FormBody {
  // Like curl's, but longer: dashes and hex digits only. A server finds the boundary with a
  // Boyer-Moore-style search whose skips grow with the boundary's length and shrink with each
  // distinct character in it; a boundary with words in it cost the emulator a third more CPU per
  // byte than curl's on the same file.
  const boundary = `${'-'.repeat(24)}${randomBytes(20).toString('hex')}`;
  const fieldPart = (name: string, value: string) =>
    Buffer.from(
      `--${boundary}\r\nContent-Disposition: form-data; name="${escapeQuoted(name)}"\r\n\r\n${value}\r\n`,
    );
  // Same order as the official SDK: method, then the file, then the other fields.
  const before: Buffer[] = [];
  const after: Buffer[] = [];
  let fileSeen = false;
  for (const [name, value] of fields) {
    (fileSeen ? after : before).push(fieldPart(name, value));
    if (name === fileAfterField) fileSeen = true;
  }
  const fileHead = file
    ? Buffer.from(
        `--${boundary}\r\nContent-Disposition: form-data; name="${escapeQuoted(file.field)}"; filename="${escapeQuoted(file.name)}"\r\nContent-Type: application/octet-stream\r\n\r\n`,
      )
    : Buffer.alloc(0);
  const fileTail = file ? Buffer.from('\r\n') : Buffer.alloc(0);
  const head = Buffer.concat([...before, fileHead]);
  const tail = Buffer.concat([fileTail, ...after, Buffer.from(`--${boundary}--\r\n`)]);
  return {
    contentType: `multipart/form-data; boundary=${boundary}`,
    length: head.length + (file?.size ?? 0) + tail.length,
    async *open() {
      yield head;
      if (file) yield* fileRange(file.path, 0, file.size, file.expected);
      yield tail;
    },
  };
}

/** Escapes a name for a quoted header parameter, as browsers do (WHATWG "multipart/form-data"). */
function escapeQuoted(value: string): string {
  return value.replace(/\r/g, '%0D').replace(/\n/g, '%0A').replace(/"/g, '%22');
}
