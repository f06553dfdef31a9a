#!/usr/bin/env node
// The `refloop` command. The code is TypeScript. `npm ci` bundles it into
// build/refloop.cjs (a third of a second faster to start, which is most of a
// small run); the bundle is used only while it is newer than every source
// file, so an edit takes effect at once, through tsx, with no build step.
//
// The bundle is compiled with V8's code cache: the first run writes what V8
// compiled (after the command, so the functions it ran are in it) beside the
// bundle, and later runs start from it. A cache V8 refuses (another Node, or
// other V8 flags) is written again; a folder that cannot be written only
// means no cache.
import { existsSync, readdirSync, readFileSync, renameSync, statSync, writeFileSync } from 'node:fs';
import { createRequire, Module } from 'node:module';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { constants, Script } from 'node:vm';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const bundle = join(root, 'build', 'refloop.cjs');

/** The latest modification time of any file below `dir`. */
function newestMs(dir) {
  let newest = 0;
  for (const entry of readdirSync(dir, { withFileTypes: true })) {
    const path = join(dir, entry.name);
    newest = Math.max(newest, entry.isDirectory() ? newestMs(path) : statSync(path).mtimeMs);
  }
  return newest;
}

/** Runs the bundle's module body and returns its exports, with `writeCache` to call once the command is done. */
function loadBundle() {
  const { size, mtimeMs } = statSync(bundle);
  // V8 checks a cache against the source's length, not its text: the name holds the bundle's size and time.
  const cachePath = join(dirname(bundle), `refloop-${size}-${Math.floor(mtimeMs)}.v8cache`);
  let cachedData;
  try {
    cachedData = readFileSync(cachePath);
  } catch {
    cachedData = undefined;
  }
  const script = new Script(Module.wrap(readFileSync(bundle, 'utf8')), {
    filename: bundle,
    cachedData,
    importModuleDynamically: constants.USE_MAIN_CONTEXT_DEFAULT_LOADER,
  });
  const module = { exports: {} };
  script.runInThisContext()(module.exports, createRequire(bundle), module, bundle, dirname(bundle));
  const writeCache = () => {
    if (cachedData && !script.cachedDataRejected) return;
    try {
      const partial = `${cachePath}.${process.pid}.tmp`;
      writeFileSync(partial, script.createCachedData());
      renameSync(partial, cachePath);
    } catch {
      // no cache: the next run compiles the bundle again
    }
  };
  return { ...module.exports, writeCache };
}

const fresh = existsSync(bundle) && statSync(bundle).mtimeMs > Math.max(newestMs(join(root, 'src')), newestMs(join(root, 'pipelines')));
let main;
let writeCache = () => {};
if (fresh) {
  ({ main, writeCache } = loadBundle());
} else {
  const { register } = await import('tsx/esm/api');
  register();
  ({ main } = await import('../src/cli/main.ts'));
}
process.exitCode = await main(process.argv.slice(2));
writeCache();
