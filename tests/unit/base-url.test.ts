/** The rule for where the API key may go, attacked with the URL spellings that fool naive checks. */
import { describe, expect, it } from 'vitest';
import { baseUrlHost, baseUrlProblem, isLoopbackHostname } from '../../electron/shared/base-url.ts';
import {
  assertHostConfirmed,
  assertLaunchBaseUrl,
  replaceUnsafeSavedBaseUrl,
  UnsafeBaseUrlError,
} from '../../electron/core/base-url-guard.ts';

describe('baseUrlProblem', () => {
  it.each([
    'https://api.twelvelabs.io/v1.3',
    'https://API.example.com:8443/v1.3/',
    'http://127.0.0.1:8080/v1.3',
    'http://127.1:8080/v1.3', // WHATWG: 127.0.0.1
    'http://0x7f.0.0.1/v1.3', // WHATWG: 127.0.0.1
    'http://2130706433/v1.3', // WHATWG: 127.0.0.1
    'http://127.255.255.254/v1.3',
    'http://LOCALHOST:9/v1.3',
    'http://[::1]:9/v1.3',
    'http://[0:0:0:0:0:0:0:1]/v1.3',
  ])('accepts %s', (url) => expect(baseUrlProblem(url)).toBeUndefined());

  it.each([
    ['http://api.twelvelabs.io/v1.3', /must use https/],
    ['http://127.0.0.1.nip.io/v1.3', /must use https/],
    ['http://localhost.evil.example/v1.3', /must use https/],
    ['http://localhost./v1.3', /must use https/],
    ['http://[::ffff:127.0.0.1]/v1.3', /must use https/], // mapped: refused rather than guessed
    ['http://0.0.0.0:8080/v1.3', /must use https/],
    ['http://10.0.0.1/v1.3', /must use https/],
    ['http://128.0.0.1/v1.3', /must use https/],
    ['ws://127.0.0.1/v1.3', /must start with https/],
    ['javascript:alert(1)', /must start with https/],
    ['https://a:b@api.example.com/', /user name or password/],
    ['https://@api.example.com/', undefined],
    ['https://api.example.com/#x', /fragment/],
    ['https://api.example.com/v1.3?', /query/], // empty: "/assets" would become the query
    ['https://api.example.com/v1.3#', /fragment/], // empty: "/assets" would be cut off
    ['https://', /full address/],
    ['api.twelvelabs.io/v1.3', /full address/],
    ['', /full address/],
  ] as Array<[string, RegExp | undefined]>)('refuses %s', (url, reason) => {
    if (reason) expect(baseUrlProblem(url)).toMatch(reason);
    else expect(baseUrlProblem(url)).toBeUndefined(); // an empty userinfo is no credential
  });

  it('names the host, lower-case, with its port', () => {
    expect(baseUrlHost('https://API.Example.com:8443/v1.3')).toBe('api.example.com:8443');
    expect(baseUrlHost('https://api.example.com:443/v1.3')).toBe('api.example.com');
    expect(baseUrlHost('nope')).toBeUndefined();
    expect(isLoopbackHostname('127.0.0.256')).toBe(false);
  });
});

describe('assertHostConfirmed', () => {
  const saved = 'https://api.twelvelabs.io/v1.3';
  it('lets the same host through (another path, the default port spelled out)', () => {
    expect(() => assertHostConfirmed(saved, 'https://api.twelvelabs.io/v1.4')).not.toThrow();
    expect(() => assertHostConfirmed(saved, 'https://API.twelvelabs.io:443/v1.3')).not.toThrow();
  });
  it('wants the exact new host, port included, for any other', () => {
    const to = 'https://api.twelvelabs.io.evil.example/v1.3';
    expect(() => assertHostConfirmed(saved, to)).toThrow(
      /would be sent to api\.twelvelabs\.io\.evil\.example/,
    );
    expect(() => assertHostConfirmed(saved, to, 'api.twelvelabs.io')).toThrow(/would be sent/);
    expect(() => assertHostConfirmed(saved, to, 'API.TWELVELABS.IO.EVIL.EXAMPLE')).not.toThrow();
    expect(() =>
      assertHostConfirmed(saved, 'https://api.twelvelabs.io:8443/v1.3', 'api.twelvelabs.io'),
    ).toThrow(/would be sent to api\.twelvelabs\.io:8443/);
  });
});

describe("an empty ?query or #fragment, where the key would go (the core's guard)", () => {
  // URL reports an empty one as none, so a check of url.search/url.hash alone lets it through, and
  // every API path is then appended after it: `…/v1.3?/assets` sends "/assets" as the query.
  it.each(['https://api.twelvelabs.io/v1.3?', 'https://api.twelvelabs.io/v1.3#'])(
    'is refused at launch and replaced when saved: %s',
    (url) => {
      expect(() => assertLaunchBaseUrl(url)).toThrow(UnsafeBaseUrlError);
      expect(() => assertLaunchBaseUrl(url)).toThrow(/must not contain a \?query or #fragment/);
      const saved = { baseUrl: url };
      expect(replaceUnsafeSavedBaseUrl(saved, 'https://api.twelvelabs.io/v1.3')).toMatch(/was not used/);
      expect(saved.baseUrl).toBe('https://api.twelvelabs.io/v1.3');
    },
  );
});
