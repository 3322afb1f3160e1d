/**
 * The system proxy (OS settings, PAC scripts) for the API client. The core's HTTP client honours
 * HTTPS_PROXY/HTTP_PROXY/NO_PROXY (undici's EnvHttpProxyAgent); Chromium knows the system's
 * choice for a URL (`session.resolveProxy`). Translating one to the other is pure and tested;
 * variables the person set themselves always win.
 */
export function proxyEnvironment(
  resolution: string,
  env: Readonly<Record<string, string | undefined>>,
): { set: Record<string, string>; note?: string } {
  if (env.HTTPS_PROXY || env.https_proxy || env.HTTP_PROXY || env.http_proxy) return { set: {} };
  // "PROXY host:port; DIRECT" — the first entry is the system's choice.
  const first = resolution.split(';')[0]!.trim();
  const match = /^(PROXY|HTTPS|HTTP|SOCKS5?|SOCKS4)\s+(\S+)$/i.exec(first);
  if (!match) return { set: {} }; // DIRECT, or nothing
  const kind = match[1]!.toUpperCase();
  if (kind.startsWith('SOCKS'))
    return {
      set: {},
      note: `The system proxy is a SOCKS proxy (${match[2]}), which uploads cannot use: connecting directly.`,
    };
  const url = `${kind === 'HTTPS' ? 'https' : 'http'}://${match[2]}`;
  // The local Sandbox and anything on this machine are never reached through a proxy.
  const noProxy = [env.NO_PROXY || env.no_proxy, 'localhost', '127.0.0.1', '::1'].filter(Boolean).join(',');
  // Both spellings: undici reads the lower-case one first, and an empty one there would win.
  return {
    set: {
      HTTPS_PROXY: url,
      HTTP_PROXY: url,
      NO_PROXY: noProxy,
      https_proxy: url,
      http_proxy: url,
      no_proxy: noProxy,
    },
    note: `Using the system proxy ${url}.`,
  };
}
