import { z } from 'zod';
import { settingsPatchSchema } from '../shared/contract.ts';
import type { DocumentSchema } from './store/document-schema.ts';

/**
 * The schema of settings.json: each setting checked on its own with the very rule the Settings
 * view is held to (the contract's settings:update schema), so a saved value can never be one the
 * app would refuse: `concurrency: 0` would start nothing and wait forever. An unreadable setting
 * goes back to its default, and that is said.
 */
export function settingsSchema<T extends Record<string, unknown>>(defaults: T): DocumentSchema<T> {
  const shape = settingsPatchSchema.shape as Record<string, z.ZodType>;
  const rules: Record<string, z.ZodType> = {
    ...shape,
    // Which base URLs are safe is base-url-guard.ts's to say (with its own notice); here only
    // that it is a string.
    baseUrl: z.string().min(1).max(500),
  };
  return {
    label: 'the settings (settings.json)',
    initial: () => structuredClone(defaults),
    journal: Object.fromEntries(Object.keys(defaults).map((key) => [key, 1])),
    check(raw, problems) {
      const out: Record<string, unknown> = { ...raw };
      const reset: string[] = [];
      for (const key of Object.keys(defaults)) {
        const rule = rules[key];
        if (!rule) continue;
        const parsed = rule.safeParse(raw[key]);
        if (parsed.success && parsed.data !== undefined) out[key] = parsed.data;
        else {
          out[key] = structuredClone(defaults[key]);
          if (raw[key] !== undefined) reset.push(`${key} (was ${JSON.stringify(raw[key])?.slice(0, 40)})`);
        }
      }
      if (reset.length > 0)
        problems.push(
          `${reset.length === 1 ? 'a setting was' : `${reset.length} settings were`} unreadable and put back to the default: ${reset.join(', ')}`,
        );
      return out as T;
    },
  };
}
