// `npm run build` (and `npm ci`, through `prepare`): bundles the refloop
// command into build/refloop.mjs and the staging process into
// build/staging-worker.mjs. A run costs what its process costs to start
// before it reads a byte, and most of that was Node resolving, reading and
// lexing node_modules file by file (@duckdb/node-api alone is 124 CommonJS
// files, 0.4 s of CPU per process): bundled, a process starts on one file.
//
// Left outside the bundle: the DuckDB native binding (a .node file), the
// browser driver (loaded only for PDFs), and node-cron, which finds its
// daemon.js beside its own files.
import { build } from 'esbuild';

const shared = {
  bundle: true,
  platform: 'node',
  format: 'esm',
  target: 'node20',
  logLevel: 'warning',
  external: ['@duckdb/node-bindings', 'playwright-core', 'node-cron'],
  // CommonJS packages inside an ES module bundle call require(): give them Node's.
  banner: { js: "import { createRequire as refloopCreateRequire } from 'node:module';\nconst require = refloopCreateRequire(import.meta.url);" },
};

await Promise.all([
  build({ ...shared, entryPoints: ['src/cli/main.ts'], outfile: 'build/refloop.mjs' }),
  build({ ...shared, entryPoints: ['src/ingest/staging-worker.mjs'], outfile: 'build/staging-worker.mjs' }),
]);
