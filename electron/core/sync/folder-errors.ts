/** A folder that cannot be watched or previewed as asked; the message says why, for the person. */
export class FolderError extends Error {}
