// `npm run docs:metrics`: rewrites the registry section of docs/metrics.md from src/metrics/registry.ts.
import { readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { withRegistrySection } from './markdown.ts';

const file = join(import.meta.dirname, '../../docs/metrics.md');
await writeFile(file, withRegistrySection(await readFile(file, 'utf8')));
process.stderr.write(`docs/metrics.md: metric registry section written\n`);
