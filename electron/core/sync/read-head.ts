import { close, constants, open, read } from 'node:fs';
import { HEADER_BYTES, type FileHead } from '../media/detect-type.ts';

/**
 * The head of a file whose size a stat just gave (a scan's or a stability check's): open, read,
 * close, with plain callbacks. readHeader() asks the file's size again (one more trip to the
 * thread pool) and goes through a FileHandle, whose making and closing cost the main thread more
 * than the read itself: at 100,000 files both showed at the top of a first scan's profile.
 */
export function readHead(path: string, size: number): Promise<FileHead> {
  return new Promise((resolve, reject) => {
    open(path, constants.O_RDONLY | (constants.O_NONBLOCK ?? 0), (openError, fd) => {
      if (openError) return reject(openError);
      const bytes = Buffer.allocUnsafe(HEADER_BYTES);
      read(fd, bytes, 0, HEADER_BYTES, 0, (readError, bytesRead) => {
        close(fd, (closeError) => {
          if (readError || closeError) return reject(readError ?? closeError);
          // A file that grew after the stat: what was read is there, so the size is at least that.
          resolve({ bytes: bytes.subarray(0, bytesRead), size: Math.max(size, bytesRead) });
        });
      });
    });
  });
}
