/**
 * A part of the core given no logger never drops its errors: the one default (defaultLogger in
 * core/ports.ts) sends warnings and errors to stderr, redacted, and drops only debug and info.
 * silentLogger is for tests that ask for silence: no code in electron/ falls back to it.
 */
import { spawnSync } from 'node:child_process';
import { readdirSync, readFileSync } from 'node:fs';
import { join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';

const root = fileURLToPath(new URL('../..', import.meta.url));

function sources(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((entry) => {
    const path = join(dir, entry.name);
    if (entry.isDirectory()) return sources(path);
    return /\.(ts|svelte)$/.test(entry.name) ? [path] : [];
  });
}

describe('the default logger', () => {
  it('is the only fallback: no code in electron/ defaults to silentLogger', () => {
    const files = sources(join(root, 'electron'));
    expect(files.length).toBeGreaterThan(50); // the scan reads the tree, not nothing
    const users = files
      .filter((file) => relative(root, file) !== join('electron', 'core', 'ports.ts'))
      .filter((file) => /\bsilentLogger\b/.test(readFileSync(file, 'utf8')))
      .map((file) => relative(root, file));
    expect(users).toEqual([]);
  });

  it('sends the errors of parts built without a logger to stderr, redacted, and drops chatter', () => {
    const child = spawnSync(
      process.execPath,
      ['--import', 'tsx', join(root, 'tests', 'unit', 'default-logger-child.ts')],
      { cwd: root, encoding: 'utf8', timeout: 50_000 },
    );
    expect(child.status, child.stderr).toBe(0);
    const stderr = child.stderr;
    expect(stderr).toContain('error: child scope / failing step failed {"error":"the step broke"}');
    expect(stderr).toMatch(/warning: request failed; retrying .*127\.0\.0\.1/);
    expect(stderr).toContain('error: storage refused a part');
    expect(stderr).toContain('https://storage.example/part?[redacted]');
    expect(stderr).not.toContain('default-logger-secret');
    expect(stderr).not.toContain('chatter');
    expect(child.stdout).toContain('the call failed as expected');
  }, 60_000);
});
