/**
 * Faults a test (or a curious user of the Sandbox) can inject through `/_emulator/faults`.
 * Each rule applies to one route name (or `*`) and to the next `count` matching requests
 * (omitted: until cleared).
 */
export type FaultRule =
  | {
      kind: 'status';
      route: string;
      count?: number;
      status: number;
      headers?: Record<string, string>;
      body?: unknown;
    }
  | { kind: 'latency'; route: string; count?: number; ms: number }
  | { kind: 'drop'; route: string; count?: number; afterBytes: number }
  | { kind: 'processing'; count?: number; outcome: 'ready' | 'failed'; message?: string }
  /** How the next indexed assets end, whatever their models would say. */
  | { kind: 'indexing'; count?: number; outcome: 'ready' | 'failed' };

export type FaultKind = FaultRule['kind'];

export class FaultInjector {
  private rules: FaultRule[] = [];

  add(rules: FaultRule[]): void {
    this.rules.push(...rules.map((r) => ({ ...r })));
  }

  clear(): void {
    this.rules = [];
  }

  list(): FaultRule[] {
    return this.rules.map((r) => ({ ...r }));
  }

  /** Takes the first rule of this kind that matches the route, using up one of its `count`. */
  take<K extends FaultKind>(kind: K, route = '*'): Extract<FaultRule, { kind: K }> | undefined {
    const index = this.rules.findIndex(
      (r) =>
        r.kind === kind &&
        (r.kind === 'processing' || r.kind === 'indexing' || r.route === '*' || r.route === route),
    );
    if (index < 0) return undefined;
    const rule = this.rules[index] as Extract<FaultRule, { kind: K }>;
    if (rule.count !== undefined) {
      rule.count--;
      if (rule.count <= 0) this.rules.splice(index, 1);
    }
    return rule;
  }
}

const ROUTE = (v: unknown) => typeof v === 'string' && v.length > 0;
const COUNT = (v: unknown) => v === undefined || (Number.isInteger(v) && (v as number) > 0);

/** Validates a rule sent to the control API; returns a message for the first problem found. */
export function validateFaultRule(value: unknown): string | undefined {
  if (typeof value !== 'object' || value === null) return 'a fault rule must be an object';
  const r = value as Record<string, unknown>;
  if (!COUNT(r.count)) return 'count must be a positive integer';
  switch (r.kind) {
    case 'status':
      if (!ROUTE(r.route)) return 'route is required';
      if (!Number.isInteger(r.status) || (r.status as number) < 100 || (r.status as number) > 599)
        return 'status must be an HTTP status code';
      return undefined;
    case 'latency':
      if (!ROUTE(r.route)) return 'route is required';
      return typeof r.ms === 'number' && r.ms >= 0 ? undefined : 'ms must be a non-negative number';
    case 'drop':
      if (!ROUTE(r.route)) return 'route is required';
      return Number.isInteger(r.afterBytes) && (r.afterBytes as number) >= 0
        ? undefined
        : 'afterBytes must be a non-negative integer';
    case 'processing':
      return r.outcome === 'ready' || r.outcome === 'failed'
        ? undefined
        : "outcome must be 'ready' or 'failed'";
    case 'indexing':
      return r.outcome === 'ready' || r.outcome === 'failed'
        ? undefined
        : "outcome must be 'ready' or 'failed'";
    default:
      return "kind must be one of 'status', 'latency', 'drop', 'processing', 'indexing'";
  }
}
