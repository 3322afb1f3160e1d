/**
 * What the queue looks like outside the window — tray state and tooltip, taskbar/dock progress,
 * the dock badge, whether the machine must stay awake — computed from the queue's running totals
 * only (never by listing the queue: at 100,000 items a listing per progress tick took ~200 ms).
 * Pure: no Electron, unit-tested; status-surfaces.ts and power.ts only apply the result.
 */
import { countWhere, isTransferring, isUnderWay, needsAttention } from '../shared/item-state.ts';
import type { QueueItemView, QueueTotals } from '../shared/queue-types.ts';

export const TRAY_STATES = ['idle', 'uploading', 'paused', 'offline', 'error'] as const;
export type TrayState = (typeof TRAY_STATES)[number];

export interface StatusSummary {
  state: TrayState;
  tooltip: string;
  /** Bytes sent in [0, 1], or -1 to hide the bar. */
  progress: number;
  progressMode: 'normal' | 'paused' | 'error';
  /** The dock badge: how many items need the person (failed, missing, or the key refused). */
  badge: string;
  /** Work is being done right now: keep the machine awake, show progress. */
  busy: boolean;
}

/**
 * Busy means items in an active state, or queued items that will start as soon as a slot frees.
 * Paused, waiting (offline, rate-limited) and missing items are not work: the machine may sleep.
 */
export function isBusy(t: QueueTotals): boolean {
  if (countWhere(t.byState, isTransferring) > 0) return true;
  return !t.paused && !t.blockedByAuth && (t.byState.queued ?? 0) > 0;
}

export function attentionCount(t: QueueTotals): number {
  return countWhere(t.byState, needsAttention) + (t.blockedByAuth ? 1 : 0);
}

const plural = (n: number, word: string) => `${n} ${word}${n === 1 ? '' : 's'}`;

export function summarize(t: QueueTotals, waitingOffline: number): StatusSummary {
  const busy = isBusy(t);
  const attention = attentionCount(t);
  const remaining = t.bytesTotal > 0 && t.bytesDone < t.bytesTotal;
  const fraction = t.bytesTotal > 0 ? Math.min(1, t.bytesDone / t.bytesTotal) : 0;
  const state: TrayState =
    attention > 0
      ? 'error'
      : t.paused
        ? 'paused'
        : busy
          ? 'uploading'
          : waitingOffline > 0
            ? 'offline'
            : 'idle';
  const active = countWhere(t.byState, isUnderWay);
  const detail: Record<TrayState, string> = {
    idle: 'all uploads done',
    uploading: `uploading ${plural(active, 'file')}, ${Math.floor(fraction * 100)} %`,
    paused: 'paused',
    offline: `offline, ${plural(waitingOffline, 'file')} waiting`,
    error: t.blockedByAuth
      ? 'the API key was refused'
      : `${plural(attention, 'file')} need${attention === 1 ? 's' : ''} attention`,
  };
  return {
    state,
    tooltip: `TL Uploader — ${detail[state]}`,
    progress: busy || (t.paused && remaining) ? fraction : -1,
    progressMode: t.paused ? 'paused' : attention > 0 ? 'error' : 'normal',
    badge: attention > 0 ? String(attention) : '',
    busy,
  };
}

/**
 * The items waiting for the network, counted as they change (item events), so the tray can say
 * "offline" without listing the queue.
 */
export class OfflineCounter {
  private readonly ids = new Set<string>();

  constructor(initial: Iterable<QueueItemView> = []) {
    for (const item of initial) this.update(item);
  }

  update(item: QueueItemView): void {
    if (item.state === 'waiting' && item.wait?.code === 'offline') this.ids.add(item.id);
    else this.ids.delete(item.id);
  }

  remove(id: string): void {
    this.ids.delete(id);
  }

  get count(): number {
    return this.ids.size;
  }
}

/** The tray image for a state: macOS template images (recoloured by the menu bar), colour elsewhere. */
export function trayImageName(state: TrayState, platform: NodeJS.Platform): string {
  return platform === 'darwin' ? `tray-${state}Template.png` : `tray-${state}.png`;
}
