/**
 * JSON from the network, parsed with bounds: the size is checked before parsing (ws's maxPayload
 * already refuses bigger frames) and the nesting depth is measured by a linear scan before
 * JSON.parse, so no message can make parsing, validation or the echo of an id recurse deeply.
 */
export const MAX_MESSAGE_BYTES = 1024 * 1024;
export const MAX_DEPTH = 32;

export class InvalidMessage extends Error {}

export function parseBoundedJson(text: string): unknown {
  if (text.length > MAX_MESSAGE_BYTES) throw new InvalidMessage('The message is too large.');
  if (nestingDepth(text) > MAX_DEPTH)
    throw new InvalidMessage(`The message is nested deeper than ${MAX_DEPTH} levels.`);
  try {
    return JSON.parse(text) as unknown;
  } catch {
    throw new InvalidMessage('Messages must be JSON.');
  }
}

/** The deepest `[`/`{` nesting outside strings; stops counting once it passes the limit. */
export function nestingDepth(text: string): number {
  let depth = 0;
  let deepest = 0;
  let inString = false;
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    if (inString) {
      if (c === 0x5c)
        i++; // backslash: skip the escaped character
      else if (c === 0x22) inString = false;
    } else if (c === 0x22) inString = true;
    else if (c === 0x5b || c === 0x7b) {
      if (++depth > deepest) deepest = depth;
      if (deepest > MAX_DEPTH) return deepest;
    } else if (c === 0x5d || c === 0x7d) depth--;
  }
  return deepest;
}
