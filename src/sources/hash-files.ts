// The SHA-256 of each of a delivery's files (its identity: load-delivery.ts
// deliveryHash). A FHIR export of a million referrals is 6 GB: hashed in one
// thread, that is seconds before a byte is parsed, so a big delivery's files
// are shared out, biggest first, among two worker threads, each hashing
// whole files. The workers are plain JavaScript (no TypeScript to load: they
// start in milliseconds) and read the files themselves.
import { createHash } from 'node:crypto';
import { createReadStream } from 'node:fs';
import { availableParallelism } from 'node:os';
import { Worker } from 'node:worker_threads';

/** Below this many bytes, the files are hashed in this thread: starting workers would cost more than they save. */
const WORKER_BYTES = 64 * 2 ** 20;

const HASHER = `
const { parentPort, workerData } = require('node:worker_threads');
const { createHash } = require('node:crypto');
const { openSync, readSync, closeSync } = require('node:fs');
const buffer = Buffer.allocUnsafe(1 << 22);
const digests = [];
try {
  for (const path of workerData.paths) {
    const hash = createHash('sha256');
    const fd = openSync(path, 'r');
    try {
      for (;;) {
        const n = readSync(fd, buffer, 0, buffer.length, null);
        if (n === 0) break;
        hash.update(buffer.subarray(0, n));
      }
    } finally {
      closeSync(fd);
    }
    digests.push(hash.digest('hex'));
  }
  parentPort.postMessage({ digests });
} catch (error) {
  parentPort.postMessage({ error: String((error && error.message) || error), code: error && error.code });
}
`;

/**
 * The hex SHA-256 of each file, in the order given.
 * @param options.workerBytes from this many bytes in all, workers hash them (tests make it small)
 */
export async function hashFiles(files: readonly { path: string; sizeBytes: number }[], options: { workerBytes?: number } = {}): Promise<string[]> {
  const total = files.reduce((n, f) => n + f.sizeBytes, 0);
  const threads = Math.min(2, availableParallelism(), files.length);
  if (total < (options.workerBytes ?? WORKER_BYTES) || threads < 2) {
    const out: string[] = [];
    for (const file of files) out.push(await hashHere(file.path));
    return out;
  }
  // Biggest first, each to the thread with the fewest bytes so far.
  const shares = Array.from({ length: threads }, () => ({ bytes: 0, indexes: [] as number[] }));
  const bySize = files.map((f, i) => i).sort((a, b) => files[b]!.sizeBytes - files[a]!.sizeBytes || a - b);
  for (const i of bySize) {
    const share = shares.reduce((least, s) => (s.bytes < least.bytes ? s : least));
    share.bytes += files[i]!.sizeBytes;
    share.indexes.push(i);
  }
  const out: string[] = new Array(files.length);
  await Promise.all(
    shares.map(async (share) => {
      const digests = await hashInWorker(share.indexes.map((i) => files[i]!.path));
      share.indexes.forEach((i, k) => (out[i] = digests[k]!));
    }),
  );
  return out;
}

async function hashHere(path: string): Promise<string> {
  const hash = createHash('sha256');
  for await (const chunk of createReadStream(path, { highWaterMark: 1 << 20 })) hash.update(chunk as Buffer);
  return hash.digest('hex');
}

function hashInWorker(paths: string[]): Promise<string[]> {
  return new Promise((resolve, reject) => {
    const worker = new Worker(HASHER, { eval: true, workerData: { paths } });
    let settled = false;
    worker.once('message', (message: { digests?: string[]; error?: string; code?: string }) => {
      settled = true;
      if (message.digests) resolve(message.digests);
      else reject(Object.assign(new Error(message.error), message.code ? { code: message.code } : {}));
      void worker.terminate();
    });
    worker.once('error', (error) => {
      settled = true;
      reject(error);
    });
    worker.once('exit', (code) => {
      if (!settled) reject(new Error(`a worker hashing the delivery stopped (exit code ${code})`));
    });
  });
}
