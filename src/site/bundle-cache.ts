// Framework bundles every npm package a page imports (vega, vega-lite,
// arquero, Inputs and their dependencies) into its cache's _node/ folder,
// one folder per package@version, before it builds a page. That takes most of
// a publish, and the bundles depend on nothing but node_modules. Each publish
// starts from an empty cache of its own (the data loaders' outputs must never
// be reused: they hold last week's numbers), so the package bundles are kept
// aside here and copied in.
//
// The copy lives in node_modules/.cache/: `npm ci` or a changed dependency
// removes it with node_modules, and a new version of a package is a new
// folder name anyway. Two publishes at once each copy in, and each may put
// back a complete copy by renaming a folder, which is atomic: neither sees a
// half-written cache.
import { existsSync } from 'node:fs';
import { cp, mkdir, readdir, rename, rm } from 'node:fs/promises';
import { join } from 'node:path';

export const BUNDLE_CACHE = 'node_modules/.cache/refloop-site-bundles';

/**
 * Framework's client script names the libraries of its implicit imports
 * (React, D3, Plot, Leaflet…) and asks the npm registry for each one's latest
 * version while it bundles, even though no page of ours loads them (the pages
 * import installed packages explicitly). Offline that lookup fails the build.
 * Framework answers it from its cache instead when a folder named
 * `name@version` is in `_npm/`: these are those answers. The versions are
 * never downloaded, so their numbers only have to be real ones.
 */
export const IMPLICIT_LIBRARY_VERSIONS = [
  '@observablehq/plot@0.6.17',
  '@observablehq/sample-datasets@1.0.1',
  'apache-arrow@21.2.0',
  'arquero@8.0.3',
  'd3-dsv@3.0.2',
  'd3@7.9.2',
  'echarts@6.1.0',
  'htl@1.0.0',
  'leaflet@1.9.4',
  'lodash@4.18.1',
  'mapbox-gl@3.32.0',
  'parquet-wasm@0.8.0',
  'react-dom@19.3.1',
  'react@19.3.1',
  'topojson-client@3.1.0',
];

/** A folder of a Framework source root's cache: _node (package bundles) or _npm (npm versions). */
const cacheFolder = (sourceRoot: string, name: '_node' | '_npm') => join(sourceRoot, '.observablehq', 'cache', name);

/** Copies the kept package bundles into a fresh source root's cache, when there are any, and the implicit libraries' versions. */
export async function seedBundles(projectRoot: string, sourceRoot: string): Promise<void> {
  const kept = join(projectRoot, BUNDLE_CACHE);
  if (existsSync(kept)) await cp(kept, cacheFolder(sourceRoot, '_node'), { recursive: true });
  for (const library of IMPLICIT_LIBRARY_VERSIONS) await mkdir(join(cacheFolder(sourceRoot, '_npm'), library), { recursive: true });
}

/** After a build that succeeded: keeps its package bundles when they hold a package the kept copy lacks. */
export async function keepBundles(projectRoot: string, sourceRoot: string): Promise<void> {
  const built = cacheFolder(sourceRoot, '_node');
  if (!existsSync(built)) return;
  const kept = join(projectRoot, BUNDLE_CACHE);
  const keptNames = new Set(existsSync(kept) ? await readdir(kept, { recursive: true }) : []);
  const builtNames = await readdir(built, { recursive: true });
  if (builtNames.every((name) => keptNames.has(name))) return;
  const fresh = `${kept}.new-${process.pid}`;
  const old = `${kept}.old-${process.pid}`;
  await rm(fresh, { recursive: true, force: true });
  await cp(built, fresh, { recursive: true });
  if (existsSync(kept)) await rename(kept, old).catch(() => undefined);
  await rename(fresh, kept).catch(() => rm(fresh, { recursive: true, force: true }));
  await rm(old, { recursive: true, force: true });
}
