import type { CommandName, EventName } from './contract-names.ts';

/** Electron IPC channel names, derived from the contract's names (never written by hand). */
export const commandChannel = (name: CommandName) => `tl:command:${name}`;
export const eventChannel = (name: EventName) => `tl:event:${name}`;
