/**
 * A log line's text with every secret removed: fields whose names say key/token/secret/password/
 * authorization are replaced, the API key is cut out of any text, and URL queries are dropped
 * (presigned storage URLs carry credentials there) — the same rules as API errors (api/redact.ts).
 */
import { redact } from '../api/redact.ts';

const SECRET_FIELD = /(api[-_]?key|authorization|token|secret|password|credential)/i;

/** A value for the log: secret fields replaced, errors as their message, the rest as JSON. */
export function redactFields(fields: Record<string, unknown>, secrets: readonly string[]): string {
  const seen = new WeakSet<object>();
  const json = JSON.stringify(fields, (key, value: unknown) => {
    if (key && SECRET_FIELD.test(key) && value !== undefined && value !== null && value !== '')
      return '[redacted]';
    if (value instanceof Error) return { name: value.name, message: value.message, stack: value.stack };
    if (typeof value === 'bigint') return String(value);
    if (value && typeof value === 'object') {
      if (seen.has(value)) return '[circular]';
      seen.add(value);
    }
    return value;
  });
  return redact(json ?? '', secrets);
}

/** One log line's text: the message and its fields, with every secret removed. */
export function formatLine(
  message: string,
  fields: Record<string, unknown> | undefined,
  secrets: readonly string[],
): string {
  const text = redact(message, secrets);
  return fields && Object.keys(fields).length > 0 ? `${text} ${redactFields(fields, secrets)}` : text;
}
