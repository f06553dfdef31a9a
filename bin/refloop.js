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

/**
 * Commands whose job ingests (src/cli/commands/jobs.ts): their staging
 * process starts before the command's code loads, so Node and DuckDB load in
 * it on the other core meanwhile (a small day's first batch had waited for
 * it). Were a command here not to ingest, its process would only wait, and
 * exit with this one.
 */
const INGESTING = new Set(['ingest', 'run']);

/** The staging process, started ahead for a command that ingests (none for its --help). */
async function stagingAhead(args, fresh) {
  if (!INGESTING.has(args[0]) || args.includes('--help') || args.includes('-h')) return undefined;
  const { forkStagingProcess } = await import('../src/ingest/staging-fork.mjs');
  let child;
  try {
    child = forkStagingProcess(join(root, ...(fresh ? ['build', 'staging-worker.mjs'] : ['src', 'ingest', 'staging-worker.mjs'])));
  } catch {
    // No process now (a limit on processes or files): the job starts its own when it needs one, and says so if it cannot.
    return undefined;
  }
  // A failure to start shows as the child's exit, which the job sees when it adopts it; unheard, it would end this process.
  child.on('error', () => {});
  // Until the job takes it, it keeps neither this process alive nor its output waiting.
  child.unref();
  child.channel?.unref();
  return child;
}

const args = process.argv.slice(2);
const fresh = existsSync(bundle) && statSync(bundle).mtimeMs > Math.max(newestMs(join(root, 'src')), newestMs(join(root, 'pipelines')));
const staging = await stagingAhead(args, fresh);
let command;
let writeCache = () => {};
if (fresh) {
  ({ writeCache, ...command } = loadBundle());
} else {
  const { register } = await import('tsx/esm/api');
  register();
  command = await import('../src/cli/main.ts');
}
if (staging) command.adoptStagingProcess(staging);
process.exitCode = await command.main(args);
writeCache();
