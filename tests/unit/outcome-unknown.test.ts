/** Which failures of a request that makes something may hide a success (errors.ts, issue 13). */
import { describe, expect, it } from 'vitest';
import {
  AbortedError,
  ApiError,
  mayHaveActed,
  NetworkError,
  OutcomeUnknownError,
  RateLimitedError,
  ResponseFormatError,
  SourceChangedError,
  StallError,
  type TwelveLabsError,
} from '../../electron/core/api/errors.ts';

const cases: Array<[string, TwelveLabsError, boolean]> = [
  ['a refused connection', new NetworkError('refused', 'ECONNREFUSED'), false],
  ['an unknown host', new NetworkError('dns', 'ENOTFOUND'), false],
  ['a connect timeout', new NetworkError('timeout', 'UND_ERR_CONNECT_TIMEOUT'), false],
  ['a reset connection', new NetworkError('reset', 'ECONNRESET'), true],
  ['a socket closed by the other side', new NetworkError('closed', 'UND_ERR_SOCKET'), true],
  ['no answer in time', new NetworkError('slow', 'UND_ERR_HEADERS_TIMEOUT'), true],
  ['a stall', new StallError(60_000), true],
  ['a garbled success', new ResponseFormatError('html'), true],
  ['500', new ApiError(500, undefined, 'oops'), true],
  ['502', new ApiError(502, undefined, 'bad gateway'), true],
  ['504', new ApiError(504, undefined, 'gateway timeout'), true],
  ['524 (forwarded, origin too slow)', new ApiError(524, undefined, 'timeout'), true],
  ['a bare 503', new ApiError(503, undefined, 'unavailable'), true],
  ['503 with Retry-After', new ApiError(503, undefined, 'unavailable', 3_000), false],
  ['429', new RateLimitedError('too_many_requests', 'slow down', 3_000), false],
  ['400', new ApiError(400, 'parameter_invalid', 'bad'), false],
  ['408', new ApiError(408, undefined, 'timeout'), false],
  ['a cancel', new AbortedError(), false],
  ['a file that changed while sent', new SourceChangedError('changed'), false],
];

describe('mayHaveActed', () => {
  it.each(cases)('%s → %s', (_what, error, acted) => {
    expect(mayHaveActed(error)).toBe(acted);
  });

  it('an outcome unknown keeps what to wait on', () => {
    const error = new OutcomeUnknownError(new ApiError(502, undefined, 'bad gateway', 2_000), true);
    expect(error).toMatchObject({ retryable: true, bodyComplete: true, retryAfterMs: 2_000 });
    expect(error.message).toMatch(/lost: bad gateway/);
  });
});
