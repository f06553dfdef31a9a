// Progress and events go to stderr (stdout is for results: `refloop sql`,
// exports). On a terminal they are lines for a person; otherwise, or with
// REFLOOP_LOG=json, one JSON object per line for a log collector (silent: none). Callers pass
// counts, file names and reasons only, never row values, so no PHI is logged.
export type Fields = Record<string, string | number | boolean | null | undefined>;

const json = () => process.env.REFLOOP_LOG === 'json' || (!process.stderr.isTTY && process.env.REFLOOP_LOG !== 'text');
let progressShown = false;

const silent = () => process.env.REFLOOP_LOG === 'silent';

export function log(event: string, message: string, fields: Fields = {}): void {
  if (silent()) return;
  clearProgress();
  if (json()) process.stderr.write(`${JSON.stringify({ at: new Date().toISOString(), event, message, ...fields })}\n`);
  else process.stderr.write(`${message}\n`);
}

/**
 * A result line: stdout for the person or script that ran the command, and
 * the same as an event for a log collector (not repeated on a terminal).
 */
export function result(event: string, line: string, fields: Fields = {}): void {
  process.stdout.write(`${line}\n`);
  if (json() && !silent()) process.stderr.write(`${JSON.stringify({ at: new Date().toISOString(), event, message: line, ...fields })}\n`);
}

/** A progress line that rewrites itself on a terminal; off a terminal, nothing (the log has the events). */
export function progress(message: string): void {
  if (!process.stderr.isTTY || json() || silent()) return;
  process.stderr.write(`\r\x1b[2K${message}`);
  progressShown = true;
}

export function clearProgress(): void {
  if (!progressShown) return;
  process.stderr.write('\r\x1b[2K');
  progressShown = false;
}
