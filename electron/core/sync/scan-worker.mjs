// Lists watched folders and reads the heads of their files in a worker thread, with synchronous
// calls: the scan of scan-client.ts / folder-scan.ts. Plain JavaScript so that it loads in any
// runtime (Node, Electron, tests) without a TS loader; the desktop build ships it unpacked.
//
// Why a thread (issue 18): on the main thread, each file of a first scan cost a stat and an open,
// a read and a close of its head, each a promise or callback round trip to the thread pool; at
// 100,000 files those round trips, not the disk, were most of the time to queue them (8× a bare
// walk of the tree). Here a stat or a head read is a plain call, and the main thread gets a batch
// of answers in one message. A slow disk blocks this thread, never the app's.
//
// Requests: { op: 'scan', id, ... } lists one tree a batch at a time ({ op: 'next', id } asks for
// the next one, { op: 'cancel', id } drops it); { op: 'heads', id, paths } reads heads (paths
// joined by NUL, which no path contains); { op: 'spare', bytes } gives back the buffer of heads
// read earlier, for the next heads to be read into.
// Between two batches the thread handles other requests: heads asked for during a scan wait for
// at most one batch.
import { closeSync, constants, opendirSync, openSync, readSync, statSync } from 'node:fs';
import { basename, join, relative, sep } from 'node:path';
import { parentPort } from 'node:worker_threads';
import { folderExclusion, nameIgnorer } from './folder-exclusion.mjs';

/** Files per batch, and the longest a batch keeps this thread from other requests. */
const BATCH_FILES = 500;
const BATCH_MS = 20;
const READ_FLAGS = constants.O_RDONLY | (constants.O_NONBLOCK ?? 0);

/** Scans under way, by request id. */
const scans = new Map();
/**
 * Buffers of heads the main thread gave back once it had looked at them, kept for the next
 * reads: a first scan of 100,000 files read 400 MB of heads into new buffers, each freed only
 * when the main thread's GC came round to it (tens of MB of its resident memory at any time).
 */
const spares = [];
const MAX_SPARES = 4;

function startScan(request) {
  const ignoredName = nameIgnorer(request.names);
  const pathRules = request.paths.map((source) => new RegExp(source, 'i'));
  const scan = {
    ...request,
    pending: [request.start],
    handle: undefined,
    dir: undefined,
    excludedFolder: folderExclusion(request),
    // As IgnoreRules.ignores (ignore-rules.ts): a name rule on any part, or a path rule on the whole.
    ignores: (rel) => rel.split('/').some(ignoredName) || pathRules.some((r) => r.test(rel)),
  };
  scans.set(request.id, scan);
  step(scan);
}

/** Lists and stats files until a batch is full (or the tree is done), and sends it. */
function step(scan) {
  const out = { paths: [], rels: [], sizes: [], mtimes: [], problems: [], ignored: 0 };
  const since = performance.now();
  try {
    while (out.paths.length < BATCH_FILES && performance.now() - since < BATCH_MS) {
      if (!scan.handle && !openNext(scan, out)) break;
      const entry = scan.handle.readSync();
      if (entry === null) {
        scan.handle.closeSync();
        scan.handle = undefined;
        continue;
      }
      const path = join(scan.dir, entry.name);
      const rel = relative(scan.root, path).split(sep).join('/');
      if (scan.ignores(rel)) {
        out.ignored++;
        continue;
      }
      if (entry.isDirectory()) {
        // Symlinks are neither files nor directories here: never followed below the start.
        if (scan.recursive) scan.pending.push(path);
        continue;
      }
      if (!entry.isFile()) continue;
      let info;
      try {
        info = statSync(path);
      } catch (error) {
        // Gone since it was listed is no problem; unreadable is, like an unreadable folder.
        const code = problemCode(error, entry.name);
        if (code) out.problems.push([path, code]);
        continue;
      }
      if (!info.isFile()) continue;
      out.paths.push(path);
      out.rels.push(rel);
      out.sizes.push(info.size);
      out.mtimes.push(info.mtimeMs);
    }
  } catch (error) {
    // The start itself could not be read: the whole scan fails, and says why.
    scan.handle?.closeSync();
    scans.delete(scan.id);
    parentPort.postMessage({ id: scan.id, type: 'failed', code: error.code, message: error.message });
    return;
  }
  const done = !scan.handle && scan.pending.length === 0;
  if (done) scans.delete(scan.id);
  // Joined into one string each: one string crosses threads far cheaper than an array of many.
  parentPort.postMessage({
    id: scan.id,
    type: 'files',
    done,
    paths: out.paths.join('\0'),
    rels: out.rels.join('\0'),
    sizes: Float64Array.from(out.sizes),
    mtimes: Float64Array.from(out.mtimes),
    problems: out.problems,
    ignored: out.ignored,
  });
}

