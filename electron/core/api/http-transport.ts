import type { Readable } from 'node:stream';
import { request, type Dispatcher } from 'undici';
import type { Clock, Logger } from '../ports.ts';
import { backoffDelay, DEFAULT_BACKOFF, serverWaitMs, type BackoffPolicy } from './backoff.ts';
import { watchConnection } from './connection-reset.ts';
import { countedBody, type BandwidthLimiter } from './counted-body.ts';
import type { TwelveLabsError } from './errors.ts';
import {
  AbortedError,
  ApiError,
  AuthError,
  classifyTransportError,
  GarbledAnswerError,
  mayHaveActed,
  OutcomeUnknownError,
  RateLimitedError,
  StallError,
} from './errors.ts';
import type { RateLimitGate } from './rate-gate.ts';
import { apiKeyProblem, normalizeApiKey } from '../../shared/api-key.ts';
import { redact, redactUrl } from './redact.ts';

export type QueryValue = string | number | boolean | string[] | undefined;

export interface UploadBody {
  contentType: string;
  length: number;
  /** A fresh stream per attempt; its chunks may share one buffer (consumed one at a time). */
  open(): AsyncIterable<Uint8Array>;
}

export interface CallOptions {
  method: 'GET' | 'POST' | 'PUT' | 'PATCH' | 'DELETE';
  /** Relative to the base URL (`assets/123`), or absolute (presigned URLs). */
  path: string;
  query?: Record<string, QueryValue>;
  json?: unknown;
  upload?: UploadBody;
  /** Rate-limit category (§6): one gate per category. */
  category: string;
  /** Presigned storage URLs carry their own credentials: never send the key there. */
  sendKey?: boolean;
  signal?: AbortSignal;
  /** false: one attempt only (the caller retries in its own way). */
  retry?: boolean;
  /**
   * Sending it twice cannot make two things. Default: every method but POST (a POST that is safe
   * to repeat, such as asking for more presigned URLs, says so). A request that is not idempotent
   * is never retried here once a byte of its body went out: see `OutcomeUnknownError`.
   */
  idempotent?: boolean;
  /** Upload progress of the current attempt: bytes handed to the socket, at most `upload.length`. */
  onProgress?: (sent: number, total: number) => void;
  /** The last bytes of the current attempt's body were handed to the socket. */
  onBodyHandedOver?: () => void;
  limiter?: BandwidthLimiter;
  /** Extra headers (e.g. a multipart session's `upload_headers` for its chunk PUTs). */
  headers?: Record<string, string>;
}

export interface CallResult {
  status: number;
  headers: Record<string, string | string[] | undefined>;
  /** The parsed JSON body, or undefined for an empty one. */
  body: unknown;
}

export interface TransportOptions {
  baseUrl: string;
  /** Read at each call, so a key changed in Settings applies at once. */
  apiKey: () => string | undefined;
  userAgent: string;
  dispatcher?: Dispatcher;
  clock: Clock;
  logger: Logger;
  gate: RateLimitGate;
  backoff?: BackoffPolicy;
  /** An upload that moves no byte for this long is aborted and retried. */
  stallTimeoutMs?: number;
  /** How long to wait for an answer once a request is sent (a processing server may be slow). */
  responseTimeoutMs?: number;
  random?: () => number;
}

/** How far the current attempt's body got: the one thing that says whether a retry is blind. */
interface BodyProgress {
  /** The socket was handed a first byte of the body (the request may reach the platform whole). */
  started: boolean;
  /** The socket was handed the last byte. */
  complete: boolean;
}

/**
 * Every request to the platform goes through here: the key header, rate-limit gates, retries
 * with backoff, stall detection, progress, error mapping and redaction live in this one place.
 * So does the one rule for requests that make something (`idempotent: false`): once any byte of
 * the body went out, a lost or gateway-garbled answer is never retried here but surfaces as
 * `OutcomeUnknownError`, for the caller to find what the request made (queue/reconcile.ts).
 */
