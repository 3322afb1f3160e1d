/**
 * `npm run bench -- NAME...`: runs the named benchmarks (all when none is named). Each prints a
 * table whose figures are ratios against a reference measured in the same run, never absolute
 * timings compared with a fixed threshold.
 */
const benches: Record<string, () => Promise<void>> = {
  emulator: () => import('./emulator.bench.ts').then((m) => m.run()),
  upload: () => import('./upload.bench.ts').then((m) => m.run()),
  queue: () => import('./queue.bench.ts').then((m) => m.run()),
  sync: () => import('./sync.bench.ts').then((m) => m.run()),
  library: () => import('./library.bench.ts').then((m) => m.run()),
  ui: () => import('./ui.bench.ts').then((m) => m.run()),
  preflight: () => import('./preflight.bench.ts').then((m) => m.run()),
};

const wanted = process.argv.slice(2);
const unknown = wanted.filter((name) => !(name in benches));
if (unknown.length > 0) {
  console.error(`Unknown benchmark: ${unknown.join(', ')}. Known: ${Object.keys(benches).join(', ')}.`);
  process.exit(2);
}
for (const name of wanted.length > 0 ? wanted : Object.keys(benches)) {
  console.log(`\n## ${name}\n`);
  await benches[name]!();
}
