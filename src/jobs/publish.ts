// The publish job: builds the dashboard site from the published snapshots.
//
// - Only a whole snapshot set is published (its manifest, every file it
//   lists, nothing left by an interrupted write), and the loaders read the
//   set's own folder, so one build reads one transform.
// - An error check that fired in the last transform stops the publish.
// - Framework keeps its loader cache in the source root, and runs a loader
//   only when its output is not cached, however old the cache. So each
//   warehouse builds from a source root of its own (links to the files of
//   reports/, beside the warehouse), and its cache is cleared first: the site
//   always shows that warehouse's current snapshots, whatever another
//   warehouse's publish is doing.
// - The site is built into a temporary folder, checked (every page, every
//   data file, no failed loader), then swapped in; a failed build leaves the
//   previous site in place.
import { spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { mkdir, readdir, rename, rm, symlink } from 'node:fs/promises';
import { delimiter, dirname, join } from 'node:path';
import { DuckDBInstance } from '@duckdb/node-api';
import { log, progress } from '../log.ts';
import { readSnapshotSet } from '../models/snapshots.ts';
import { projectRoot } from '../project-root.ts';
import { keepBundles, seedBundles } from '../site/bundle-cache.ts';
import { quotedString } from '../warehouse/sql.ts';

export const PROJECT_ROOT = projectRoot();
const PAGES = ['index', 'intake', 'sources', 'outreach', 'liaisons', 'capacity', 'data-health', 'definitions'];
const DATA_FILES = ['this-week', 'intake', 'sources', 'outreach', 'liaisons', 'capacity', 'health', 'dictionary'];

export interface PublishOptions {
  snapshotDir: string;
  siteDir: string;
  minCellSize: number;
  /** A folder of the warehouse's own for Framework's source root and cache (replaced by each publish). */
  sourceRoot: string;
}

export async function publishSite(options: PublishOptions): Promise<{ seconds: number; pages: number }> {
  const started = Date.now();
  const set = await readSnapshotSet(options.snapshotDir);
  await refuseOnFailedChecks(set.dir);
  await prepareSourceRoot(options.sourceRoot);
  await seedBundles(PROJECT_ROOT, options.sourceRoot);
  const building = join(dirname(options.siteDir), `.site-building-${process.pid}`);
  await rm(building, { recursive: true, force: true });
  try {
    const output = await runFrameworkBuild(building, { ...options, snapshotDir: set.dir });
    await verifySite(building, output);
    // Only a cache: a publish that cannot keep it has still published.
    await keepBundles(PROJECT_ROOT, options.sourceRoot).catch((error: Error) => log('publish.bundle_cache', `publish: package bundles not kept for the next build (${error.message})`));
    const previous = `${options.siteDir}.previous-${process.pid}`;
    if (existsSync(options.siteDir)) await rename(options.siteDir, previous);
    await rename(building, options.siteDir);
    await rm(previous, { recursive: true, force: true });
  } catch (error) {
    await rm(building, { recursive: true, force: true });
    throw error;
  } finally {
    await rm(options.sourceRoot, { recursive: true, force: true });
  }
  return { seconds: (Date.now() - started) / 1000, pages: PAGES.length };
}

/**
 * A Framework source root that is reports/ but for its cache: a link to each
 * of its files and folders, and an empty .observablehq/ of its own. The
 * loaders, run through the links, import src/ from where the files really
 * are (Node resolves a module by its real path).
 */
async function prepareSourceRoot(root: string): Promise<void> {
  const reports = join(PROJECT_ROOT, 'reports');
  await rm(root, { recursive: true, force: true });
  await mkdir(join(root, '.observablehq'), { recursive: true });
  for (const entry of await readdir(reports)) {
    if (entry !== '.observablehq') await symlink(join(reports, entry), join(root, entry));
  }
}

async function refuseOnFailedChecks(setDir: string): Promise<void> {
  const file = join(setDir, 'check_results.parquet');
  if (!existsSync(file)) throw new Error(`no check results in the published snapshots (${setDir}): run \`refloop run\` first`);
  const instance = await DuckDBInstance.create(':memory:');
  const connection = await instance.connect();
  try {
    const reader = await connection.runAndReadAll(
      `SELECT check_name FROM read_parquet(${quotedString(file)})
       WHERE run_id = (SELECT max(run_id) FROM read_parquet(${quotedString(file)})) AND severity = 'error' AND NOT passed`,
    );
    const failed = reader.getRowObjectsJson().map((r) => String(r.check_name));
    if (failed.length) throw new Error(`not published: error checks fired in the last transform (${failed.join(', ')}); see \`refloop status\``);
  } finally {
    connection.closeSync();
    instance.closeSync();
  }
}

function runFrameworkBuild(output: string, options: PublishOptions): Promise<string> {
  const bin = join(PROJECT_ROOT, 'node_modules', '.bin');
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [join(PROJECT_ROOT, 'node_modules/@observablehq/framework/dist/bin/observable.js'), 'build'], {
      cwd: PROJECT_ROOT,
      env: {
        ...process.env,
        PATH: `${bin}${delimiter}${process.env.PATH ?? ''}`,
        REFLOOP_SITE_ROOT: options.sourceRoot,
        REFLOOP_SITE_OUTPUT: output,
        REFLOOP_PUBLISHED_DIR: options.snapshotDir,
        // The pages' packages are found from the source root, which lies
        // outside the project: Framework resolves them with require.resolve,
        // which also looks in NODE_PATH.
        NODE_PATH: [join(PROJECT_ROOT, 'node_modules'), process.env.NODE_PATH].filter(Boolean).join(delimiter),
        REFLOOP_MIN_CELL_SIZE: String(options.minCellSize),
        // Framework must not try to reach its telemetry endpoint.
        OBSERVABLE_TELEMETRY_DISABLE: 'true',
      },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let text = '';
    const collect = (chunk: Buffer) => {
      text += chunk.toString();
      const last = text.trimEnd().split('\n').pop() ?? '';
      progress(`publish: ${last.slice(0, 100)}`);
    };
    child.stdout.on('data', collect);
    child.stderr.on('data', collect);
    child.on('error', reject);
    child.on('close', (code) => {
      if (code === 0) resolve(text);
      else reject(new Error(`the site build failed (exit ${code}): ${lastProblem(text)}`));
    });
  });
}

/** `observable build` can exit 0 with a broken page: check what it wrote. */
async function verifySite(dir: string, buildOutput: string): Promise<void> {
  const failedLoader = buildOutput.split("\n").find((l) => /\berror in \d+ms|data loader .* failed/i.test(l));
  if (failedLoader) throw new Error(`a data loader failed: ${failedLoader.trim()}`);
  for (const page of PAGES) if (!existsSync(join(dir, `${page}.html`))) throw new Error(`the site build did not write ${page}.html`);
  const dataDir = join(dir, '_file', 'data');
  const written = existsSync(dataDir) ? await readdir(dataDir) : [];
  for (const name of DATA_FILES) {
    if (!written.some((f) => f.startsWith(`${name}.`) && f.endsWith('.json'))) throw new Error(`the site build has no data file ${name}.json (its loader failed?)`);
  }
  log('publish.verified', `publish: ${PAGES.length} pages and ${DATA_FILES.length} data files written`);
}

function lastProblem(text: string): string {
  const lines = text.split('\n').filter((l) => /error|failed|unexpected/i.test(l));
  return (lines.pop() ?? text.trim().split('\n').pop() ?? '').trim().slice(0, 300);
}
