// The package bundles Framework makes are kept between publishes (they depend
// on node_modules alone); nothing else of its cache is, so a loader's output
// of an earlier build can never reach a new site.
import { existsSync } from 'node:fs';
import { mkdir, mkdtemp, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { BUNDLE_CACHE, keepBundles, seedBundles } from '../../src/site/bundle-cache.ts';

let project: string;
let root: string;
beforeEach(async () => {
  project = await mkdtemp(join(tmpdir(), 'refloop-bundles-'));
  root = join(project, 'site-root');
});
afterEach(() => rm(project, { recursive: true, force: true }));

/** A source root whose cache holds the given package bundles and one loader output. */
async function builtRoot(packages: string[]): Promise<void> {
  const cache = join(root, '.observablehq', 'cache');
  for (const name of packages) {
    await mkdir(join(cache, '_node', name), { recursive: true });
    await writeFile(join(cache, '_node', name, 'index.js'), `export const name = ${JSON.stringify(name)};`);
  }
  await mkdir(join(cache, 'data'), { recursive: true });
  await writeFile(join(cache, 'data', 'this-week.json'), '{"referrals": 12}');
}

describe('package bundles between publishes', () => {
  it('are kept from a build and copied into the next source root, without the loaders\' outputs', async () => {
    await builtRoot(['vega@6.4.0', 'd3-array@3.2.5']);
    await keepBundles(project, root);
    await rm(root, { recursive: true });

    await mkdir(join(root, '.observablehq'), { recursive: true });
    await seedBundles(project, root);
    const cache = join(root, '.observablehq', 'cache');
    expect((await readdir(join(cache, '_node'))).sort()).toEqual(['d3-array@3.2.5', 'vega@6.4.0']);
    expect(await readFile(join(cache, '_node', 'vega@6.4.0', 'index.js'), 'utf8')).toBe('export const name = "vega@6.4.0";');
    expect(existsSync(join(cache, 'data'))).toBe(false);
  });

  it('take in a package the kept copy lacks, and leave no work folder behind', async () => {
    await builtRoot(['vega@6.4.0']);
    await keepBundles(project, root);
    await rm(root, { recursive: true });
    await builtRoot(['vega@6.4.0', 'vega@6.5.0']);
    await keepBundles(project, root);
    expect((await readdir(join(project, BUNDLE_CACHE))).sort()).toEqual(['vega@6.4.0', 'vega@6.5.0']);
    expect((await readdir(join(project, 'node_modules', '.cache'))).sort()).toEqual(['refloop-site-bundles']);
  });

  it('start from nothing when none were kept', async () => {
    await mkdir(join(root, '.observablehq'), { recursive: true });
    await seedBundles(project, root);
    expect(existsSync(join(root, '.observablehq', 'cache', '_node'))).toBe(false);
  });
});
