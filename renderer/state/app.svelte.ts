import type { LibraryState } from '../../electron/shared/library-types.ts';
import type { AppSettings } from '../../electron/shared/settings-types.ts';
import type { FolderStatus, WatchedFolder } from '../../electron/shared/sync-types.ts';
import { SvelteSet } from 'svelte/reactivity';
import { client } from '../lib/client.svelte.ts';

export type View = 'uploads' | 'library' | 'folders' | 'settings';

/** App-wide read models: settings, watched folders and notices. */
export class AppState {
  view = $state<View>('uploads');
  /** An asset to open in the Library (from "Open asset" in the queue). */
  openAssetId = $state<string | undefined>();
  settings = $state<AppSettings | undefined>();
  folders = $state<WatchedFolder[]>([]);
  statuses = $state<Record<string, FolderStatus>>({});
  /** Whether TwelveLabs can be reached (the library's sync state): shown in every view. */
  connection = $state<LibraryState | undefined>();
  /** Uploads waiting for the network (ids): offline too, even while the library has not noticed. */
  readonly waitingOffline = new SvelteSet<string>();
  /** What the app-wide offline line says, or undefined while TwelveLabs can be reached. */
  offline = $derived.by(() => {
    if (this.connection && !this.connection.online)
      return `Offline: ${this.connection.problem ?? 'TwelveLabs cannot be reached.'} Uploads wait and continue by themselves.`;
    if (this.waitingOffline.size > 0)
      return 'Offline: TwelveLabs cannot be reached. Uploads wait and continue by themselves.';
    return undefined;
  });
  /** Why the last key entered on the welcome screen was not accepted (survives its re-mount). */
  setupMessage = $state<string | undefined>();
  notices = $state<
    Array<{ id: number; level: 'info' | 'warning' | 'error'; message: string; count: number }>
  >([]);
  private noticeId = 0;
  // Timers, not shown: no reactivity wanted.
  // eslint-disable-next-line svelte/prefer-svelte-reactivity
  private noticeTimers = new Map<number, ReturnType<typeof setTimeout>>();
  /** Notices shown until dismissed (data lost): no timer. */
  // eslint-disable-next-line svelte/prefer-svelte-reactivity
  private lastingIds = new Set<number>();

  needsSetup = $derived(this.settings !== undefined && !this.settings.sandbox && !this.settings.apiKeySet);

  constructor() {
    client.on('settings:changed', (s) => (this.settings = s));
    client.on('folders:changed', (f) => (this.folders = f));
    client.on('folders:status-changed', (s) => (this.statuses = { ...this.statuses, [s.id]: s }));
    client.on('app:notice', (n) => this.notify(n.level, n.message, n.lasting === true));
    client.on('library:state-changed', (s) => (this.connection = s));
    // Uploads learn of a lost network before the library's next sync does.
    client.on('uploads:item-changed', (item) => {
      if (item.state === 'waiting' && item.wait?.code === 'offline') this.waitingOffline.add(item.id);
      else this.waitingOffline.delete(item.id);
    });
    client.on('uploads:item-removed', ({ id }) => this.waitingOffline.delete(id));
  }

  async load(): Promise<void> {
    this.settings = await client.invoke('settings:get', {});
    const { folders, statuses } = await client.invoke('folders:list', {});
    this.folders = folders;
    this.statuses = Object.fromEntries(statuses.map((s) => [s.id, s]));
    this.connection ??= await client.invoke('library:state', {});
  }

  openAsset(id: string): void {
    this.openAssetId = id;
    this.view = 'library';
  }

  /**
   * Shows a notice. The same notice while it is still on screen is not stacked a second time
   * (a refused edit repeated, a reconnect storm): the one shown counts it ("×2") and stays longer.
   */
  notify(level: 'info' | 'warning' | 'error', raw: string, lasting = false): void {
    const message = plainMessage(raw);
    const same = this.notices.find((n) => n.level === level && n.message === message);
    const id = same?.id ?? ++this.noticeId;
    if (same) this.notices = this.notices.map((n) => (n.id === id ? { ...n, count: n.count + 1 } : n));
    else this.notices = [...this.notices, { id, level, message, count: 1 }];
    clearTimeout(this.noticeTimers.get(id));
    this.noticeTimers.delete(id);
    // Something saved was lost: it stays until the person dismisses it, not 12 s they may miss.
    if (lasting) this.lastingIds.add(id);
    if (this.lastingIds.has(id)) return;
    this.noticeTimers.set(
      id,
      setTimeout(() => this.dismiss(id), level === 'info' ? 5_000 : 12_000),
    );
  }

  dismiss(id: number): void {
    clearTimeout(this.noticeTimers.get(id));
    this.noticeTimers.delete(id);
    this.lastingIds.delete(id);
    this.notices = this.notices.filter((n) => n.id !== id);
  }
}

/**
 * A refused command's message as a person reads it: without the command's name and the field's
 * path ("settings:update: bandwidthSchedule.0.days pick at least one day" → "Window 1: pick at
 * least one day").
 */
export function plainMessage(message: string): string {
  return message
    .replace(/^[a-z]+:[a-z-]+: /, '')
    .replace(/^bandwidthSchedule\.(\d+)\.\w+ /, (_, n: string) => `Window ${Number(n) + 1}: `);
}

export const app = new AppState();
