import { createReadStream } from 'node:fs';
import { AbortedError } from '../api/errors.ts';
import { InputRejected } from './preflight.ts';

/**
 * A text document (.txt, .md) is judged on its head when it is added (classifyFile, 4 KiB), but
 * the platform judges the bytes it receives, more than that head: a file that starts as text and
 * has a NUL or another control byte further on (a log with binary junk, a half-converted UTF-16
 * file) is refused there after the whole upload. Before a byte is sent, the whole file is read
 * once as UTF-8 (documents are at most 200 MB; most are a few KB, already in the page cache from
 * the hash): the same rule as the head's (isUtf8Text), over every byte.
 */
export async function requireWholeText(path: string, name: string, signal: AbortSignal): Promise<void> {
  try {
    await readAsText(path, name, signal);
  } catch (error) {
    if (error instanceof InputRejected) throw error;
    if (signal.aborted) throw new AbortedError();
    throw new InputRejected(`${name} could not be read: ${(error as Error).message}`);
  }
}

async function readAsText(path: string, name: string, signal: AbortSignal): Promise<void> {
  const decoder = new TextDecoder('utf-8', { fatal: true });
  let at = 0;
  for await (const chunk of createReadStream(path, { highWaterMark: 1024 * 1024, signal })) {
    const bytes = chunk as Buffer;
    const bad = bytes.findIndex(
      (b) => (b < 0x20 && b !== 0x09 && b !== 0x0a && b !== 0x0c && b !== 0x0d) || b === 0x7f,
    );
    if (bad >= 0)
      throw notText(
        name,
        `byte ${at + bad} is a control character (0x${bytes[bad]!.toString(16).padStart(2, '0')})`,
      );
    try {
      decoder.decode(bytes, { stream: true });
    } catch {
      throw notText(name, `it is not valid UTF-8 after byte ${at}`);
    }
    at += bytes.length;
  }
  try {
    decoder.decode(); // a character cut by the end of the file
  } catch {
    throw notText(name, 'it ends inside a UTF-8 character');
  }
}

const notText = (name: string, why: string) =>
  new InputRejected(
    `${name} is not plain text throughout: ${why}. TwelveLabs takes .txt and .md files only as UTF-8 text; nothing was uploaded.`,
  );
