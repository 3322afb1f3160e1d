import type { IncomingMessage, ServerResponse } from 'node:http';
import type { Readable } from 'node:stream';

/** An error the platform would answer with: a status and the `{code, message}` body of §5. */
export class ApiError extends Error {
  constructor(
    readonly status: number,
    readonly code: string,
    message: string,
    readonly headers: Record<string, string> = {},
  ) {
    super(message);
  }
}

export const notProvided = (parameter: string) =>
  new ApiError(400, 'parameter_not_provided', `The ${parameter} parameter is required but was not provided.`);

export const invalid = (parameter: string, why?: string) =>
  new ApiError(400, 'parameter_invalid', `The ${parameter} parameter is invalid.${why ? ` ${why}` : ''}`);

export const notFound = (id: string, collection: string) =>
  new ApiError(404, 'resource_not_exist', `Resource with id ${id} does not exist in ${collection}.`);

export function sendJson(
  res: ServerResponse,
  status: number,
  body: unknown,
  headers: Record<string, string> = {},
) {
  if (res.headersSent) return;
  const text = JSON.stringify(body);
  res.writeHead(status, {
    ...headers,
    'Content-Type': 'application/json; charset=utf-8',
    'Content-Length': Buffer.byteLength(text),
  });
  res.end(text);
}

export function sendEmpty(res: ServerResponse, status = 204, headers: Record<string, string> = {}) {
  if (res.headersSent) return;
  res.writeHead(status, headers);
  res.end();
}

export function sendError(res: ServerResponse, error: ApiError) {
  sendJson(res, error.status, { code: error.code, message: error.message }, error.headers);
}

/** Reads a JSON request body of at most `maxBytes`. Anything else is a 400, never a crash. */
export async function readJson(body: Readable, maxBytes = 1_000_000): Promise<unknown> {
  const chunks: Buffer[] = [];
  let total = 0;
  for await (const chunk of body) {
    total += (chunk as Buffer).length;
    if (total > maxBytes) {
      await drain(body);
      throw new ApiError(400, 'parameter_invalid', `The request body is larger than ${maxBytes} bytes.`);
    }
    chunks.push(chunk as Buffer);
  }
  const text = Buffer.concat(chunks).toString('utf8');
  if (text.trim() === '') return undefined;
  try {
    return JSON.parse(text);
  } catch {
    throw new ApiError(400, 'parameter_invalid', 'The request body is not valid JSON.');
  }
}

/** A JSON body that must be an object (every JSON endpoint of the API takes one). */
export async function readJsonObject(body: Readable): Promise<Record<string, unknown>> {
  const parsed = await readJson(body);
  if (!isObject(parsed))
    throw new ApiError(400, 'parameter_invalid', 'The request body must be a JSON object.');
  return parsed;
}

/** Reads and discards the rest of a body, so the client can finish sending and read our answer. */
export function drain(body: Readable): Promise<void> {
  return new Promise((resolve) => {
    if (body.readableEnded || body.destroyed) return resolve();
    body.on('end', resolve);
    body.on('close', resolve);
    body.on('error', () => resolve());
    body.resume();
  });
}

export function isObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

export function requestOrigin(req: IncomingMessage, fallback: string): string {
  const host = req.headers.host;
  return host ? `http://${host}` : fallback;
}
