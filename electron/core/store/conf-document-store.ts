import { renameSync } from 'node:fs';
import { writeJsonAtomically } from './json-writer.ts';
import { join } from 'node:path';
import Conf from 'conf';
import type { DocumentStore } from './document-store.ts';

/**
 * A document in `<dir>/<name>.json` through conf (atomic writes). conf re-reads the file on every
 * `get`, so the document is read once at load and written whole on save: callers coalesce saves.
 */
export class ConfDocumentStore implements DocumentStore {
  private conf: Conf<Record<string, unknown>> | undefined;

  constructor(
    private readonly dir: string,
    readonly name: string,
  ) {}

  private open(): Conf<Record<string, unknown>> {
    this.conf ??= new Conf({
      cwd: this.dir,
      configName: this.name,
      projectName: 'tl-uploader',
      watch: false,
    });
    return this.conf;
  }

  load(): { data: Record<string, unknown>; recovered?: string } {
    try {
      return { data: { ...this.open().store } };
    } catch (error) {
      // A damaged file is kept for inspection, never silently overwritten.
      this.conf = undefined;
      const path = join(this.dir, `${this.name}.json`);
      const aside = `${path}.corrupt-${Date.now()}`;
      renameSync(path, aside);
      return {
        data: { ...this.open().store },
        recovered: `${this.name}.json could not be read (${(error as Error).message.split('\n')[0]}); it was moved to ${aside} and an empty ${this.name} was started.`,
      };
    }
  }

  /**
   * conf's own setter re-reads and re-parses the file and writes synchronously; for documents of
   * thousands of items that stalls the event loop. We write the same file conf reads, atomically
   * and in batches (json-writer.ts).
   */
  async save(data: Record<string, unknown>): Promise<void> {
    await writeJsonAtomically(this.open().path, data);
  }
}