export class HttpTransport {
  private readonly backoff: BackoffPolicy;
  /**
   * The platform's clock minus ours, from the Date header of its latest answer (to the second);
   * 0 until one came. What it makes is dated by its clock: reconciliation compares in its time.
   */
  platformClockOffsetMs = 0;

  constructor(private readonly options: TransportOptions) {
    this.backoff = options.backoff ?? DEFAULT_BACKOFF;
  }

  get baseUrl(): string {
    return this.options.baseUrl;
  }

  async call(call: CallOptions): Promise<CallResult> {
    const { clock, gate, logger } = this.options;
    const started = clock.now();
    const idempotent = call.idempotent ?? call.method !== 'POST';
    for (let attempt = 1; ; attempt++) {
      const body: BodyProgress = { started: false, complete: false };
      try {
        await gate.pass(call.category, call.signal);
        return await this.attempt(call, idempotent ? undefined : body);
      } catch (raw) {
        const error = classifyTransportError(raw, call.signal);
        if (!idempotent && body.started && mayHaveActed(error)) {
          logger.warn('the answer to a request that creates something was lost; not sent again', {
            method: call.method,
            url: redactUrl(this.url(call)),
            attempt,
            bodyComplete: body.complete,
            error: this.redact(error.message),
          });
          throw new OutcomeUnknownError(this.finalError(error), body.complete);
        }
        if (error instanceof ApiError && error.status === 429 && error.retryAfterMs !== undefined)
          gate.close(call.category, error.retryAfterMs);
        const elapsed = clock.now() - started;
        const canRetry =
          call.retry !== false &&
          error.retryable &&
          attempt < this.backoff.maxAttempts &&
          elapsed + (error.retryAfterMs ?? 0) < this.backoff.maxTotalMs;
        if (!canRetry) throw this.finalError(error);
        const delay = backoffDelay(this.backoff, attempt, error.retryAfterMs, this.options.random);
        logger.warn('request failed; retrying', {
          method: call.method,
          url: redactUrl(this.url(call)),
          attempt,
          delayMs: delay,
          error: this.redact(error.message),
        });
        await clock.sleep(delay, call.signal).catch(() => {
          throw new AbortedError();
        });
      }
    }
  }

  private finalError(error: TwelveLabsError): TwelveLabsError {
    if (error instanceof ApiError && error.status === 429 && !(error instanceof RateLimitedError))
      return new RateLimitedError(error.code, error.message, error.retryAfterMs);
    return error;
  }

  private url(call: CallOptions): string {
    const base = /^https?:\/\//.test(call.path)
      ? call.path
      : `${this.options.baseUrl.replace(/\/$/, '')}/${call.path}`;
    if (!call.query) return base;
    const params = new URLSearchParams();
    for (const [key, value] of Object.entries(call.query)) {
      if (value === undefined) continue;
      // Arrays as repeated keys, as the SDKs send them (§1.3).
      for (const v of Array.isArray(value) ? value : [value]) params.append(key, String(v));
    }
    const qs = params.toString();
    return qs ? `${base}${base.includes('?') ? '&' : '?'}${qs}` : base;
  }

  /** The key as it is sent (api-key.ts): an environment variable may carry a trailing `\r`. */
  private apiKey(): string | undefined {
    const key = this.options.apiKey();
    return key === undefined ? undefined : normalizeApiKey(key);
  }

  /** The key, as written and as JSON escapes it, replaced (not the URL queries redact() cuts). */
  private withoutKey(text: string): string {
    const key = this.apiKey();
    if (!key || key.length < 4) return text;
    let out = text;
    for (const form of new Set([key, JSON.stringify(key).slice(1, -1)]))
      out = out.split(form).join('[redacted]');
    return out;
  }

  private redact(text: string): string {
    const key = this.apiKey();
    return redact(text, key ? [key] : []);
  }

