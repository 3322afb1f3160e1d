#!/usr/bin/env node
// The CLI is TypeScript run through tsx (no build step yet): register it, then start.
import { register } from 'tsx/esm/api';

register();
await import('../electron/cli/main.ts');
