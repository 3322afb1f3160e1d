/**
 * Where the API key may travel. The key goes with every request to the base URL, so a base URL is
 * accepted only as https, or plain http on this computer's loopback (the Sandbox, a local
 * emulator), and changing it to another host needs the person to confirm that host by name
 * (`settings:update {baseUrl, confirmHost}`). Shared by the core (the rule) and the renderer (to
 * ask before sending). The emulator keeps its own copy of the loopback rule: it shares no code.
 */

/** `localhost`, 127.0.0.0/8 and `[::1]`, as WHATWG URL writes them (`127.1` is `127.0.0.1`). */
export function isLoopbackHostname(hostname: string): boolean {
  const h = hostname.toLowerCase();
  if (h === 'localhost' || h === '[::1]') return true;
  const m = /^(\d{1,3})\.(\d{1,3})\.(\d{1,3})\.(\d{1,3})$/.exec(h);
  return m !== null && m[1] === '127' && m.slice(2).every((n) => Number(n) <= 255);
}

/**
 * What is wrong with a base URL, phrased to follow its name ("baseUrl must …"), or undefined
 * when the key may be sent there.
 */
export function baseUrlProblem(value: string): string | undefined {
  let url: URL;
  try {
    url = new URL(value);
  } catch {
    return `must be a full address such as https://api.twelvelabs.io/v1.3 ("${value.slice(0, 80)}" is not one)`;
  }
  if (url.protocol !== 'https:' && url.protocol !== 'http:')
    return `must start with https:// (not ${url.protocol})`;
  if (url.username || url.password) return 'must not contain a user name or password';
  // An empty one too (`…/v1.3?`): URL reports it as none, but every path would be appended after it.
  if (url.search || url.hash || /[?#]/.test(value)) return 'must not contain a ?query or #fragment';
  if (url.protocol === 'http:' && !isLoopbackHostname(url.hostname))
    return `must use https:// for ${url.host}: your API key goes with every request, and plain http:// is allowed only for this computer (localhost, 127.x.x.x, [::1])`;
  return undefined;
}

/** The host (with its port, if any) a base URL sends the key to, lower-case; undefined if malformed. */
export function baseUrlHost(value: string): string | undefined {
  try {
    return new URL(value).host.toLowerCase();
  } catch {
    return undefined;
  }
}
