import { ApiError, invalid } from './http-helpers.ts';

/**
 * Array parameters arrive as repeated keys (the SDKs), comma lists, or JSON arrays (the docs'
 * curl examples): all three are accepted (§1.3).
 */
export function arrayParam(query: URLSearchParams, name: string): string[] {
  const values: string[] = [];
  for (const raw of [...query.getAll(name), ...query.getAll(`${name}[]`)]) {
    const trimmed = raw.trim();
    if (trimmed.startsWith('[')) {
      let parsed: unknown;
      try {
        parsed = JSON.parse(trimmed);
      } catch {
        throw invalid(name, 'It is not a valid JSON array.');
      }
      if (!Array.isArray(parsed)) throw invalid(name);
      values.push(...parsed.map(String));
    } else {
      values.push(...trimmed.split(',').map((v) => v.trim()));
    }
  }
  return values.filter((v) => v !== '');
}

function intParam(query: URLSearchParams, name: string, fallback: number): number {
  const raw = query.get(name);
  if (raw === null || raw === '') return fallback;
  if (!/^-?\d+$/.test(raw.trim())) throw invalid(name, 'It must be an integer.');
  return Number(raw);
}

/** `page` (≥ 1, default 1) and `page_limit` (1–50, default 10). Out of range is a 400 (§1.3 [INFERRED]). */
export function pageParams(query: URLSearchParams, maxLimit = 50): { page: number; limit: number } {
  const page = intParam(query, 'page', 1);
  const limit = intParam(query, 'page_limit', 10);
  if (page < 1) throw invalid('page', 'It must be 1 or greater.');
  if (limit < 1 || limit > maxLimit) throw invalid('page_limit', `It must be between 1 and ${maxLimit}.`);
  return { page, limit };
}

export function booleanParam(query: URLSearchParams, name: string, fallback: boolean): boolean {
  const raw = query.get(name);
  if (raw === null || raw === '') return fallback;
  if (raw === 'true') return true;
  if (raw === 'false') return false;
  throw new ApiError(400, 'parameter_invalid', `The ${name} parameter is invalid. It must be true or false.`);
}
