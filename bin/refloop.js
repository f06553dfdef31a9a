#!/usr/bin/env node
// The `refloop` command. The code is TypeScript. `npm ci` bundles it into
// build/refloop.mjs (a third of a second faster to start, which is most of a
// small run); the bundle is used only while it is newer than every source
// file, so an edit takes effect at once, through tsx, with no build step.
import { existsSync, readdirSync, statSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const bundle = join(root, 'build', 'refloop.mjs');

/** The latest modification time of any file below `dir`. */
function newestMs(dir) {
  let newest = 0;
  for (const entry of readdirSync(dir, { withFileTypes: true })) {
    const path = join(dir, entry.name);
    newest = Math.max(newest, entry.isDirectory() ? newestMs(path) : statSync(path).mtimeMs);
  }
  return newest;
}

const fresh = existsSync(bundle) && statSync(bundle).mtimeMs > Math.max(newestMs(join(root, 'src')), newestMs(join(root, 'pipelines')));
let main;
if (fresh) {
  ({ main } = await import(pathToFileURL(bundle).href));
} else {
  const { register } = await import('tsx/esm/api');
  register();
  ({ main } = await import('../src/cli/main.ts'));
}
process.exitCode = await main(process.argv.slice(2));
