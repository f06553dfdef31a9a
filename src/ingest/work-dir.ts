// The private folder where copies of raw rows may lie while a job runs:
// repaired or transcoded copies of extracts, converted spreadsheets, and the
// canonical files an adapter writes. They hold PHI, so the folder sits beside
// the warehouse (never the system's temp folder), is readable by this user
// only, and is emptied when the job ends and again when the next job starts
// (a killed job cannot clean up after itself).
import { chmod, mkdir, mkdtemp, readdir, rm } from 'node:fs/promises';
import { basename, dirname, join } from 'node:path';

export const WORK_DIR_NAME = '.refloop-work';

/** One per warehouse: two warehouses in one folder have two writers, and each empties its own. */
export function workDirFor(dbPath: string): string {
  const db = basename(dbPath);
  return join(dirname(dbPath), db === 'warehouse.duckdb' ? WORK_DIR_NAME : `${WORK_DIR_NAME}-${db.replace(/[^A-Za-z0-9_.-]/g, '_')}`);
}

/** Creates the folder (mode 0700) and removes whatever a killed job left in it. Returns how many entries it removed. */
export async function openWorkDir(dir: string): Promise<number> {
  await mkdir(dir, { recursive: true, mode: 0o700 });
  await chmod(dir, 0o700);
  const left = await readdir(dir);
  await Promise.all(left.map((name) => rm(join(dir, name), { recursive: true, force: true })));
  return left.length;
}

/** A fresh sub-folder for one file's or delivery's copies. */
export async function scratchDir(workDir: string, prefix: string): Promise<{ dir: string; remove: () => Promise<void> }> {
  await mkdir(workDir, { recursive: true, mode: 0o700 });
  const dir = await mkdtemp(join(workDir, `${prefix.replace(/[^A-Za-z0-9_.-]/g, '_')}-`));
  return { dir, remove: () => rm(dir, { recursive: true, force: true }) };
}

export async function closeWorkDir(dir: string): Promise<void> {
  await rm(dir, { recursive: true, force: true });
}
