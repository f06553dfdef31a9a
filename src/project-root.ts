// Where refloop's own files are (sql/, reports/, node_modules/). Found by
// walking up from this module, because it runs from two depths: src/ through
// tsx, and build/ from the bundle.
import { existsSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

let root: string | undefined;

/** The folder holding refloop's package.json and its src/ folder. */
export function projectRoot(): string {
  if (root) return root;
  let dir = dirname(fileURLToPath(import.meta.url));
  while (!existsSync(join(dir, 'package.json')) || !existsSync(join(dir, 'src'))) {
    const parent = dirname(dir);
    if (parent === dir) throw new Error('refloop cannot find its own source folder');
    dir = parent;
  }
  root = dir;
  return dir;
}
