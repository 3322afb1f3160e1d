import { afterAll, beforeAll, beforeEach, expect } from 'vitest';
import { TwelvelabsApiClient, TwelvelabsApiError } from 'twelvelabs-js';
import { startEmulator, type RunningEmulator } from '../../emulator/index.ts';
import { EmulatorControl } from './emulator-control.ts';
import { makeTempDir } from './temp-dir.ts';

// What the official-SDK tests (emulator-sdk*.test.ts) share: an emulator per file, reset before
// each test, the SDK pointed at it, and the helpers their checks use.

export interface SdkEmulator {
  emulator: RunningEmulator;
  control: EmulatorControl;
  sdk: TwelvelabsApiClient;
  /** A temporary folder for the test's files, removed after the file. */
  dir: string;
}

/** Starts the emulator before the file's tests and closes it after; the fields are set by then. */
export function useSdkEmulator(): SdkEmulator {
  const env = {} as SdkEmulator;
  let cleanupDir: () => Promise<void>;
  beforeAll(async () => {
    ({ dir: env.dir, cleanup: cleanupDir } = await makeTempDir());
    env.emulator = await startEmulator({ processingMs: 50 });
    env.control = new EmulatorControl(env.emulator.origin);
    env.sdk = new TwelvelabsApiClient({ apiKey: 'test-key', baseUrl: env.emulator.url });
  });
  afterAll(async () => {
    await env.emulator.close();
    await cleanupDir();
  });
  beforeEach(async () => {
    await env.control.reset();
  });
  return env;
}

export const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

export async function waitUntilSettled(sdk: TwelvelabsApiClient, id: string) {
  for (let i = 0; i < 200; i++) {
    const asset = await sdk.assets.retrieve(id);
    if (asset.status !== 'processing') return asset;
    await sleep(25);
  }
  throw new Error(`asset ${id} never settled`);
}

/** The parsed body behind an SDK page (the SDK keeps it in a private field). */
export function pageResponse(
  page: object,
): Record<string, unknown> & { pageInfo?: unknown; status?: unknown } {
  return (page as unknown as { response: Record<string, unknown> }).response;
}

export async function expectApiError(promise: Promise<unknown>, status: number, code?: string) {
  const error = await promise.then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(error, `expected HTTP ${status}`).toBeInstanceOf(TwelvelabsApiError);
  const apiError = error as TwelvelabsApiError;
  expect(apiError.statusCode).toBe(status);
  if (code) expect((apiError.body as { code: string }).code).toBe(code);
  return apiError;
}
