// The private folder where copies of raw rows may lie while a job runs:
// repaired or transcoded copies of extracts, converted spreadsheets, the
// canonical files an adapter writes, the staging instance's spill files and
// the pseudonymized rows it hands to the warehouse, and the warehouse's own
// spill files. They hold PHI (or rows of patients), so the folder sits beside
// the warehouse (never the system's temp folder), is readable by this user
// only, and is emptied when the job ends and again when the next job starts
// (a killed job cannot clean up after itself).
import { chmod, mkdir, mkdtemp, readdir, rm, rmdir } from 'node:fs/promises';
import { basename, dirname, join } from 'node:path';

export const WORK_DIR_NAME = '.refloop-work';

/**
 * Where the warehouse's DuckDB spills while a writer holds it. The writer
 * manages it (warehouse.ts: emptied when it opens, removed when it closes),
 * so emptying the work folder between the stages of one job spares it.
 */
export const WAREHOUSE_SPILL = 'warehouse-spill';

/** One per warehouse: two warehouses in one folder have two writers, and each empties its own. */
export function workDirFor(dbPath: string): string {
  const db = basename(dbPath);
  return join(dirname(dbPath), db === 'warehouse.duckdb' ? WORK_DIR_NAME : `${WORK_DIR_NAME}-${db.replace(/[^A-Za-z0-9_.-]/g, '_')}`);
}

export function warehouseSpillDir(dbPath: string): string {
  return join(workDirFor(dbPath), WAREHOUSE_SPILL);
}

/** A folder only this user can enter (mode 0700 whatever the umask, also when it existed already). */
export async function privateDir(dir: string): Promise<void> {
  await mkdir(dir, { recursive: true, mode: 0o700 });
  await chmod(dir, 0o700);
}

/**
 * Creates the folder (mode 0700) and removes whatever a killed job left in
 * it (the warehouse's spill folder aside: see WAREHOUSE_SPILL). Returns how
 * many entries it removed.
 */
export async function openWorkDir(dir: string): Promise<number> {
  await privateDir(dir);
  return emptyWorkDir(dir);
}

/** Removes every entry of the work folder but the warehouse's spill folder; returns how many. */
export async function emptyWorkDir(dir: string): Promise<number> {
  const left = (await readdir(dir).catch(() => [] as string[])).filter((name) => name !== WAREHOUSE_SPILL);
  await Promise.all(left.map((name) => rm(join(dir, name), { recursive: true, force: true })));
  return left.length;
}

/** A fresh sub-folder (mode 0700) for one file's, delivery's or process's copies. */
export async function scratchDir(workDir: string, prefix: string): Promise<{ dir: string; remove: () => Promise<void> }> {
  await privateDir(workDir);
  const dir = await mkdtemp(join(workDir, `${prefix.replace(/[^A-Za-z0-9_.-]/g, '_')}-`));
  await chmod(dir, 0o700);
  return { dir, remove: () => rm(dir, { recursive: true, force: true }) };
}

/** Empties the work folder and removes it, unless the warehouse still spills into it (its writer removes it on closing). */
export async function closeWorkDir(dir: string): Promise<void> {
  await emptyWorkDir(dir);
  await removeIfEmpty(dir);
}

export async function removeIfEmpty(dir: string): Promise<void> {
  await rmdir(dir).catch((error: NodeJS.ErrnoException) => {
    if (error.code !== 'ENOENT' && error.code !== 'ENOTEMPTY' && error.code !== 'EEXIST') throw error;
  });
}
