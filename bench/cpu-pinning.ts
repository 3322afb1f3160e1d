import { execFile } from 'node:child_process';
import { availableParallelism } from 'node:os';
import { promisify } from 'node:util';

const run = promisify(execFile);

/**
 * Gives the server one core and this process (and so every sender it starts afterwards, which
 * inherit its affinity) the other. Unpinned on a 2-core machine, the scheduler moved the
 * emulator, the sender and the kernel's loopback work between the cores, and the same sender's
 * throughput swung by 30% between rounds: more than the difference being measured. Pinned, each
 * side has a core of its own, the same for curl, our client and the SDK.
 * Returns what was done (for the report) and how to undo it for the benches that follow.
 * `BENCH_PIN=0` leaves the scheduler alone, to compare.
 */
export async function pinApart(
  serverPid: number,
): Promise<{ summary: string; restore: () => Promise<void> }> {
  const cores = availableParallelism();
  const nothing = async () => undefined;
  if (process.env.BENCH_PIN === '0')
    return { summary: 'not pinned to cores (BENCH_PIN=0)', restore: nothing };
  if (process.platform !== 'linux' || cores < 2)
    return { summary: `not pinned to cores (${cores} core(s), ${process.platform})`, restore: nothing };
  try {
    // -a: every thread, including the thread pools already started.
    await run('taskset', ['-a', '-p', '-c', '0', String(serverPid)]);
    await run('taskset', ['-a', '-p', '-c', '1', String(process.pid)]);
  } catch (error) {
    return {
      summary: `not pinned to cores (taskset: ${(error as Error).message.split('\n')[0]})`,
      restore: nothing,
    };
  }
  return {
    summary: 'emulator pinned to core 0, every sender to core 1',
    restore: async () => {
      await run('taskset', ['-a', '-p', '-c', `0-${cores - 1}`, String(process.pid)]);
    },
  };
}
