/**
 * One hierarchy for everything that can go wrong talking to the platform. Callers branch on the
 * class (or `retryable`), never on message text. Messages never contain the API key or a
 * presigned URL's query (see redact.ts).
 */
export abstract class TwelveLabsError extends Error {
  /** Worth trying again later (network, 408, 429, 5xx, stalls). */
  abstract readonly retryable: boolean;
  /** At least this long before trying again, when the platform said so. */
  retryAfterMs?: number;
}

/** The platform answered with an error status. */
export class ApiError extends TwelveLabsError {
  readonly retryable: boolean;
  constructor(
    readonly status: number,
    /** The platform's `code` (`parameter_invalid`, …) when the body had one. */
    readonly code: string | undefined,
    message: string,
    retryAfterMs?: number,
  ) {
    super(message);
    this.name = 'ApiError';
    this.retryable = status === 408 || status === 429 || status >= 500;
    this.retryAfterMs = retryAfterMs;
  }
}

/** 401: the key is missing, wrong or expired. Not retryable until the key changes. */
export class AuthError extends ApiError {
  /** `message`: when the key was refused here, before it was sent (api-key.ts says why). */
  constructor(code: string | undefined, message?: string) {
    super(
      401,
      code,
      message ??
        'The API key was refused. Check it in Settings, or create a new one in the TwelveLabs dashboard.',
    );
    this.name = 'AuthError';
  }
}

/** 429 after the retry budget: the category is still rate-limited. */
export class RateLimitedError extends ApiError {
  constructor(code: string | undefined, message: string, retryAfterMs: number | undefined) {
    super(429, code, message, retryAfterMs);
    this.name = 'RateLimitedError';
  }
}

/** The connection failed: offline, refused, reset, DNS, TLS handshake, timeouts. */
export class NetworkError extends TwelveLabsError {
  readonly retryable = true;
  constructor(
    message: string,
    /** The system or undici error code, e.g. `ECONNREFUSED`. */
    readonly code: string | undefined,
  ) {
    super(message);
    this.name = 'NetworkError';
  }
}

/** No bytes moved for too long. A slow upload that keeps moving is never a stall. */
export class StallError extends TwelveLabsError {
  readonly retryable = true;
  constructor(readonly idleMs: number) {
    super(`The transfer stalled: no bytes moved for ${Math.round(idleMs / 1000)} seconds.`);
    this.name = 'StallError';
  }
}

/** The caller canceled. Never retried, never reported as a failure. */
export class AbortedError extends TwelveLabsError {
  readonly retryable = false;
  constructor() {
    super('The operation was canceled.');
    this.name = 'AbortedError';
  }
}

/** The platform's answer did not have the documented shape. */
export class ResponseFormatError extends TwelveLabsError {
  readonly retryable = false;
  constructor(message: string) {
    super(message);
    this.name = 'ResponseFormatError';
  }
}

/**
 * A success whose body is not the platform's JSON: a proxy's or a captive portal's page, a body
 * cut short. Nothing the platform says is garbled like that, so it is transient: a request that is
 * safe to repeat is sent again; one that makes something is an OutcomeUnknownError (it got there).
 */
export class GarbledAnswerError extends TwelveLabsError {
  readonly retryable = true;
  constructor(readonly status: number) {
    super(`TwelveLabs' answer (HTTP ${status}) was garbled on the way: it is not the platform's JSON.`);
    this.name = 'GarbledAnswerError';
  }
}

/** The local file changed size or vanished while it was being sent. */
export class SourceChangedError extends TwelveLabsError {
  readonly retryable = false;
  constructor(message: string) {
    super(message);
    this.name = 'SourceChangedError';
  }
}

/**
 * A request that makes something (an asset, an upload session, a completed upload) had sent part
 * or all of its body when its answer was lost: the connection was cut or timed out, or a gateway
 * answered for the platform (502, 504). The platform may have acted. It is never sent again
 * blindly: the caller looks for what it made (queue/reconcile.ts), adopts it if it is there, and
 * sends again only once it is proven absent.
 */
