export { startEmulator, type EmulatorOptions, type RunningEmulator } from './server.ts';
export { DEFAULT_SETTINGS, type EmulatorSettings } from './core.ts';
export { DEFAULT_LIMITS, type UploadLimits } from './limits.ts';
export type { FaultRule } from './faults.ts';
