import type { UploaderCore } from '../../core/uploader-core.ts';
import { EXIT, UsageError, type CommandSpec, type ParsedValues } from '../command.ts';
import { untilInterrupted } from '../interrupt.ts';

export const spec = {
  name: 'serve',
  summary: "the app's interface in a browser, on 127.0.0.1, with a token",
  help: `Usage: tl-uploader serve [--port N]

Runs the app's interface for a browser on this machine (127.0.0.1 only) and prints its address,
which carries a token: open it in a browser. The interface is built first when it is missing or
older than its sources. A key is not needed to start: the page asks for one, or offers the Sandbox.

  --port N               listen on port N (default: any free port)`,
  options: { port: { type: 'string' } },
  needsKey: false,
} as const satisfies CommandSpec;

export function check(positionals: string[], values: ParsedValues): void {
  if (positionals.length > 0) throw new UsageError('serve takes no arguments.');
  if (values.port !== undefined) {
    const port = Number(values.port);
    if (!Number.isInteger(port) || port < 0 || port > 65535)
      throw new UsageError(`--port ${String(values.port)}: give a port number from 0 to 65535.`);
  }
}

export async function run(core: UploaderCore, _positionals: string[], values: ParsedValues): Promise<number> {
  const { startServe } = await import('../serve.ts');
  if (process.env.TL_UPLOADER_DEMO === '1') await core.seedDemo();
  const server = await startServe(core, { port: values.port ? Number(values.port) : 0 });
  if (core.settings().sandbox)
    console.log(
      process.env.TL_UPLOADER_DEMO === '1'
        ? 'Demo: on the Sandbox, a local stand-in for TwelveLabs with a few sample assets (nothing leaves this machine).'
        : 'On the Sandbox: a local stand-in for TwelveLabs (nothing leaves this machine).',
    );
  console.log(`TL Uploader is running at ${server.url}`);
  console.log('Open that address in a browser on this machine. Press Ctrl-C to stop.');
  await untilInterrupted();
  await server.close();
  return EXIT.ok;
}
