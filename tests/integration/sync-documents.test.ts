/**
 * Documents in watched folders (issue 17), real queue and emulator: a folder asked for documents
 * counts and uploads the PDF, .txt and .md files whose names match their content, leaves a text
 * named .pdf and a .log alone (ignored, never failed), and a folder with the default kinds
 * uploads no document at all.
 */
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { mp4, writeFixture } from '../helpers/media.ts';
import { minimalPdf } from '../helpers/pdf.ts';
import {
  assetNames,
  creates,
  settled,
  startAll,
  statusWhere,
  useSyncSuite,
  watched,
} from '../helpers/sync-suite.ts';

useSyncSuite();

const TEXT = Buffer.from('Shot list\n1. wide — the bridge at dawn\n'.repeat(40));

async function fill() {
  await writeFixture(join(watched, 'brief.pdf'), minimalPdf('Brief'));
  await writeFixture(join(watched, 'notes.txt'), TEXT);
  await writeFixture(join(watched, 'README.md'), Buffer.from('# Shoot\n\n- day one\n'.repeat(30)));
  await writeFixture(join(watched, 'clip.mp4'), mp4({ seed: 21 }));
  await writeFixture(join(watched, 'fake.pdf'), TEXT);
  await writeFixture(join(watched, 'server.log'), TEXT);
}

describe('documents in a watched folder', () => {
  it('a folder asked for documents counts and uploads them; mismatches are ignored, not failed', async () => {
    await fill();
    const { sync } = await startAll();
    const kinds = ['document' as const, 'video' as const];
    expect(await sync.preview(watched, { kinds })).toMatchObject({
      files: 4,
      byKind: { document: { files: 3 }, video: { files: 1 } },
      skipped: 2, // fake.pdf (text named .pdf), server.log (text under another name)
    });
    await sync.addFolder(watched, { stabilityMs: 300, kinds });
    await statusWhere(sync, (s) => s.uploaded === 4 && settled(s) && s.ignored === 2);
    expect(await assetNames()).toEqual(['README.md', 'brief.pdf', 'clip.mp4', 'notes.txt']);
    expect(await creates()).toBe(4);
  }, 60_000);

  it('with the default kinds, documents stay where they are', async () => {
    await fill();
    const { sync } = await startAll();
    expect(await sync.preview(watched)).toMatchObject({
      files: 1,
      byKind: { video: { files: 1 } },
      skipped: 5,
    });
    await sync.addFolder(watched, { stabilityMs: 300 });
    await statusWhere(sync, (s) => s.uploaded === 1 && settled(s) && s.ignored === 5);
    expect(await assetNames()).toEqual(['clip.mp4']);
  }, 60_000);
});