/** Opens the next folder to list; false when none is left. Throws when the start is unreadable. */
function openNext(scan, out) {
  while (scan.pending.length > 0) {
    const dir = scan.pending.pop();
    // Symlinks are not followed below the start, so a folder's real path is the start's plus the rest.
    const real = dir === scan.start ? scan.realStart : join(scan.realStart, relative(scan.start, dir));
    if (scan.excludedFolder(dir, undefined, real)) continue;
    try {
      scan.handle = opendirSync(dir, { bufferSize: 64 });
      scan.dir = dir;
      return true;
    } catch (error) {
      if (dir === scan.start) throw error;
      const code = problemCode(error, basename(dir));
      if (code) out.problems.push([dir, code]);
    }
  }
  return false;
}

/**
 * Why an entry just listed could not be opened or read, or undefined when that is no problem: gone
 * since it was listed (removed under the scan) is none. A name that is not UTF-8 is listed with
 * U+FFFD in place of its bytes, a name no file on disk has: found by no name, it would be dropped
 * in silence, so it is said as such (EILSEQ: the name cannot be decoded).
 */
function problemCode(error, name) {
  if (error.code !== 'ENOENT') return error.code ?? 'unreadable';
  return name.includes('\uFFFD') ? 'EILSEQ' : undefined;
}

/**
 * The first `headBytes` of each file (one buffer, `headBytes` apart: the caller's HEADER_BYTES, what
 * type detection reads), how many were read, or why none could be.
 */
function readHeads({ id, paths: joined, headBytes }) {
  const paths = joined.split('\0');
  // Its own memory, not a slice of a shared pool: it is handed to the main thread, not copied.
  const wanted = paths.length * headBytes;
  const spare = spares.findIndex((candidate) => candidate.byteLength >= wanted);
  const buffer = spare >= 0 ? spares.splice(spare, 1)[0] : new ArrayBuffer(wanted);
  const bytes = Buffer.from(buffer);
  const lengths = new Int32Array(paths.length);
  const codes = new Array(paths.length).fill(null);
  for (let i = 0; i < paths.length; i++) {
    let fd;
    try {
      // Without blocking: a file swapped for a named pipe since its stat would otherwise wait forever.
      fd = openSync(paths[i], READ_FLAGS);
      lengths[i] = readSync(fd, bytes, i * headBytes, headBytes, 0);
    } catch (error) {
      codes[i] = error.code ?? 'EIO';
    } finally {
      if (fd !== undefined)
        try {
          closeSync(fd);
        } catch (error) {
          codes[i] ??= error.code ?? 'EIO';
        }
    }
  }
  parentPort.postMessage({ id, type: 'heads', lengths, codes, bytes: buffer }, [buffer]);
}

parentPort.on('message', (message) => {
  if (message.op === 'scan') return startScan(message);
  if (message.op === 'heads') return readHeads(message);
  if (message.op === 'spare') {
    if (spares.length < MAX_SPARES) spares.push(message.bytes);
    return;
  }
  const scan = scans.get(message.id);
  if (!scan) return;
  if (message.op === 'next') return step(scan);
  // 'cancel': the consumer stopped reading.
  scan.handle?.closeSync();
  scans.delete(message.id);
});
