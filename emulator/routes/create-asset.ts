import busboy from 'busboy';
import { rename, rm } from 'node:fs/promises';
import { randomBytes } from 'node:crypto';
import type { EmulatorCore } from '../core.ts';
import { ApiError, drain, invalid, notProvided, sendJson } from '../http-helpers.ts';
import { ingestStream, TooLargeError, type Ingested } from '../ingest.ts';
import type { RequestContext } from '../router.ts';
import { settleDocument } from '../sniff-document.ts';
import { parseMetadataField } from '../user-metadata.ts';
import { assetWire } from '../wire.ts';

const FORM_FIELDS = ['method', 'url', 'filename', 'enable_hls', 'enable_thumbnail', 'user_metadata'];

interface ParsedForm {
  fields: Record<string, string>;
  file?: { ingested?: Ingested; error?: unknown; tmpPath: string; clientName: string };
}

/**
 * `POST /assets` (§1.2): a multipart/form-data body, streamed part by part. The file part goes
 * straight to disk through the size check for its detected type; nothing is buffered in memory,
 * and a body that ends early (the client went away) leaves no asset and no file behind.
 */
export async function createAsset(emu: EmulatorCore, ctx: RequestContext): Promise<void> {
  const form = await parseForm(emu, ctx);
  const cleanup = () => (form.file ? rm(form.file.tmpPath, { force: true }) : Promise.resolve());
  try {
    const asset = await validateAndCreate(emu, form);
    sendJson(ctx.res, 201, assetWire(asset));
  } catch (error) {
    await cleanup();
    throw error;
  }
}

async function validateAndCreate(emu: EmulatorCore, form: ParsedForm) {
  const { fields, file } = form;
  const method = fields.method;
  if (method === undefined) throw notProvided('method');
  if (method !== 'direct' && method !== 'url') throw invalid('method', "It must be 'direct' or 'url'.");
  const enableHls = booleanField(fields, 'enable_hls');
  const enableThumbnail = booleanField(fields, 'enable_thumbnail');
  const userMetadata =
    fields.user_metadata !== undefined ? parseMetadataField(fields.user_metadata) : undefined;
  if (fields.filename !== undefined && (fields.filename.length < 1 || fields.filename.length > 255))
    throw invalid('filename', 'It must be between 1 and 255 characters long.');

  if (method === 'direct') {
    if (!file) throw notProvided('file');
    if (file.error instanceof TooLargeError) throw invalid('file', file.error.message);
    if (file.error) throw file.error;
    const { size } = file.ingested!;
    if (size === 0) throw invalid('file', 'The file is empty.');
    const filename = fields.filename ?? (file.clientName || 'upload');
    const decided = settleDocument(file.ingested!.sniffed, filename);
    if ('problem' in decided) throw invalid('file', decided.problem);
    const { sniffed } = decided;
    const asset = emu.newAsset({
      method: 'direct',
      filename,
      enableHls,
      enableThumbnail,
      userMetadata,
      sniffed,
      size,
    });
    await rename(file.tmpPath, emu.blobs.blobPath(asset.id));
    asset.blobPath = emu.blobs.blobPath(asset.id);
    emu.state.changed();
    emu.scheduleProcessing(asset.id);
    return asset;
  }

  if (file) await rm(file.tmpPath, { force: true });
  const url = fields.url;
  if (url === undefined || url === '') throw notProvided('url');
  let parsed: URL;
  try {
    parsed = new URL(url);
  } catch {
    throw invalid('url', 'It is not a valid URL.');
  }
  if (parsed.protocol !== 'http:' && parsed.protocol !== 'https:')
    throw invalid('url', 'Only http and https URLs are supported.');
  const asset = emu.newAsset({
    method: 'url',
    filename: fields.filename ?? (lastSegment(parsed) || parsed.hostname),
    enableHls,
    enableThumbnail,
    userMetadata,
    sourceUrl: url,
  });
  emu.startDownload(asset);
  return asset;
}

