import type { AppSettings } from '../../electron/shared/settings-types.ts';
import type { FolderStatus, WatchedFolder } from '../../electron/shared/sync-types.ts';
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
  /** Why the last key entered on the welcome screen was not accepted (survives its re-mount). */
  setupMessage = $state<string | undefined>();
  notices = $state<Array<{ id: number; level: 'info' | 'warning' | 'error'; message: string }>>([]);
  private noticeId = 0;

  needsSetup = $derived(this.settings !== undefined && !this.settings.sandbox && !this.settings.apiKeySet);

  constructor() {
    client.on('settings:changed', (s) => (this.settings = s));
    client.on('folders:changed', (f) => (this.folders = f));
    client.on('folders:status-changed', (s) => (this.statuses = { ...this.statuses, [s.id]: s }));
    client.on('app:notice', (n) => this.notify(n.level, n.message));
  }

  async load(): Promise<void> {
    this.settings = await client.invoke('settings:get', {});
    const { folders, statuses } = await client.invoke('folders:list', {});
    this.folders = folders;
    this.statuses = Object.fromEntries(statuses.map((s) => [s.id, s]));
  }

  openAsset(id: string): void {
    this.openAssetId = id;
    this.view = 'library';
  }

  notify(level: 'info' | 'warning' | 'error', message: string): void {
    const id = ++this.noticeId;
    this.notices = [...this.notices, { id, level, message }];
    setTimeout(() => this.dismiss(id), level === 'info' ? 5_000 : 12_000);
  }

  dismiss(id: number): void {
    this.notices = this.notices.filter((n) => n.id !== id);
  }
}

export const app = new AppState();
