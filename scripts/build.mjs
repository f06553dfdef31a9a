// `npm run build` (and `npm ci`, through `prepare`): bundles the refloop
// command into build/refloop.cjs and the staging process into
// build/staging-worker.mjs. A run costs what its process costs to start
// before it reads a byte, and most of that was Node resolving, reading and
// lexing node_modules file by file (@duckdb/node-api alone is 124 CommonJS
// files, 0.4 s of CPU per process): bundled, a process starts on one file.
//
// The command's bundle is CommonJS so that bin/refloop.js can compile it
// with V8's code cache (Node 20 keeps no cache for an ES module): compiling
// the 2.4 MB bundle was a third of a small run's start. Its caches
// (build/*.v8cache) belong to one bundle; a new build removes them.
//
// Left outside the bundle: the DuckDB native binding (a .node file), the
// browser driver (loaded only for PDFs), and node-cron, which finds its
// daemon.js beside its own files.
import { readdir, rm } from 'node:fs/promises';
import { build } from 'esbuild';

const shared = {
  bundle: true,
  platform: 'node',
  target: 'node20',
  logLevel: 'warning',
  external: ['@duckdb/node-bindings', 'playwright-core', 'node-cron'],
};

for (const name of await readdir('build').catch(() => [])) {
  if (name.endsWith('.v8cache') || name === 'refloop.mjs') await rm(`build/${name}`, { force: true });
}

await Promise.all([
  build({
    ...shared,
    format: 'cjs',
    entryPoints: ['src/cli/main.ts'],
    outfile: 'build/refloop.cjs',
    // import() of a package left outside (playwright-core, node-cron) as
    // require(): a script compiled with a code cache resolves import() from
    // the working folder (Node 20 offers no other loader without a flag).
    supported: { 'dynamic-import': false },
    // import.meta has no CommonJS form: the bundle's own file stands in for it.
    define: { 'import.meta.url': 'refloopBundleUrl', 'import.meta.dirname': '__dirname' },
    banner: { js: "const refloopBundleUrl = require('node:url').pathToFileURL(__filename).href;" },
  }),
  build({
    ...shared,
    format: 'esm',
    entryPoints: ['src/ingest/staging-worker.mjs'],
    outfile: 'build/staging-worker.mjs',
    // CommonJS packages inside an ES module bundle call require(): give them Node's.
    banner: { js: "import { createRequire as refloopCreateRequire } from 'node:module';\nconst require = refloopCreateRequire(import.meta.url);" },
  }),
]);
