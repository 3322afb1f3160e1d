import type { ServerResponse } from 'node:http';
import { sendJson } from '../http-helpers.ts';
import { paginate } from '../wire.ts';

/**
 * A list route's answer: one page of `items` as the platform sends every list, `{data, page_info}`.
 * The page and limit come from `pageParams`, which each route calls before its own query checks so
 * that a bad page is refused first, as before.
 */
export function sendPage<T>(
  res: ServerResponse,
  items: T[],
  { page, limit }: { page: number; limit: number },
  toWire: (item: T) => unknown = (item) => item,
): void {
  const result = paginate(items, page, limit);
  sendJson(res, 200, { data: result.data.map(toWire), page_info: result.page_info });
}
