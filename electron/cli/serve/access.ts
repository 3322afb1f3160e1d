import { createHash, randomBytes, timingSafeEqual } from 'node:crypto';
import type { IncomingMessage } from 'node:http';
import { RequestRefused } from './request-target.ts';

/** The WebSocket subprotocol the page asks for; the token travels as a second one, `tl-token.<token>`. */
export const WS_PROTOCOL = 'tl-uploader';
const TOKEN_PROTOCOL_PREFIX = 'tl-token.';

/**
 * Who may do what. Two secrets per start, neither of them ambient (no cookie: a cookie on
 * 127.0.0.1 is sent to every local port):
 * - the token: commands (WebSocket), dropped files and the session, given only in an
 *   `Authorization: Bearer` header or the WebSocket subprotocol — never in a URL the server reads;
 * - the media key: read-only, for `/thumbnail/<id>?key=…` in `<img>` tags, which cannot carry a
 *   header, and `/sandbox-media/<key>/…` for the HLS preview (sandbox-media.ts). The page gets it from `/session` with its token.
 * Every request must name our Host (DNS rebinding) and, when a browser says where it comes from,
 * come from our own origin.
 */
export class Access {
  readonly token = randomBytes(24).toString('base64url');
  readonly mediaKey = randomBytes(24).toString('base64url');

  constructor(private readonly port: () => number) {}

  /** Host must be ours; a browser's Origin, when sent, must be ours. Applies to every request. */
  checkPlace(req: IncomingMessage): void {
    const port = this.port();
    // Node keeps the first of several Host headers; which one a proxy would read is anyone's guess.
    const hosts = req.rawHeaders.filter((_, i) => i % 2 === 0 && req.rawHeaders[i]!.toLowerCase() === 'host');
    if (hosts.length > 1) throw new RequestRefused(400, 'A request has one Host header.');
    const host = (req.headers.host ?? '').toLowerCase();
    // On port 80 a browser names no port, in Host and in Origin alike.
    const names = ['127.0.0.1', 'localhost'].flatMap((name) =>
      port === 80 ? [name, `${name}:80`] : [`${name}:${port}`],
    );
    if (!names.includes(host))
      throw new RequestRefused(403, 'Unknown host: open the address printed by tl-uploader serve.');
    const origin = req.headers.origin;
    if (origin !== undefined && !names.some((name) => origin === `http://${name}`))
      throw new RequestRefused(403, 'Requests from other sites are not allowed.');
  }

  /**
   * For everything that is not a public file: a browser must say the request comes from our own
   * page (or from the person, typing the address). Another local port is "same-site", not
   * "same-origin", so it is refused too.
   */
  checkSameOrigin(req: IncomingMessage): void {
    const site = req.headers['sec-fetch-site'];
    if (site !== undefined && site !== 'same-origin' && site !== 'none')
      throw new RequestRefused(403, 'Requests from other sites are not allowed.');
  }

  requireToken(req: IncomingMessage): void {
    const bearer = /^Bearer ([A-Za-z0-9_-]{1,200})$/.exec(req.headers.authorization ?? '')?.[1];
    const fromProtocol = String(req.headers['sec-websocket-protocol'] ?? '')
      .split(',')
      .map((p) => p.trim())
      .find((p) => p.startsWith(TOKEN_PROTOCOL_PREFIX))
      ?.slice(TOKEN_PROTOCOL_PREFIX.length);
    if (!same(bearer ?? fromProtocol ?? '', this.token))
      throw new RequestRefused(
        401,
        'A valid token is required: open the address tl-uploader serve printed when it started.',
        { 'www-authenticate': 'Bearer' },
      );
  }

  /** `given`: the `key` query of a thumbnail, or the path segment of the Sandbox media relay. */
  requireMediaKey(given: string): void {
    if (!same(given, this.mediaKey)) throw new RequestRefused(401, 'A valid media key is required.');
  }
}

/** Compares in constant time, also across lengths (digests of equal size). */
function same(given: string, expected: string): boolean {
  const digest = (s: string) => createHash('sha256').update(s).digest();
  return given.length > 0 && timingSafeEqual(digest(given), digest(expected));
}