  /** `tracked`: the body is handed over piece by piece and its progress noted there. */
  private async attempt(call: CallOptions, tracked?: BodyProgress): Promise<CallResult> {
    const { clock } = this.options;
    const headers: Record<string, string> = {
      ...call.headers,
      'user-agent': this.options.userAgent,
      accept: 'application/json',
    };
    if (call.sendKey !== false) {
      const key = this.apiKey();
      if (!key) throw new AuthError('api_key_missing');
      // A key no header can carry is a key problem (the person can fix it), not a network one.
      const problem = apiKeyProblem(key);
      if (problem)
        throw new AuthError(
          'api_key_malformed',
          `The API key ${problem}: enter it again in Settings (or fix TWELVELABS_API_KEY).`,
        );
      headers['x-api-key'] = key;
    }
    let body: string | AsyncIterable<Uint8Array> | undefined;
    const stall = new AbortController();
    let watchdog: NodeJS.Timeout | undefined;
    if (call.json !== undefined) {
      const text = JSON.stringify(call.json);
      headers['content-type'] = 'application/json';
      if (tracked) {
        const bytes = Buffer.from(text);
        headers['content-length'] = String(bytes.length);
        body = trackedBody([bytes], bytes.length, tracked);
      } else body = text;
    } else if (call.upload) {
      const upload = call.upload;
      headers['content-type'] = upload.contentType;
      headers['content-length'] = String(upload.length);
      let lastMove = clock.now();
      const stallMs = this.options.stallTimeoutMs ?? 60_000;
      watchdog = setInterval(
        () => {
          const idle = clock.now() - lastMove;
          if (idle >= stallMs) stall.abort(new StallError(idle));
        },
        Math.min(1000, stallMs / 4),
      );
      const counted = countedBody(upload.open(), {
        limiter: call.limiter,
        signal: call.signal,
        length: upload.length,
        onLastPiece: call.onBodyHandedOver,
        onBytes: (sent) => {
          lastMove = clock.now();
          call.onProgress?.(Math.min(sent, upload.length), upload.length);
          // Once the socket has the whole body, what is left sits in kernel buffers and then the
          // server works: the response timeout covers that wait, not the stall watchdog (a
          // throttled link would otherwise look stalled while its buffers drain).
          if (sent >= upload.length) clearInterval(watchdog);
        },
      });
      // Handed to undici as an iterable, not wrapped in a Readable: undici pulls the next chunk
      // only once the socket took the last one, so there is no read-ahead, progress is what the
      // socket took, and the file reader may reuse its buffer.
      body = tracked ? trackedBody(counted, upload.length, tracked) : counted;
    }
    const signal = call.signal ? AbortSignal.any([call.signal, stall.signal]) : stall.signal;
    // An upload stopped (a cancel, a pause, a stall) resets its connection: registered before
    // undici's own listener, so it runs before undici closes the socket gracefully, which would
    // let the kernel deliver the megabytes it still buffers for the server.
    const connection =
      typeof body === 'object' ? watchConnection(body, signal, this.options.logger) : undefined;
    try {
      const res = await request(this.url(call), {
        method: call.method,
        headers,
        // undici accepts async iterables (lib/core/request.js, "an iterable, or an async
        // iterable") though its request() typings list only the other kinds.
        body: body as string | Readable | undefined,
        signal,
        dispatcher: this.options.dispatcher,
        headersTimeout: this.options.responseTimeoutMs ?? 120_000,
        bodyTimeout: this.options.responseTimeoutMs ?? 120_000,
      });
      // The whole body was sent once headers arrive for a successful upload; stop watching.
      clearInterval(watchdog);
      const date = call.sendKey === false ? NaN : Date.parse(String(res.headers.date ?? ''));
      if (Number.isFinite(date)) this.platformClockOffsetMs = date - clock.now();
      // What the platform says may quote the key (an echo in a reason, a gateway's page): it is cut
      // out here, before the body becomes item errors, the library's mirror or a page's events.
      const text = this.withoutKey(await res.body.text());
      const parsed = parseJson(text);
      if (res.statusCode >= 400) throw this.toApiError(res.statusCode, res.headers, parsed, text);
      // Redirects are never followed (the key would go along to wherever they point), and a 3xx
      // is no success either: said as such, with where it pointed ("The key works" was said).
      if (res.statusCode >= 300) throw this.redirectError(res.statusCode, res.headers.location, call);
      // The platform answers JSON objects: anything else is a proxy's page or a body cut short,
      // retried like a gateway's 502 (presigned storage answers are not the platform's JSON).
      if (call.sendKey !== false && text.trim() !== '' && (typeof parsed !== 'object' || parsed === null))
        throw new GarbledAnswerError(res.statusCode);
      return { status: res.statusCode, headers: res.headers, body: parsed };
    } catch (error) {
      if (stall.signal.aborted) throw stall.signal.reason;
      throw error;
    } finally {
      clearInterval(watchdog);
      connection?.release();
      if (typeof body === 'object') await endBody(body, this.options.logger);
    }
  }

