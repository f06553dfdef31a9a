// A stop requested by SIGTERM or SIGINT: jobs finish (or roll back) the file
// in hand, record the run, and exit. A second signal exits at once; the
// warehouse is still safe, since every file is one transaction.
let requested: string | undefined;

export const stopRequested = () => requested;

export function stopOnSignals(onFirst?: (signal: string) => void): void {
  for (const signal of ['SIGTERM', 'SIGINT'] as const) {
    process.on(signal, () => {
      if (requested) process.exit(130);
      requested = signal;
      onFirst?.(signal);
    });
  }
}
