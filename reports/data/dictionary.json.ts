// Definitions: the data dictionary, from the marts' own column comments.
import { runLoader } from '../../src/site/loader.ts';

await runLoader('dictionary', async (select) => ({ columns: await select('dictionary-columns') }));
