// Progress and events go to stderr (stdout is for results: `refloop sql`,
// exports). On a terminal they are lines for a person; otherwise, or with
// REFLOOP_LOG=json, one JSON object per line for a log collector (silent: none). Callers pass
// counts, file names and reasons only, never row values, so no PHI is logged.
//
// A file name is chosen by whoever drops a file in the inbox, so a text line
// shows control characters escaped: a name holding a newline or an escape
// sequence cannot forge a log line or rewrite the terminal (JSON escapes
// them itself). And the log must never be what stops a job: a write to
// stderr that fails (disk full, a closed pipe) is dropped.
export type Fields = Record<string, string | number | boolean | null | undefined>;

const json = () => process.env.REFLOOP_LOG === 'json' || (!process.stderr.isTTY && process.env.REFLOOP_LOG !== 'text');
let progressShown = false;

const silent = () => process.env.REFLOOP_LOG === 'silent';

/**
 * C0 and C1 control characters, DEL, the Unicode line and paragraph
 * separators and the bidirectional overrides (which reorder what a terminal
 * shows), each as a visible escape.
 */
const UNPRINTABLE = /[\u0000-\u001f\u007f-\u009f\u2028\u2029\u202a-\u202e\u2066-\u2069]/g;
const NAMED: Record<string, string> = { '\n': '\\n', '\r': '\\r', '\t': '\\t' };

export function printable(text: string): string {
  return text.replace(UNPRINTABLE, (c) => {
    const code = c.codePointAt(0)!;
    return NAMED[c] ?? (code <= 0xff ? `\\x${code.toString(16).padStart(2, '0')}` : `\\u${code.toString(16).padStart(4, '0')}`);
  });
}

// A failed write to stderr comes back as an 'error' event, which would end
// the process with a stack trace if nothing listened. This covers every
// write to stderr, the command line's own failure line included.
process.stderr.on('error', () => {
  // ENOSPC, EPIPE and the like on the log stream: dropped (see above)
});

/** Writes to stderr; a write that throws at once is dropped too. */
function toStderr(text: string): void {
  try {
    process.stderr.write(text);
  } catch {
    // the log stream is gone; the job goes on
  }
}

export function log(event: string, message: string, fields: Fields = {}): void {
  if (silent()) return;
  clearProgress();
  if (json()) toStderr(`${JSON.stringify({ at: new Date().toISOString(), event, message, ...fields })}\n`);
  else toStderr(`${printable(message)}\n`);
}

/**
 * A result line: stdout for the person or script that ran the command, and
 * the same as an event for a log collector (not repeated on a terminal).
 */
export function result(event: string, line: string, fields: Fields = {}): void {
  process.stdout.write(`${printable(line)}\n`);
  if (json() && !silent()) toStderr(`${JSON.stringify({ at: new Date().toISOString(), event, message: line, ...fields })}\n`);
}

/** A progress line that rewrites itself on a terminal; off a terminal, nothing (the log has the events). */
export function progress(message: string): void {
  if (!process.stderr.isTTY || json() || silent()) return;
  toStderr(`\r\x1b[2K${printable(message)}`);
  progressShown = true;
}

export function clearProgress(): void {
  if (!progressShown) return;
  toStderr('\r\x1b[2K');
  progressShown = false;
}
