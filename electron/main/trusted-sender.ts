/**
 * Which IPC messages main accepts: only from our own window's webContents, from its main frame
 * (not an iframe), at our app's exact entry page (scheme, host and path; the query and hash are
 * the page's own business). Pure, so the rule is unit-tested; ipc.ts gathers the facts.
 */
export interface SenderFacts {
  /** The event's sender is the webContents of the window we created. */
  fromOurWebContents: boolean;
  /** The sending frame is that webContents' main frame. */
  isMainFrame: boolean;
  /** The sending frame's URL (undefined when the frame is gone). */
  frameUrl: string | undefined;
}

/** Why a message is refused, or undefined when it comes from our page. */
export function refusalReason(facts: SenderFacts, appEntryUrl: string): string | undefined {
  if (!facts.fromOurWebContents) return 'not from the app window';
  if (!facts.isMainFrame) return 'from a sub-frame';
  if (!facts.frameUrl) return 'from a frame that is gone';
  let url: URL;
  const entry = new URL(appEntryUrl);
  try {
    url = new URL(facts.frameUrl);
  } catch {
    return 'from an unreadable URL'; // the refusal is the answer (and ipc.ts logs it)
  }
  if (url.protocol !== entry.protocol || url.host !== entry.host || url.pathname !== entry.pathname)
    return `from ${url.protocol}//${url.host}${url.pathname}, not the app page`;
  return undefined;
}