export class OutcomeUnknownError extends TwelveLabsError {
  /** Worth trying again, but only after reconciliation proved that nothing was made. */
  readonly retryable = true;
  constructor(
    /** What went wrong on the wire; what to wait on (network, server) once nothing was made. */
    readonly underlying: TwelveLabsError,
    /** The whole body had been handed to the socket: the platform may still be acting on it. */
    readonly bodyComplete: boolean,
  ) {
    super(`The answer to a request that creates something was lost: ${underlying.message}`);
    this.name = 'OutcomeUnknownError';
    this.retryAfterMs = underlying.retryAfterMs;
  }
}

/**
 * A success whose body cannot be read (a proxy's page, a cut-off body) still made something: the
 * caller must find it rather than send the request again.
 */
export function madeSomething<T>(parse: () => T): T {
  try {
    return parse();
  } catch (error) {
    if (error instanceof ResponseFormatError) throw new OutcomeUnknownError(error, true);
    throw error;
  }
}

/** Failures that happen before a request reaches a server: nothing can have been made. */
const BEFORE_CONNECTING = new Set([
  'ECONNREFUSED',
  'ENOTFOUND',
  'EAI_AGAIN',
  'ENETUNREACH',
  'EHOSTUNREACH',
  'UND_ERR_CONNECT_TIMEOUT',
]);

/**
 * Whether a request that had started sending its body may have been acted on despite this error.
 * - Cut, reset or timed-out connections, stalls, a garbled answer: yes, nobody can know.
 * - 502 and 504 are a gateway's words for "I forwarded it and lost the answer"; 500 and the other
 *   5xx (Cloudflare's 52x: 524 is "forwarded, origin too slow") may follow a partial success: yes.
 * - 503 with Retry-After is the platform's own "unable to handle the request, come back then"
 *   (RFC 9110 §15.6.4): not acted, retried like a 429. A bare 503 may be a gateway's: Envoy (and
 *   the load balancers built on it) answers 503 "upstream connect error or disconnect/reset before
 *   headers" also when the upstream connection broke after the request was forwarded: yes.
 * - 4xx (400, 408, 409, 413, 429, …): the request was refused, nothing was made.
 */
export function mayHaveActed(error: TwelveLabsError): boolean {
  if (error instanceof AbortedError || error instanceof SourceChangedError) return false;
  if (error instanceof ApiError)
    return error.status === 503 ? error.retryAfterMs === undefined : error.status >= 500;
  if (error instanceof NetworkError) return !BEFORE_CONNECTING.has(error.code ?? '');
  return true;
}

/** Turns whatever undici or the system threw into our hierarchy. */
export function classifyTransportError(error: unknown, signal?: AbortSignal): TwelveLabsError {
  if (error instanceof TwelveLabsError) return error;
  if (signal?.aborted) return signal.reason instanceof TwelveLabsError ? signal.reason : new AbortedError();
  const e = error as {
    code?: string;
    name?: string;
    message?: string;
    cause?: { code?: string; message?: string };
  };
  if (e?.name === 'AbortError' || e?.code === 'UND_ERR_ABORTED') return new AbortedError();
  const code = e?.code ?? e?.cause?.code;
  const what = NETWORK_MESSAGES[code ?? ''] ?? 'The connection to TwelveLabs failed';
  return new NetworkError(`${what}${code ? ` (${code})` : ''}.`, code);
}

const NETWORK_MESSAGES: Record<string, string> = {
  ECONNREFUSED: 'The server refused the connection',
  ECONNRESET: 'The connection was reset',
  EPIPE: 'The connection closed while sending',
  ENOTFOUND: 'The server name could not be resolved (offline?)',
  EAI_AGAIN: 'The server name could not be resolved (offline?)',
  ENETUNREACH: 'The network is unreachable',
  EHOSTUNREACH: 'The server is unreachable',
  ETIMEDOUT: 'The connection timed out',
  UND_ERR_CONNECT_TIMEOUT: 'The connection timed out',
  UND_ERR_HEADERS_TIMEOUT: 'The server did not answer in time',
  UND_ERR_BODY_TIMEOUT: 'The server stopped sending its answer',
  UND_ERR_SOCKET: 'The connection closed unexpectedly',
  UND_ERR_CLOSED: 'The connection closed unexpectedly',
};
