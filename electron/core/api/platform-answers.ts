import { ApiError } from './errors.ts';

/**
 * Answers the docs do not settle (reference twelvelabs-api.md §5, §7, §10), read every plausible
 * way: the platform may say "gone" with 404 (the SDK maps it on retrieve), 410, or a 400 naming
 * the id (`resource_not_exist`, or `parameter_invalid` for an id it will not look up); an upload
 * session past its 24 h may come back as any of those, as 403 from the storage side, or with a
 * code of its own (`upload_expired`, `session_not_found`, …). Whatever form, the meaning is the
 * same and so is what the app does.
 */
const GONE_CODES = /not[_-]?(exist|found)|unknown|no[_-]such|deleted|gone/i;
const EXPIRED = /expire/i;

/** The asset (or indexed asset) this call named does not exist any more: it is gone, not failing. */
export function isGone(error: unknown): error is ApiError {
  if (!(error instanceof ApiError)) return false;
  if (error.status === 404 || error.status === 410) return true;
  if (error.status !== 400) return false;
  // A 400 on a call that names one thing by id: the id itself was refused, unless the platform
  // says another parameter was wrong.
  return (
    error.code === undefined ||
    GONE_CODES.test(error.code) ||
    (error.code === 'parameter_invalid' && /\bid\b|_id\b/i.test(error.message))
  );
}

/**
 * The platform refused because something else holds on to it: a 409 (an asset that indexed assets
 * reference, reference §7), which `force` overrides. Not gone, and not worth a retry.
 */
export function isConflict(error: unknown): error is ApiError {
  return error instanceof ApiError && error.status === 409;
}

/** The multipart upload session is expired or unknown, in any form: start a new session. */
export function isLostSession(error: unknown): error is ApiError {
  if (!(error instanceof ApiError)) return false;
  if (error.status === 404 || error.status === 410) return true;
  const said = `${error.code ?? ''} ${error.message}`;
  if (EXPIRED.test(said) && [400, 403, 409, 422].includes(error.status)) return true;
  return error.status === 400 && GONE_CODES.test(error.code ?? '');
}
