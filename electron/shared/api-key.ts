/**
 * What an API key can be: it travels in an `x-api-key` header, so only visible ASCII. A key
 * copied with a line break, a tab, a non-breaking or zero-width space, or read from a file with
 * Windows line endings (`KEY\r`) cannot be sent at all; the HTTP client refuses it before any
 * byte leaves, which looked like a network failure ("Waiting for the network", forever).
 * Spaces and line breaks around the key are dropped; anything else is said as a key problem.
 */

/** The key as it is sent: without the spaces and line breaks a copy or a file may add around it. */
export function normalizeApiKey(key: string): string {
  return key.trim();
}

/**
 * Why this key cannot be sent (after normalizeApiKey), phrased to follow "The API key" or
 * "apiKey", or undefined. Never quotes the key: it names the character and its place.
 */
export function apiKeyProblem(key: string): string | undefined {
  const bad = [...key].find((c) => c < '\u0021' || c > '\u007e');
  if (bad === undefined) return undefined;
  const code = bad.codePointAt(0)!.toString(16).toUpperCase().padStart(4, '0');
  return `has a character no key has (U+${code}, at position ${key.indexOf(bad) + 1}), often picked up when copying it`;
}
