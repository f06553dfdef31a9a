// A stop requested by SIGTERM or SIGINT: jobs finish (or roll back) the file
// in hand, record the run, and exit. A second signal exits at once; the
// warehouse is still safe, since every file is one transaction. Anything that
// only waits (for the writer lock) stops at the first signal: stopSignal().
let requested: string | undefined;
const stop = new AbortController();

export const stopRequested = () => requested;

/** Aborted at the first SIGTERM/SIGINT once stopOnSignals is on: a wait takes it to end at once. */
export const stopSignal = (): AbortSignal => stop.signal;

export function stopOnSignals(onFirst?: (signal: string) => void): void {
  for (const signal of ['SIGTERM', 'SIGINT'] as const) {
    process.on(signal, () => {
      if (requested) process.exit(130);
      requested = signal;
      onFirst?.(signal);
      stop.abort(signal);
    });
  }
}