function booleanField(fields: Record<string, string>, name: string): boolean {
  const v = fields[name];
  if (v === undefined || v === 'false') return false;
  if (v === 'true') return true;
  throw invalid(name, 'It must be true or false.');
}

function parseForm(emu: EmulatorCore, ctx: RequestContext): Promise<ParsedForm> {
  return new Promise((resolve, reject) => {
    let parser: busboy.Busboy;
    try {
      parser = busboy({
        headers: ctx.req.headers,
        defParamCharset: 'utf8',
        limits: { files: 1, fields: 20, parts: 30, fieldSize: 1024 * 1024 },
      });
    } catch {
      void drain(ctx.body).then(() =>
        reject(new ApiError(400, 'parameter_invalid', 'The request body must be multipart/form-data.')),
      );
      return;
    }
    const form: ParsedForm = { fields: {} };
    let fileDone: Promise<void> = Promise.resolve();
    let fileStream: (NodeJS.ReadableStream & { destroy(error?: Error): void }) | undefined;
    let failed = false;
    const fail = (error: ApiError) => {
      if (failed) return;
      failed = true;
      ctx.body.unpipe(parser);
      void drain(ctx.body).then(async () => {
        await fileDone;
        if (form.file) await rm(form.file.tmpPath, { force: true });
        reject(error);
      });
    };

    parser.on('field', (name, value) => {
      if (FORM_FIELDS.includes(name)) form.fields[name] = value;
    });
    parser.on('file', (name, stream, info) => {
      if (name !== 'file' || form.file) {
        stream.resume();
        return;
      }
      const tmpPath = emu.blobs.incomingPath(`${Date.now()}-${randomBytes(6).toString('hex')}`);
      const file: NonNullable<ParsedForm['file']> = { tmpPath, clientName: info.filename ?? '' };
      form.file = file;
      fileStream = stream;
      const limits = emu.settings.limits.direct;
      fileDone = ingestStream(stream, tmpPath, (s) =>
        s.kind ? limits[s.kind] : Math.max(limits.video, limits.audio),
      )
        .then((ingested) => {
          file.ingested = ingested;
        })
        .catch((error: unknown) => {
          file.error = error;
          stream.resume(); // keep reading so the rest of the form is parsed and the client can finish
        });
    });
    parser.on('filesLimit', () => undefined);
    parser.on('error', () =>
      fail(new ApiError(400, 'parameter_invalid', 'The multipart/form-data body is malformed.')),
    );
    parser.on('close', () => {
      void fileDone.then(() => {
        if (failed) return;
        if (form.file?.error && !(form.file.error instanceof TooLargeError)) {
          // The body stopped mid-file: the client is gone, so there is nobody to answer. Settled
          // (request log) only once the partial file is gone.
          const interrupted = new ApiError(400, 'parameter_invalid', 'The upload was interrupted.');
          return void rm(form.file.tmpPath, { force: true }).then(
            () => reject(interrupted),
            () => reject(interrupted),
          );
        }
        resolve(form);
      });
    });
    ctx.body.on('error', () => {
      // Connection lost or cut by fault injection: abandon everything, keep nothing.
      failed = true;
      // Ending the file part with an error makes the ingest remove its partial file.
      fileStream?.destroy(new Error('upload interrupted'));
      // Rejected once the partial file is removed, so the request settles with nothing left.
      const interrupted = new ApiError(400, 'parameter_invalid', 'The upload was interrupted.');
      void fileDone
        .then(() => (form.file ? rm(form.file.tmpPath, { force: true }) : undefined))
        .then(
          () => reject(interrupted),
          () => reject(interrupted),
        );
    });
    ctx.body.pipe(parser);
  });
}

/** The URL's last path segment, decoded; as written when its percent-encoding is bad (no 500). */
function lastSegment(url: URL): string {
  const segment = url.pathname.split('/').pop() ?? '';
  try {
    return decodeURIComponent(segment);
  } catch {
    return segment;
  }
}
