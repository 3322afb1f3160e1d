import type { CommandName, CommandResult } from './contract.ts';
import type { EventName } from './contract-names.ts';

/**
 * What the desktop app's preload exposes to the page as `window.tlUploader`: the preload's object
 * is checked against it (`satisfies`) and the renderer's client reads it, so the two cannot drift.
 */
export interface PreloadApi {
  invoke(name: CommandName, payload: unknown): Promise<CommandResult<CommandName>>;
  on(name: EventName, listener: (payload: unknown) => void): () => void;
  /** The path of a dropped file on this computer ('' when it has none: dragged from a web page). */
  pathForFile(file: File): string;
}
