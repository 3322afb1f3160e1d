import { beforeAll, expect } from 'vitest';
import { TwelvelabsApiClient, TwelvelabsApiError } from 'twelvelabs-js';
import { emulator, useEmulatorPerFile } from './emulator-suite.ts';
import { until } from './until.ts';

// What the official-SDK tests (emulator-sdk*.test.ts) share: an emulator per file, reset before
// each test (emulator-suite.ts), the SDK pointed at it, and the helpers their checks use. The
// bindings are live; `dir` is a temporary folder for the test's files, removed after the file.
export { control, emulator, root as dir } from './emulator-suite.ts';
export let sdk: TwelvelabsApiClient;

/** Starts the emulator before the file's tests and closes it after; the bindings are set by then. */
export function useSdkEmulator(): void {
  useEmulatorPerFile({ processingMs: 50 });
  beforeAll(() => {
    sdk = new TwelvelabsApiClient({ apiKey: 'test-key', baseUrl: emulator.url });
  });
}

/** The asset once it is no longer `processing`, read through the SDK. */
export async function waitUntilSettled(id: string) {
  return until(`asset ${id} to settle`, async () => {
    const asset = await sdk.assets.retrieve(id);
    return asset.status !== 'processing' ? asset : undefined;
  });
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
