/**
 * Takes a data folder's lock in its own process, for the lock's race and crash tests.
 * argv: dataDir. Prints "ready", waits for "go" on stdin, tries the lock, prints "locked" or
 * "refused <holder pid>", then holds the lock until stdin ends (or it is killed).
 */
import { createInterface } from 'node:readline';
import { DataDirLockedError, lockDataDir } from '../../electron/core/data-dir-lock.ts';

const [dataDir] = process.argv.slice(2) as [string];
const lines = createInterface({ input: process.stdin });
const next = () =>
  new Promise<string | undefined>((resolve) =>
    lines.once('line', resolve).once('close', () => resolve(undefined)),
  );
console.log('ready');
await next();
try {
  const lock = await lockDataDir(dataDir);
  console.log('locked');
  await next(); // held until the test lets go
  await lock.release();
} catch (error) {
  if (!(error instanceof DataDirLockedError)) throw error;
  console.log(`refused ${error.holderPid}`);
}
lines.close();
