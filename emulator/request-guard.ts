import type { IncomingMessage } from 'node:http';

/**
 * Loopback is not a wall: any web page the person visits can send requests to 127.0.0.1, and a
 * DNS-rebinding page can do so under its own host name. These checks run before any route.
 */

/** Names that reach this machine's loopback only: `localhost`, 127.0.0.0/8, `[::1]`. */
export function isLoopbackHostname(hostname: string): boolean {
  const h = hostname.toLowerCase();
  if (h === 'localhost' || h === '[::1]' || h === '::1') return true;
  const m = /^(\d{1,3})\.(\d{1,3})\.(\d{1,3})\.(\d{1,3})$/.exec(h);
  return m !== null && m[1] === '127' && m.slice(2).every((n) => Number(n) <= 255);
}

/** `host[:port]` as sent in a Host header, split; undefined when it is not a plain authority. */
function splitHost(value: string): { hostname: string; port?: number } | undefined {
  const m = /^(\[[0-9a-f:.]+\]|[a-z0-9.-]+)(?::(\d{1,5}))?$/i.exec(value.trim());
  if (!m) return undefined;
  return { hostname: m[1]!, ...(m[2] !== undefined && { port: Number(m[2]) }) };
}

/**
 * Why a request may not be served at all, or undefined. The Host must be a loopback name
 * (a rebinding page's own name is refused on every route); the control API also wants our port.
 */
export function hostProblem(req: IncomingMessage, port: number, control: boolean): string | undefined {
  const host = req.headers.host;
  // HTTP/1.0 clients may omit it; no browser does, so nothing to rebind.
  if (host === undefined) return undefined;
  const parsed = splitHost(host);
  if (!parsed || !isLoopbackHostname(parsed.hostname))
    return `The emulator answers only on a loopback address (127.0.0.1, localhost, [::1]), not on "${host.slice(0, 100)}".`;
  if (control && parsed.port !== port)
    return `The control API answers only on its own address (port ${port}), not on "${host.slice(0, 100)}".`;
  return undefined;
}

/**
 * Why a control request looks like it comes from a web page of another origin, or undefined.
 * Node, curl and the app send neither header; a browser sends Sec-Fetch-Site on every request
 * and Origin on every POST/PATCH/DELETE, so a page elsewhere (even another port of 127.0.0.1,
 * which is "same-site") is recognised here.
 */
export function foreignBrowserProblem(req: IncomingMessage, port: number): string | undefined {
  const site = req.headers['sec-fetch-site'];
  if (site !== undefined && site !== 'same-origin' && site !== 'none')
    return `The control API refuses requests from web pages (Sec-Fetch-Site: ${String(site).slice(0, 40)}).`;
  const origin = req.headers.origin;
  if (origin === undefined) return undefined;
  const own = [`http://127.0.0.1:${port}`, `http://localhost:${port}`, `http://[::1]:${port}`];
  if (!own.includes(origin.toLowerCase()))
    return `The control API refuses requests from other origins (${origin.slice(0, 100)}).`;
  return undefined;
}
