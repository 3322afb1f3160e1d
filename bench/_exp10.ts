import { spawnSync } from 'node:child_process';
import { spawnEmulator, curlDirectUpload } from './lib.ts';
const path = '/tmp/exp/rand.mp4';
const emulator = await spawnEmulator(['--processing-ms', '600000'], { ...process.env, TMPDIR: '/dev/shm' });
const res: Record<string, number[]> = { curl: [], whole: [], pieces: [] };
const forget = async () => { await fetch(`${emulator.url.replace('/v1.3', '')}/_emulator/reset`, { method: 'POST' }); await new Promise((r) => setTimeout(r, 200)); };
for (let i = 0; i < 8; i++) {
  res.curl!.push(Math.round(190e6 / 1048576 / ((await curlDirectUpload(emulator.url, path)).ms / 1000))); await forget();
  for (const v of ['whole', 'pieces']) {
    const r = spawnSync(process.execPath, ['--import', 'tsx', 'bench/upload-child.ts', 'ours-direct', emulator.url, path], { encoding: 'utf8', env: { ...process.env, ...(v === 'pieces' ? { PIECES: '1' } : {}) } });
    const o = JSON.parse(r.stdout.trim().split('\n').pop()!); res[v]!.push(Math.round(190e6 / 1048576 / (o.ms / 1000)));
    await forget();
  }
}
for (const [k, v] of Object.entries(res)) console.log(k.padEnd(8), v.join(' '), 'median', [...v].sort((a, b) => a - b)[4]);
await emulator.stop();
