import type { IncomingMessage, ServerResponse } from 'node:http';
import type { Readable } from 'node:stream';

export interface RequestContext {
  req: IncomingMessage;
  res: ServerResponse;
  url: URL;
  params: Record<string, string>;
  /** The request body, passed through fault injection (throttling, dropped connections) and counting. */
  body: Readable;
  /** `http://host:port` as the client reached us: used to mint URLs the client can follow. */
  origin: string;
}

export type Handler = (ctx: RequestContext) => Promise<void> | void;

export interface RouteDefinition {
  /** A stable name (`assets.create`) used by fault injection, rate-limit categories and the request log. */
  name: string;
  method: string;
  /** A path like `/v1.3/assets/:assetId`; `:name` matches one path segment. */
  path: string;
  /** Whether the route demands `x-api-key` (every `/v1.3` route does). */
  auth: boolean;
  /** Routes of one category share a rate limit (§6: `POST /assets` has its own). */
  rateCategory?: string;
  handler: Handler;
}

export interface CompiledRoute extends RouteDefinition {
  regex: RegExp;
  keys: string[];
}

export function compileRoutes(routes: RouteDefinition[]): CompiledRoute[] {
  return routes.map((route) => {
    const keys: string[] = [];
    const source = route.path
      .split('/')
      .map((segment) => {
        if (!segment.startsWith(':')) return segment.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
        keys.push(segment.slice(1));
        return '([^/]+)';
      })
      .join('/');
    return { ...route, regex: new RegExp(`^${source}/?$`), keys };
  });
}

export interface RouteMatch {
  route: CompiledRoute;
  params: Record<string, string>;
}

/** Finds the route; `methodMismatch` tells a 405 from a 404. */
export function matchRoute(
  routes: CompiledRoute[],
  method: string,
  pathname: string,
): RouteMatch | { methodMismatch: boolean } {
  let pathMatched = false;
  for (const route of routes) {
    const m = route.regex.exec(pathname);
    if (!m) continue;
    pathMatched = true;
    if (route.method !== method) continue;
    const params: Record<string, string> = {};
    route.keys.forEach((key, i) => {
      params[key] = safeDecode(m[i + 1] ?? '');
    });
    return { route, params };
  }
  return { methodMismatch: pathMatched };
}

function safeDecode(value: string): string {
  try {
    return decodeURIComponent(value);
  } catch {
    return value; // bad percent-encoding: passed on as written, for the route to refuse
  }
}
