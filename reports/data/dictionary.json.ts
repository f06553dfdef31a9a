// Definitions: every metric from the registry (src/metrics/registry.ts), and
// the data dictionary, from the marts' own column comments.
import { registryRows } from '../../src/metrics/rows.ts';
import { runLoader } from '../../src/site/loader.ts';

await runLoader('dictionary', async (select) => ({ metrics: registryRows(), columns: await select('dictionary-columns') }));
