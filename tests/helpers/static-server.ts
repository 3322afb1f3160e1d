import { createReadStream } from 'node:fs';
import { stat } from 'node:fs/promises';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { join, normalize } from 'node:path';

export interface ServeOptions {
  /**
   * 'ignore' (default): every request gets 200 and the whole file, Range or not, as many servers
   * do. 'serve': a Range request gets 206 and those bytes. A number: a Range request gets that
   * status (a server failing the probe), a plain GET the file.
   */
  ranges?: 'ignore' | 'serve' | number;
}

/** One answered request, logged once its response closed. */
export interface Served {
  path: string;
  range?: string;
  status: number;
  userAgent?: string;
  /** Every request header's name, to prove what a client did not send. */
  headerNames: string[];
  /** Bytes of the file read into the response (stops when the client goes away). */
  bytesSent: number;
}

/** Serves a folder on 127.0.0.1, as a public web server would, for URL uploads. */
export async function serveFolder(
  root: string,
  options: ServeOptions = {},
): Promise<{ origin: string; served: Served[]; close: () => Promise<void> }> {
  const served: Served[] = [];
  const server = createServer(async (req, res) => {
    const path = normalize(join(root, decodeURIComponent(new URL(req.url ?? '/', 'http://x').pathname)));
    if (!path.startsWith(root)) return void res.writeHead(403).end();
    const range = req.headers.range;
    const entry: Served = {
      path: path.slice(root.length),
      ...(range && { range }),
      status: 0,
      userAgent: req.headers['user-agent'],
      headerNames: Object.keys(req.headers),
      bytesSent: 0,
    };
    try {
      const info = await stat(path);
      const ranges = options.ranges ?? 'ignore';
      const asked = range && ranges === 'serve' ? /^bytes=(\d+)-(\d*)$/.exec(range) : null;
      if (range && typeof ranges === 'number') {
        entry.status = ranges;
        res.on('close', () => served.push(entry));
        return void res.writeHead(ranges).end('not now');
      }
      let start = 0;
      let end = info.size - 1;
      if (asked) {
        start = Number(asked[1]);
        end = Math.min(asked[2] ? Number(asked[2]) : end, info.size - 1);
        if (start > end) return void res.writeHead(416, { 'Content-Range': `bytes */${info.size}` }).end();
        res.writeHead(206, {
          'Content-Length': end - start + 1,
          'Content-Range': `bytes ${start}-${end}/${info.size}`,
          'Content-Type': 'application/octet-stream',
        });
      } else res.writeHead(200, { 'Content-Length': info.size, 'Content-Type': 'application/octet-stream' });
      entry.status = res.statusCode;
      // The whole file unless a range was asked (an empty file has no `end` to give).
      const stream = createReadStream(path, asked ? { start, end } : {});
      res.on('close', () => {
        entry.bytesSent = stream.bytesRead;
        stream.destroy();
        served.push(entry);
      });
      stream.pipe(res);
    } catch {
      res.writeHead(404).end('not found');
    }
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    origin: `http://127.0.0.1:${port}`,
    served,
    close: () =>
      new Promise((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}
