import { InvalidRequestError } from '../shared/contract.ts';
import { baseUrlHost, baseUrlProblem } from '../shared/base-url.ts';

/**
 * The API key goes with every request to the base URL: it may only go to a host the person
 * confirmed. These are the core's checks; the rule itself is in shared/base-url.ts.
 */

/**
 * `settings:update {baseUrl}` to another host than the saved one is refused unless `confirmHost`
 * names that host: a page, a script or a slip cannot redirect the key without the person seeing
 * where it goes. The same host with another path (a new API version) needs no confirmation.
 */
export function assertHostConfirmed(savedBaseUrl: string, baseUrl: string, confirmHost?: string): void {
  const host = baseUrlHost(baseUrl);
  if (host === undefined)
    throw new InvalidRequestError(`settings:update: baseUrl ${baseUrlProblem(baseUrl)}`);
  if (host === baseUrlHost(savedBaseUrl)) return;
  if (confirmHost?.trim().toLowerCase() === host) return;
  throw new InvalidRequestError(
    `settings:update: your API key would be sent to ${host}. Confirm that host to switch to it (confirmHost: "${host}").`,
  );
}

/** A base URL given for this run (TWELVELABS_BASE_URL): the person typed it, but https or loopback only. */
export function assertLaunchBaseUrl(baseUrl: string): void {
  const problem = baseUrlProblem(baseUrl);
  if (problem) throw new UnsafeBaseUrlError(`TWELVELABS_BASE_URL (${baseUrl.slice(0, 200)}) ${problem}.`);
}

/**
 * A saved base URL the rule refuses (an older version accepted any http:// URL, or the file was
 * edited): the default is used instead, so the key never goes there; returns the notice to show.
 */
export function replaceUnsafeSavedBaseUrl(saved: { baseUrl: string }, fallback: string): string | undefined {
  const problem = baseUrlProblem(saved.baseUrl);
  if (!problem) return undefined;
  const was = saved.baseUrl;
  saved.baseUrl = fallback;
  return `The saved API address ${was.slice(0, 200)} was not used: it ${problem}. ${fallback} is used instead; change it in Settings.`;
}

export class UnsafeBaseUrlError extends Error {}
