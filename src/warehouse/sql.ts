// SQL text helpers, in one place: quoting and the transaction wrapper.
import type { Warehouse } from './warehouse.ts';

/** A string literal: single quotes doubled. */
export const quotedString = (s: string) => `'${s.replaceAll("'", "''")}'`;

/** An identifier: double quotes doubled, so any name is one identifier. */
export const quotedIdentifier = (name: string) => `"${name.replaceAll('"', '""')}"`;

/** Runs `work` in one transaction: committed when it returns, rolled back when it throws. */
export async function withTransaction<T>(warehouse: Pick<Warehouse, 'run'>, work: () => Promise<T>): Promise<T> {
  await warehouse.run('BEGIN TRANSACTION');
  let result: T;
  try {
    result = await work();
  } catch (error) {
    await warehouse.run('ROLLBACK').catch(() => {});
    throw error;
  }
  await warehouse.run('COMMIT');
  return result;
}
