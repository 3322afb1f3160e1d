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
import { pageMediaUrl, SANDBOX_MEDIA_SEGMENT } from '../../electron/shared/sandbox-media.ts';
import type { PreloadApi } from '../../electron/shared/preload-api.ts';

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

/** Where this tab keeps serve mode's token: this origin and this tab only, never a cookie. */
const TOKEN_KEY = 'tl-uploader-token';
/** The WebSocket subprotocol serve mode speaks (electron/cli/serve/access.ts). */
const WS_PROTOCOL = 'tl-uploader';
/** The largest message serve mode takes (electron/cli/serve/bounded-json.ts). */
const MAX_MESSAGE_BYTES = 1024 * 1024;

/** A failure that retrying cannot mend: no token, or a token of an earlier start. */
class AccessProblem extends Error {}

/** The token in the address's fragment (`#token=…`), as serve mode prints it. */
function fragmentToken(): string | null {
  return new URLSearchParams(location.hash.slice(1)).get('token');
}

/**
 * Serve mode's token, taken once from the address serve printed (`#token=…`; `?token=` from
 * older builds), moved into sessionStorage (this tab only, kept across a reload) and removed from
 * the address bar, so it is not shown, bookmarked, shared or sent as a Referer. No cookie: a cookie
 * on 127.0.0.1 would go to every local server, whatever its port.
 */
function takeToken(): string | undefined {
  const fromHash = fragmentToken();
  // Read once at start-up, not view state.
  // eslint-disable-next-line svelte/prefer-svelte-reactivity
  const query = new URLSearchParams(location.search);
  const given = fromHash ?? query.get('token');
  if (given) {
    sessionStorage.setItem(TOKEN_KEY, given);
    query.delete('token');
    const search = query.size > 0 ? `?${query}` : '';
    history.replaceState(history.state, '', `${location.pathname}${search}`);
  }
  return sessionStorage.getItem(TOKEN_KEY) ?? undefined;
}

/**
 * The renderer's side of the contract. In the desktop app it goes through the preload; in serve
 * mode over a WebSocket to the same core, the token in its subprotocol. Views never see which.
 */
export class Client {
  private ws: WebSocket | undefined;
  private ready: Promise<void> | undefined;
  private nextId = 1;
  private readonly token: string | undefined;
  // Bookkeeping, not view state: plain collections on purpose.
  // eslint-disable-next-line svelte/prefer-svelte-reactivity
  private readonly pending = new Map<number, (reply: CommandResult<CommandName>) => void>();
  // eslint-disable-next-line svelte/prefer-svelte-reactivity
  private readonly listeners = new Map<EventName, Set<Listener>>();
  connected = $state(true);
  /** Why this tab cannot reach serve mode at all (and what to do), once retrying cannot help. */
  problem = $state<string | undefined>();
  /** The read-only key for thumbnails in serve mode (they are `<img>` sources: no header). */
  private mediaKey = $state<string | undefined>();
  /** The largest file serve mode takes: a bigger one is refused here, before it is sent. */
  private maxUploadBytes = Infinity;

