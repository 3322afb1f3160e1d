import type {
  CommandName,
  CommandRequest,
  CommandResponse,
  CommandResult,
  EventName,
  EventPayload,
} from '../../electron/shared/contract.ts';
import type { AddResultView } from '../../electron/shared/settings-types.ts';
import type { LibraryAsset } from '../../electron/shared/library-types.ts';

/** What the Electron preload exposes (electron/preload/preload.ts). */
interface PreloadApi {
  invoke(name: CommandName, payload: unknown): Promise<CommandResult<CommandName>>;
  on(name: EventName, listener: (payload: unknown) => void): () => void;
  pathForFile(file: File): string;
}

declare global {
  interface Window {
    tlUploader?: PreloadApi;
  }
}

export class CommandFailed extends Error {
  constructor(
    readonly code: string,
    message: string,
  ) {
    super(message);
  }
}

type Listener = (payload: unknown) => void;

/**
 * The renderer's side of the contract. In the desktop app it goes through the preload; in serve
 * mode over a WebSocket to the same core. Views never see which.
 */
export class Client {
  private ws: WebSocket | undefined;
  private ready: Promise<void> | undefined;
  private nextId = 1;
  // Bookkeeping, not view state: plain collections on purpose.
  // eslint-disable-next-line svelte/prefer-svelte-reactivity
  private readonly pending = new Map<number, (reply: CommandResult<CommandName>) => void>();
  // eslint-disable-next-line svelte/prefer-svelte-reactivity
  private readonly listeners = new Map<EventName, Set<Listener>>();
  connected = $state(true);

  constructor(private readonly preload = window.tlUploader) {
    if (!preload) this.ready = this.connect();
  }

  get mode(): 'desktop' | 'browser' {
    return this.preload ? 'desktop' : 'browser';
  }

  async invoke<N extends CommandName>(name: N, payload: CommandRequest<N>): Promise<CommandResponse<N>> {
    const result = this.preload
      ? await this.preload.invoke(name, payload)
      : await this.viaSocket(name, payload);
    if (!result.ok) throw new CommandFailed(result.error.code, result.error.message);
    return result.value as CommandResponse<N>;
  }

  on<E extends EventName>(name: E, listener: (payload: EventPayload<E>) => void): () => void {
    if (this.preload) return this.preload.on(name, listener as Listener);
    let set = this.listeners.get(name);
    // eslint-disable-next-line svelte/prefer-svelte-reactivity
    if (!set) this.listeners.set(name, (set = new Set()));
    set.add(listener as Listener);
    return () => set.delete(listener as Listener);
  }

  /** Adds dropped files: by path in the desktop app, streamed to the server in a browser. */
  async addFiles(files: File[]): Promise<AddResultView> {
    if (this.preload) {
      const inputs = files.map((file) => ({ kind: 'file' as const, path: this.preload!.pathForFile(file) }));
      return this.invoke('uploads:add', { inputs });
    }
    const result: AddResultView = { added: [], rejected: [] };
    for (const file of files) {
      const res = await fetch(`/upload?name=${encodeURIComponent(file.name)}`, {
        method: 'POST',
        body: file,
      });
      const body = (await res.json()) as AddResultView & { error?: string };
      if (!res.ok) result.rejected.push({ input: file.name, message: body.error ?? `HTTP ${res.status}` });
      else {
        result.added.push(...body.added);
        result.rejected.push(...body.rejected);
      }
    }
    return result;
  }

  thumbnailSrc(asset: LibraryAsset): string | undefined {
    if (this.preload) return asset.thumbnailPath ? `file://${asset.thumbnailPath}` : undefined;
    return asset.thumbnail?.status === 'ready' ? `/thumbnail/${encodeURIComponent(asset.id)}` : undefined;
  }

  private async viaSocket(name: CommandName, payload: unknown): Promise<CommandResult<CommandName>> {
    await this.ready;
    const id = this.nextId++;
    return new Promise((resolve) => {
      this.pending.set(id, resolve);
      this.ws!.send(JSON.stringify({ id, command: name, payload }));
    });
  }

  private connect(attempt = 0): Promise<void> {
    return new Promise((resolve) => {
      const ws = new WebSocket(`${location.protocol === 'https:' ? 'wss' : 'ws'}://${location.host}/ws`);
      ws.onopen = () => {
        this.ws = ws;
        this.connected = true;
        resolve();
      };
      ws.onmessage = (message) => {
        const data = JSON.parse(String(message.data));
        if (data.event) this.listeners.get(data.event)?.forEach((l) => l(data.payload));
        else {
          this.pending.get(data.id)?.(data);
          this.pending.delete(data.id);
        }
      };
      ws.onclose = () => {
        this.connected = false;
        for (const [, resolvePending] of this.pending)
          resolvePending({
            ok: false,
            error: { code: 'failed', message: 'The connection to TL Uploader was lost.' },
          });
        this.pending.clear();
        // Reconnect with a growing pause; commands wait for it.
        this.ready = new Promise((r) =>
          setTimeout(() => void this.connect(attempt + 1).then(r), Math.min(5000, 250 * 2 ** attempt)),
        );
        resolve();
      };
    });
  }
}

export const client = new Client();