  private redirectError(status: number, location: unknown, call: CallOptions): ApiError {
    let to = 'another address';
    try {
      if (typeof location === 'string') to = redactUrl(new URL(location, this.url(call)).href);
    } catch {
      // A Location that is no URL: "another address".
    }
    // Presigned storage carries no key: a redirect there is only a transfer that did not happen.
    const message =
      call.sendKey === false
        ? `The upload storage answered with a redirect (HTTP ${status}) to ${to}, which is not followed: the part was not stored.`
        : `TwelveLabs answered with a redirect (HTTP ${status}) to ${to}, which is not followed: your API key goes only to the API address in Settings (${this.baseUrl}). Check that address.`;
    return new ApiError(status, 'redirect_not_followed', message);
  }

  private toApiError(
    status: number,
    headers: CallResult['headers'],
    parsed: unknown,
    text: string,
  ): ApiError {
    const body = (typeof parsed === 'object' && parsed !== null ? parsed : {}) as {
      code?: unknown;
      message?: unknown;
    };
    const code = typeof body.code === 'string' ? body.code : undefined;
    if (status === 401) return new AuthError(code);
    const platformMessage =
      typeof body.message === 'string' ? body.message : text.trim().slice(0, 300) || `HTTP ${status}`;
    const message = this.redact(platformMessage);
    return new ApiError(status, code, message, serverWaitMs(headers, this.options.clock.now(), status));
  }
}

/**
 * Notes each piece as it is handed to the socket. undici pulls an iterable body only once it has a
 * connected socket for the request, so a pull means the bytes are on their way to the server.
 */
async function* trackedBody(
  source: Iterable<Uint8Array> | AsyncIterable<Uint8Array>,
  length: number,
  progress: BodyProgress,
): AsyncGenerator<Uint8Array> {
  let sent = 0;
  for await (const piece of source) {
    sent += piece.length;
    progress.started = true;
    if (sent >= length) progress.complete = true;
    yield piece;
  }
}

/**
 * Ends a request's body once the request is over. undici stops pulling a body whose socket was
 * destroyed (a cancel, a stall, a reset) and leaves it suspended for good, never returned (its own
 * comment: "up to the user to somehow abort the async iterable"): the file that body was reading
 * (fileRange) then stayed open until garbage collection closed it. return() runs the body's
 * finally blocks, which close the file; on a body already read to its end it does nothing.
 */
async function endBody(body: AsyncIterable<Uint8Array>, logger: Logger): Promise<void> {
  try {
    await (body as AsyncGenerator<Uint8Array>).return?.(undefined);
  } catch (error) {
    logger.warn('an upload body could not be closed after its request', { error });
  }
}

function parseJson(text: string): unknown {
  if (text.trim() === '') return undefined;
  try {
    return JSON.parse(text);
  } catch {
    return text; // not JSON (a proxy's page): the caller judges it (an error, or a garbled answer)
  }
}
