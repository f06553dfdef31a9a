// The library never depends on its jobs: pipelines/ imports src/, and nothing
// under src/ imports pipelines/ (a static scan of every import specifier).
import { readdirSync, readFileSync } from 'node:fs';
import { dirname, join, relative, resolve, sep } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';

const ROOT = join(dirname(fileURLToPath(import.meta.url)), '..', '..');
const PIPELINES = join(ROOT, 'pipelines');

/** Static imports and re-exports (`from '…'`), bare imports (`import '…'`) and dynamic imports (`import('…')`). */
const SPECIFIER = /\bfrom\s*['"]([^'"]+)['"]|\bimport\s*['"]([^'"]+)['"]|\bimport\s*\(\s*['"]([^'"]+)['"]\s*\)/g;

function importSpecifiers(source: string): string[] {
  return [...source.matchAll(SPECIFIER)].map((m) => (m[1] ?? m[2] ?? m[3])!);
}

function sourceFiles(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((entry) => {
    const path = join(dir, entry.name);
    if (entry.isDirectory()) return sourceFiles(path);
    return /\.(ts|mts|js|mjs|cjs)$/.test(entry.name) ? [path] : [];
  });
}

/** The imports of `file` that reach into pipelines/ (relative or absolute specifiers). */
function pipelineImports(file: string, source: string): string[] {
  return importSpecifiers(source).filter((specifier) => {
    if (!specifier.startsWith('.') && !specifier.startsWith('/')) return /(^|\/)pipelines\//.test(specifier);
    const target = resolve(dirname(file), specifier);
    return target === PIPELINES || target.startsWith(PIPELINES + sep);
  });
}

describe('module graph', () => {
  it('finds every kind of import specifier', () => {
    const source = [
      "import { a } from '../../pipelines/ingest.ts';",
      "import type { B } from \"./b.ts\";",
      "export * from '../c.ts';",
      "import './side-effect.ts';",
      "const { d } = await import('../../pipelines/demo.ts');",
    ].join('\n');
    expect(importSpecifiers(source)).toEqual(['../../pipelines/ingest.ts', './b.ts', '../c.ts', './side-effect.ts', '../../pipelines/demo.ts']);
    expect(pipelineImports(join(ROOT, 'src', 'cli', 'x.ts'), source)).toEqual(['../../pipelines/ingest.ts', '../../pipelines/demo.ts']);
    // A folder of src/ that happens to be called like the jobs' is not pipelines/.
    expect(pipelineImports(join(ROOT, 'src', 'cli', 'x.ts'), "import { e } from '../pipelines/e.ts';")).toEqual([]);
  });

  it('nothing under src/ imports from pipelines/', () => {
    const offenders = sourceFiles(join(ROOT, 'src')).flatMap((file) =>
      pipelineImports(file, readFileSync(file, 'utf8')).map((specifier) => `${relative(ROOT, file)} imports ${specifier}`),
    );
    expect(offenders).toEqual([]);
  });
});
