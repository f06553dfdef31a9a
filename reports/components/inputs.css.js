// The stylesheet of @observablehq/inputs, from the installed package. Framework
// adds it only to pages that use its implicit, CDN-fetched Inputs; the pages
// import the installed package instead, so without this sheet a table's
// scroll box has no overflow rule and its rows run under the page footer.
// Plain JavaScript, so Framework runs it with node rather than tsx: it runs
// on every publish, and a tsx start costs about a second.
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';

const resolve = createRequire(import.meta.url).resolve;
const css = readFileSync(resolve('@observablehq/inputs/dist/index.css'), 'utf8');
// The scripts name their elements with a hashed class; the sheet must style that class.
const namespace = /inputs-[0-9a-f]{6}/.exec(readFileSync(resolve('@observablehq/inputs'), 'utf8'))?.[0];
if (!namespace || !css.includes(`.${namespace}`)) {
  process.stderr.write(`inputs.css: @observablehq/inputs' stylesheet does not style the class its scripts use (${namespace ?? 'none found'})\n`);
  process.exit(1);
}
process.stdout.write(css);