  constructor(private readonly preload = window.tlUploader) {
    if (preload) return;
    this.token = takeToken();
    // A new address pasted into this tab differs only in its fragment, which loads nothing: take
    // its token and start again with it.
    window.addEventListener('hashchange', () => {
      if (fragmentToken() && takeToken() !== this.token) location.reload();
    });
    this.ready = this.open();
    // Commands report the problem; this only keeps an early failure from being "unhandled".
    this.ready.catch(() => undefined);
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
  /** `indexId`: the index chosen for these files ('' = upload without indexing; absent = Settings' default). */
  async addFiles(files: File[], indexId?: string): Promise<AddResultView> {
    if (this.preload) {
      // Items with no file on disk (text or an image dragged from a web page) are skipped and said,
      // rather than failing the whole drop.
      const withPath = files.map((file) => ({ file, path: this.preload!.pathForFile(file) }));
      const rejected = withPath
        .filter((f) => !f.path)
        .map((f) => ({
          input: f.file.name || 'A dropped item',
          message: 'It is not a file on this computer, so it was skipped.',
        }));
      const options = indexId === undefined ? undefined : { indexId };
      const inputs = withPath
        .filter((f) => f.path)
        .map((f) => ({ kind: 'file' as const, path: f.path, options }));
      if (inputs.length === 0) return { added: [], rejected };
      const result = await this.invoke('uploads:add', { inputs });
      return { ...result, rejected: [...rejected, ...result.rejected] };
    }
    const result: AddResultView = { added: [], rejected: [] };
    for (const file of files) {
      if (file.size > this.maxUploadBytes) {
        result.rejected.push({
          input: file.name,
          message: `The file is larger than the ${this.maxUploadBytes} bytes TwelveLabs takes.`,
        });
        continue;
      }
      const index = indexId === undefined ? '' : `&index=${encodeURIComponent(indexId)}`;
      const res = await fetch(`/upload?name=${encodeURIComponent(file.name)}${index}`, {
        method: 'POST',
        body: file,
        headers: { authorization: `Bearer ${this.token ?? ''}` },
      }).catch(() => undefined);
      const body = ((await res?.json().catch(() => undefined)) ?? {}) as Partial<AddResultView> & {
        error?: string;
      };
      if (!res?.ok)
        result.rejected.push({
          input: file.name,
          message: body.error ?? (res ? `HTTP ${res.status}` : 'TL Uploader could not be reached.'),
        });
      else {
        result.added.push(...(body.added ?? []));
        result.rejected.push(...(body.rejected ?? []));
      }
    }
    return result;
  }

  thumbnailSrc(asset: LibraryAsset): string | undefined {
    // The desktop page is app://tl-uploader/, which serves cached thumbnails by id (never file://).
    if (this.preload) return asset.thumbnailPath ? `/thumbnail/${encodeURIComponent(asset.id)}` : undefined;
    // Only once the core has it cached (thumbnailPath): before that, serve mode has nothing to send.
    if (!asset.thumbnailPath || !this.mediaKey) return undefined;
    return `/thumbnail/${encodeURIComponent(asset.id)}?key=${encodeURIComponent(this.mediaKey)}`;
  }

  /**
   * Where the page loads a stream from: the platform's (https) as it is, the Sandbox's through our
   * own origin (shared/sandbox-media.ts: the page's CSP allows no other port, in any mode); in
   * serve mode the relay takes the media key in its path (a playlist's relative URIs keep it).
   */
  mediaSrc(url: string): string | undefined {
    const relay = this.preload
      ? `/${SANDBOX_MEDIA_SEGMENT}`
      : this.mediaKey && `/${SANDBOX_MEDIA_SEGMENT}/${encodeURIComponent(this.mediaKey)}`;
    // Before serve's session answered there is no key yet: only the platform's URLs can load.
    if (!relay) return url.startsWith('https:') ? url : undefined;
    return pageMediaUrl(url, relay);
  }

  private async viaSocket(name: CommandName, payload: unknown): Promise<CommandResult<CommandName>> {
    try {
      await this.ready;
    } catch (error) {
      return { ok: false, error: { code: 'not-allowed', message: (error as Error).message } };
    }
    const ws = this.ws;
    if (!ws || ws.readyState !== WebSocket.OPEN)
      return { ok: false, error: { code: 'failed', message: 'The connection to TL Uploader was lost.' } };
    const id = this.nextId++;
    const message = JSON.stringify({ id, command: name, payload });
    // Serve mode takes messages of up to 1 MiB (a bigger one closes the connection).
    if (
      message.length > MAX_MESSAGE_BYTES / 3 &&
      new TextEncoder().encode(message).length > MAX_MESSAGE_BYTES
    )
      return {
        ok: false,
        error: { code: 'invalid-request', message: 'That is too much at once: do it in smaller parts.' },
      };
    return new Promise((resolve) => {
      this.pending.set(id, resolve);
      ws.send(message);
    });
  }

  /** Checks the token, then opens the WebSocket; retries with a growing pause until it can. */
  private async open(): Promise<void> {
    for (let attempt = 0; ; attempt++) {
      try {
        await this.startSession();
        if (await this.openSocket()) return;
      } catch (error) {
        if (error instanceof AccessProblem) {
          this.problem = error.message;
          this.connected = false;
          throw error;
        }
      }
      this.connected = false;
      await new Promise((r) => setTimeout(r, Math.min(5000, 250 * 2 ** attempt)));
    }
  }

  private async startSession(): Promise<void> {
    if (!this.token)
      throw new AccessProblem(
        'This tab has no key to TL Uploader. Open the address that `tl-uploader serve` (or `npm start`) printed.',
      );
    const res = await fetch('/session', { headers: { authorization: `Bearer ${this.token}` } });
    if (res.status === 401) {
      sessionStorage.removeItem(TOKEN_KEY);
      throw new AccessProblem(
        'This key is no longer valid: TL Uploader was restarted. Open the new address it printed.',
      );
    }
    if (!res.ok) throw new Error(`HTTP ${res.status}`);
    const session = (await res.json()) as { mediaKey: string; maxUploadBytes: number };
    this.mediaKey = session.mediaKey;
    this.maxUploadBytes = session.maxUploadBytes;
  }

  private openSocket(): Promise<boolean> {
    return new Promise((resolve) => {
      const scheme = location.protocol === 'https:' ? 'wss' : 'ws';
      const ws = new WebSocket(`${scheme}://${location.host}/ws`, [WS_PROTOCOL, `tl-token.${this.token}`]);
      let opened = false;
      ws.onopen = () => {
        opened = true;
        this.ws = ws;
        this.connected = true;
        resolve(true);
      };
      ws.onmessage = (message) => this.receive(message.data);
      ws.onclose = () => {
        if (!opened) return resolve(false);
        this.connected = false;
        for (const [, resolvePending] of this.pending)
          resolvePending({
            ok: false,
            error: { code: 'failed', message: 'The connection to TL Uploader was lost.' },
          });
        this.pending.clear();
        // Commands wait for the next connection.
        this.ready = this.open();
        this.ready.catch(() => undefined);
      };
    });
  }

  private receive(raw: unknown): void {
    let data: { event?: EventName; payload?: unknown; id?: number } & CommandResult<CommandName>;
    try {
      data = JSON.parse(String(raw));
    } catch {
      return;
    }
    if (data.event) this.listeners.get(data.event)?.forEach((l) => l(data.payload));
    else if (typeof data.id === 'number') {
      this.pending.get(data.id)?.(data);
      this.pending.delete(data.id);
    }
  }
}

export const client = new Client();
