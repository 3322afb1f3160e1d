// `node --import ./register.mjs out/main/main.js`: every `electron` import or require in the
// process (our bundle's ESM import, electron-log's require) resolves to the stand-in.
import Module, { register } from 'node:module';

const standIn = new URL('./electron.cjs', import.meta.url);
register(new URL('./hooks.mjs', import.meta.url), { data: { standIn: standIn.href } });

const resolveFilename = Module._resolveFilename;
Module._resolveFilename = function (request, ...rest) {
  if (request === 'electron') return new URL(standIn).pathname;
  return resolveFilename.call(this, request, ...rest);
};

// A test may play another platform (macOS: the app stays open with no window, a dock, 'activate').
if (process.env.STANDIN_PLATFORM)
  Object.defineProperty(process, 'platform', { value: process.env.STANDIN_PLATFORM });
