// Part of a delivery read in a worker thread, so a big delivery uses a second
// core: the worker runs a module of this folder (its `runInWorker` export) on
// a structured-cloneable input and sends back what it returns (runInWorker),
// or answers requests until it is stopped (WorkerChannel).
//
// The modules are TypeScript. The main thread may run from the bundle
// (build/refloop.cjs) or through tsx; a worker starts with neither, so it
// registers tsx itself before importing the module, found from the package
// root (the bundle does not hold it as a file of its own).
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { totalmem } from 'node:os';
import { dirname, join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { type MessagePort, type ResourceLimits, Worker } from 'node:worker_threads';
import { projectRoot } from '../project-root.ts';

/** The worker's own script: registers tsx when the module is TypeScript, runs it, answers once. */
const BOOT = `
const { parentPort, workerData } = require('node:worker_threads');
(async () => {
  if (workerData.tsx) (await import(workerData.tsx)).register();
  const module = await import(workerData.entry);
  const result = await module.runInWorker(workerData.input, parentPort);
  if (result !== undefined) parentPort.postMessage({ result });
})().catch((error) => parentPort.postMessage({ error: { message: String(error && error.message || error), stack: String(error && error.stack || '') } }));
`;

export interface WorkerRun<O> {
  result: Promise<O>;
  /** Sends the worker a message (its module's `runInWorker` receives it on the port it is given). */
  post(message: unknown): void;
  /** Stops the worker (when the read it serves has failed); resolves once it has stopped. */
  stop(): Promise<void>;
}

export interface WorkerOptions {
  /** The worker's heap: a big delivery's indexes may not fit the default (about 4 GB) or thrive in it. */
  resourceLimits?: ResourceLimits;
  /** Called with each `{ progress: [stage, fraction] }` the worker posts before it answers. */
  onProgress?: (stage: string, fraction?: number) => void;
}

/**
 * Runs `runInWorker(input, port)` of `module` (a path below src/, such as
 * `sources/epic-ehi/encounter-worker.ts`) in a worker thread.
 */
export function runInWorker<I, O>(module: string, input: I, options: WorkerOptions = {}): WorkerRun<O> {
  const worker = startWorker(module, input, options.resourceLimits);
  let settled = false;
  const result = new Promise<O>((resolve, reject) => {
    worker.on('message', (message: { result?: O; error?: Failure; progress?: [string, number | undefined] }) => {
      if (message.progress) return options.onProgress?.(...message.progress);
      settled = true;
      if (message.error) reject(errorOf(message.error));
      else resolve(message.result as O);
      void worker.terminate();
    });
    worker.once('error', (error) => {
      settled = true;
      reject(error);
    });
    worker.once('exit', (code) => {
      if (!settled) reject(new Error(`a worker reading part of the delivery stopped (exit code ${code})`));
    });
  });
  return {
    result,
    post: (message) => worker.postMessage(message),
    stop: async () => {
      await worker.terminate();
      await result.catch(() => {});
    },
  };
}

function startWorker(module: string, input: unknown, resourceLimits?: ResourceLimits): Worker {
  const entry = join(projectRoot(), 'src', module);
  return new Worker(BOOT, {
    eval: true,
    workerData: { entry: pathToFileURL(entry).href, tsx: entry.endsWith('.ts') ? tsxApi() : undefined, input },
    ...(resourceLimits ? { resourceLimits } : {}),
  });
}

/**
 * A heap for a worker that holds a big delivery's indexes: a young
 * generation large enough that a batch's rows die in it rather than being
 * promoted, and an old generation of up to half the machine's memory, so
 * the indexes of a bigger export still fit. With the default heap, garbage
 * collection takes about twice the share of a big read.
 */
export function bigHeap(): ResourceLimits {
  return { maxYoungGenerationSizeMb: 192, maxOldGenerationSizeMb: Math.max(4096, Math.floor(totalmem() / 2 ** 20 / 2)) };
}

interface Failure {
  message: string;
  stack: string;
}

function errorOf(failure: Failure): Error {
  const error = new Error(failure.message);
  error.stack = failure.stack;
  return error;
}

/**
 * A worker that answers requests in turn (its module's `runInWorker(input,
 * port)` calls `answer(port, …)` and returns nothing). A failure of any
 * request, or of the worker, fails every request not yet answered.
 */
export class WorkerChannel<Request, Reply> {
  private readonly worker: Worker;
  private readonly waiting = new Map<number, { resolve: (reply: Reply) => void; reject: (error: Error) => void }>();
  private next = 0;
  private failure: Error | undefined;

  constructor(module: string, input: unknown) {
    this.worker = startWorker(module, input);
    this.worker.on('message', (message: { id?: number; reply?: Reply; error?: Failure }) => {
      if (message.error) return this.fail(errorOf(message.error));
      const waiter = this.waiting.get(message.id!);
      this.waiting.delete(message.id!);
      waiter?.resolve(message.reply as Reply);
    });
    this.worker.on('error', (error) => this.fail(error));
    this.worker.on('exit', (code) => this.fail(new Error(`a worker reading part of the delivery stopped (exit code ${code})`)));
  }

  request(request: Request, transfer: readonly ArrayBuffer[] = []): Promise<Reply> {
    if (this.failure) return Promise.reject(this.failure);
    const id = this.next++;
    return new Promise<Reply>((resolve, reject) => {
      this.waiting.set(id, { resolve, reject });
      this.worker.postMessage({ id, request }, [...transfer]);
    });
  }

  private fail(error: Error): void {
    this.failure ??= error;
    for (const waiter of this.waiting.values()) waiter.reject(this.failure);
    this.waiting.clear();
  }

  async stop(): Promise<void> {
    this.failure ??= new Error('the worker was stopped');
    await this.worker.terminate();
  }
}

/** In a worker: answers each request, in turn, with what `handle` returns. */
export function answer<Request, Reply>(port: MessagePort, handle: (request: Request) => Reply | Promise<Reply>): void {
  port.on('message', async ({ id, request }: { id: number; request: Request }) => {
    try {
      const reply = await handle(request);
      port.postMessage({ id, reply });
    } catch (error) {
      port.postMessage({ id, error: { message: String((error as Error)?.message ?? error), stack: String((error as Error)?.stack ?? '') } });
    }
  });
}

/**
 * tsx's ESM API module as a URL the worker can import (its script resolves
 * nothing by itself: a bare name would be looked up from the working folder,
 * a practice's, which has no node_modules).
 */
function tsxApi(): string {
  const manifest = createRequire(join(projectRoot(), 'package.json')).resolve('tsx/package.json');
  const exported = (JSON.parse(readFileSync(manifest, 'utf8')) as { exports: Record<string, { import: { default: string } }> }).exports['./esm/api']!.import.default;
  return pathToFileURL(join(dirname(manifest), exported)).href;
}
