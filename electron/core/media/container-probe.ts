import { open } from 'node:fs/promises';
import mediaInfoFactory, { type MediaInfo } from 'mediainfo.js';

/** What a file's container says about it: enough for the models' requirements. */
export interface ContainerFacts {
  durationSeconds?: number;
  width?: number;
  height?: number;
  hasVideo: boolean;
  hasAudio: boolean;
  /** The file's size when it was read. */
  size: number;
  /** How many bytes were read to learn it. */
  bytesRead: number;
}

const CHUNK = 64 * 1024;
/**
 * Bytes read in one run after the last seek. The header and index (an MP4's moov, wherever it
 * is; Matroska's segment info and tracks) come within it; MediaInfo would go on into the media
 * data to sample frames, which the requirements do not need, so reading stops there.
 */
const RUN_BUDGET = 1024 * 1024;

/**
 * Reads the container of a local file with MediaInfo (mediainfo.js: MediaInfoLib compiled to
 * WASM, offline, the same in Node and Electron; maintained, and it knows every container the
 * platform takes: MP4/MOV, Matroska/WebM, AVI, MPEG-TS, FLV, audio files). Chosen over spawning
 * ffprobe (not on a person's machine) and hand-written box parsers (one per container, each a
 * source of mistakes). One instance per lane, one file at a time in each (MediaInfo is not
 * re-entrant).
 */
export class ContainerProbe {
  /**
   * Two lanes, each its own MediaInfo and its own one-at-a-time order: local files, and sources
   * whose bytes come over the network (url-probe.ts). A URL's later blocks are fetched during its
   * turn, so a server that stalls would otherwise hold every local file's check behind it until
   * the URL's time limit. The remote lane's MediaInfo is made only when a URL is first read.
   */
  private readonly lanes: Record<
    ProbeLane,
    { instance?: Promise<MediaInfo<'JSON'>>; chain: Promise<unknown> }
  > = { local: { chain: Promise.resolve() }, remote: { chain: Promise.resolve() } };

  probe(path: string): Promise<ContainerFacts> {
    return this.probeSource(() => fileSource(path));
  }

  /**
   * Reads a container from any source of bytes (a local file, or a URL read by Range requests:
   * url-probe.ts, on the 'remote' lane), opened when its turn comes and closed after.
   */
  probeSource(open: () => Promise<ByteSource>, lane: ProbeLane = 'local'): Promise<ContainerFacts> {
    const state = this.lanes[lane];
    const run = state.chain.then(() => this.read(state, open));
    state.chain = run.catch(() => undefined); // the chain only orders runs: probe's caller hears of a failure
    return run;
  }

  close(): void {
    // Closing at shutdown: a MediaInfo that failed to load was already reported to its probe.
    for (const state of Object.values(this.lanes)) {
      // A close that fails at shutdown has nothing left to release or anyone to tell.
      void state.instance?.then((mi) => mi.close()).catch(() => undefined);
      state.instance = undefined;
    }
  }

  private async read(
    state: { instance?: Promise<MediaInfo<'JSON'>> },
    open: () => Promise<ByteSource>,
  ): Promise<ContainerFacts> {
    state.instance ??= mediaInfoFactory({ format: 'JSON', chunkSize: CHUNK });
    const mi = await state.instance;
    const source = await open();
    let bytesRead = 0;
    try {
      const { size } = source;
      const buffer = Buffer.alloc(CHUNK);
      let offset = 0;
      let sinceSeek = 0;
      mi.reset();
      mi.openBufferInit(size, 0);
      // Bounded: a parser that keeps asking for the same places cannot loop forever.
      for (let step = 0; step < 4096 && offset < size; step++) {
        const n = await source.read(buffer, Math.min(CHUNK, size - offset), offset);
        if (n === 0) break;
        bytesRead += n;
        sinceSeek += n;
        const finished = mi.openBufferContinue(buffer.subarray(0, n), n);
        const seekTo = mi.openBufferContinueGotoGet();
        if (seekTo !== -1 && seekTo < size && seekTo !== offset) {
          offset = seekTo;
          sinceSeek = 0;
          // -1: only a reposition while the parser still wants data (mediainfo.js does the same).
          mi.openBufferInit(finished ? size : -1, seekTo);
          continue;
        }
        offset += n;
        if (finished || sinceSeek >= RUN_BUDGET) break;
      }
      mi.openBufferFinalize();
      return { ...facts(mi.inform()), size, bytesRead };
    } finally {
      await source.close();
    }
  }
}

/** Where a read waits its turn: local files never behind a network source. */
export type ProbeLane = 'local' | 'remote';

/** Bytes of a container, read at any offset: a file, or a URL by Range requests. */
export interface ByteSource {
  readonly size: number;
  /** Reads up to `length` bytes at `offset` into `buffer`; 0 when nothing more will be given. */
  read(buffer: Buffer, length: number, offset: number): Promise<number>;
  close(): Promise<void>;
}

async function fileSource(path: string): Promise<ByteSource> {
  const file = await open(path, 'r');
  try {
    const { size } = await file.stat();
    return {
      size,
      read: async (buffer, length, offset) => (await file.read(buffer, 0, length, offset)).bytesRead,
      close: () => file.close(),
    };
  } catch (error) {
    await file.close();
    throw error;
  }
}

interface Track {
  '@type'?: string;
  Duration?: string | number;
  Width?: string | number;
  Height?: string | number;
}

function facts(json: string): Omit<ContainerFacts, 'bytesRead' | 'size'> {
  const tracks = ((JSON.parse(json) as { media?: { track?: Track[] } }).media?.track ?? []) as Track[];
  const num = (v: unknown) => {
    const n = typeof v === 'number' ? v : Number(v);
    return Number.isFinite(n) && n > 0 ? n : undefined;
  };
  const general = tracks.find((t) => t['@type'] === 'General');
  const video = tracks.find((t) => t['@type'] === 'Video');
  const audio = tracks.find((t) => t['@type'] === 'Audio');
  return {
    durationSeconds: num(general?.Duration) ?? num(video?.Duration) ?? num(audio?.Duration),
    width: num(video?.Width),
    height: num(video?.Height),
    hasVideo: !!video,
    hasAudio: !!audio,
  };
}
