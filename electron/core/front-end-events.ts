import { eventNames, type EventName } from '../shared/contract-names.ts';
import type { EventPayload } from '../shared/contract.ts';

/** Item events of one turn of the event loop beyond this many are sent as one `uploads:changed`. */
export const ITEM_BURST = 100;

const ITEM_EVENTS: readonly EventName[] = [
  'uploads:item-added',
  'uploads:item-changed',
  'uploads:item-removed',
];

interface EventSource {
  on<E extends EventName>(event: E, listener: (payload: EventPayload<E>) => void): () => void;
}

/**
 * The core's events as a front end (a window over IPC, a page over the WebSocket) receives them.
 * Item events are held to the end of the event loop's turn: a few are sent one by one, as they
 * came; a burst (clear finished over 100,000 items, a folder's first scan) is sent as one
 * `uploads:changed` with its size, on which a front end re-reads the page it shows. Sending each
 * of 100,000 items (20 MB of JSON, one message each) took seconds to serialize and longer to parse
 * on the other side; the page never needed more than the rows in view.
 * Pause all and resume all over many items reach here as one `uploads:changed` already: the queue
 * changes them in one pass and says so once (queue-bulk.ts), to in-process listeners (the tray,
 * the CLI, watched folders) too, which otherwise hear every item from the core.
 */
export function frontEndEvents(
  core: EventSource,
  send: (event: EventName, payload: unknown) => void,
): () => void {
  let held: Array<[EventName, unknown]> = [];
  let flush: NodeJS.Immediate | undefined;
  const release = () => {
    flush = undefined;
    const events = held;
    held = [];
    if (events.length <= ITEM_BURST) for (const [event, payload] of events) send(event, payload);
    else send('uploads:changed', { count: events.length });
  };
  const offs = eventNames.map((event) =>
    core.on(event, (payload) => {
      if (!ITEM_EVENTS.includes(event)) {
        // Totals and the rest keep their order after the item events of the same turn.
        if (held.length > 0) {
          clearImmediate(flush);
          release();
        }
        return send(event, payload);
      }
      held.push([event, payload]);
      flush ??= setImmediate(release);
    }),
  );
  return () => {
    offs.forEach((off) => off());
    clearImmediate(flush);
    flush = undefined;
    held = [];
  };
}
