// Definitions: the data dictionary, from the marts' own column comments.
import { runLoader } from '../../src/site/loader.ts';

await runLoader('dictionary', async (query) => {
  const columns = await query('SELECT table_name, table_comment, column_name, data_type, column_comment FROM dictionary ORDER BY table_name, column_index');
  return { columns };
});
