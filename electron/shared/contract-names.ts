/**
 * The names of the contract's commands and events, apart from their zod schemas: the preload (a
 * sandboxed page script) and the IPC channel names need the names only, and must stay light.
 * contract.ts fails to type-check unless its tables have exactly these names.
 */
export const commandNames = [
  'uploads:add',
  'uploads:list',
  'uploads:pause',
  'uploads:resume',
  'uploads:cancel',
  'uploads:retry',
  'uploads:move-to-top',
  'uploads:upload-anyway',
  'uploads:upload-without-indexing',
  'uploads:remove',
  'uploads:remove-finished',
  'uploads:retry-all',
  'uploads:pause-all',
  'uploads:resume-all',
  'uploads:history',
  'uploads:clear-history',
  'library:query',
  'library:detail',
  'library:sync',
  'library:state',
  'library:delete',
  'library:memberships',
  'library:index-assets',
  'indexes:list',
  'indexes:create',
  'folders:list',
  'folders:preview',
  'folders:add',
  'folders:update',
  'folders:remove',
  'folders:pause',
  'folders:resume',
  'folders:rescan',
  'settings:get',
  'settings:update',
  'settings:set-api-key',
  'settings:clear-api-key',
  'settings:test-api-key',
  'app:reveal-file',
  'app:choose-and-add',
] as const;

export const eventNames = [
  'uploads:item-added',
  'uploads:item-changed',
  'uploads:item-removed',
  'uploads:changed',
  'uploads:totals-changed',
  'library:changed',
  'library:state-changed',
  'folders:changed',
  'folders:status-changed',
  'settings:changed',
  'app:notice',
] as const;

export type CommandName = (typeof commandNames)[number];
export type EventName = (typeof eventNames)[number];

/** Anything from outside (a page, a socket) is a command name only if the contract lists it. */
export function isCommandName(name: unknown): name is CommandName {
  return typeof name === 'string' && (commandNames as readonly string[]).includes(name);
}

export function isEventName(name: unknown): name is EventName {
  return typeof name === 'string' && (eventNames as readonly string[]).includes(name);
}
