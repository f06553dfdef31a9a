// Writers for the private copies the readers make. A copy holds what the raw
// file holds (PHI), so it is created new (never over an existing file) with
// mode 0600, and removed if writing it fails part-way.
import type { WriteStream } from 'node:fs';
import { open, unlink } from 'node:fs/promises';

const FLUSH_CHARS = 1 << 16;

export class PrivateFileWriter {
  private pending: string[] = [];
  private pendingChars = 0;
  /** The stream's first error; kept so an error between writes is not lost (or left unhandled). */
  private failure: Error | undefined;

  private constructor(
    readonly path: string,
    private readonly stream: WriteStream,
  ) {
    stream.on('error', (error) => (this.failure ??= error));
  }

  /** Creates `path` (it must not exist) with mode 0600. */
  static async create(path: string): Promise<PrivateFileWriter> {
    const handle = await open(path, 'wx', 0o600);
    // The stream owns the descriptor from here and closes it on end or destroy.
    return new PrivateFileWriter(path, handle.createWriteStream({ autoClose: true }));
  }

  /** Queues text; waits only when the disk falls behind. */
  async write(text: string): Promise<void> {
    this.pending.push(text);
    this.pendingChars += text.length;
    if (this.pendingChars >= FLUSH_CHARS) await this.flush();
  }

  private async flush(): Promise<void> {
    if (this.pending.length === 0) return;
    const text = this.pending.join('');
    this.pending = [];
    this.pendingChars = 0;
    await this.push(Buffer.from(text, 'utf8'));
  }

  private push(bytes: Buffer): Promise<void> {
    if (this.failure) return Promise.reject(this.failure);
    if (this.stream.write(bytes)) return Promise.resolve();
    return new Promise((resolve, reject) => {
      const onDrain = () => {
        this.stream.off('error', onError);
        resolve();
      };
      const onError = (error: Error) => {
        this.stream.off('drain', onDrain);
        reject(error);
      };
      this.stream.once('drain', onDrain);
      this.stream.once('error', onError);
    });
  }

  /** Writes what is queued and closes the file. */
  async close(): Promise<void> {
    await this.flush();
    await new Promise<void>((resolve, reject) => {
      this.stream.once('error', reject);
      this.stream.end(() => (this.failure ? reject(this.failure) : resolve()));
    });
  }

  /** Closes and removes the file (it is partial). */
  async discard(): Promise<void> {
    this.pending = [];
    await new Promise<void>((resolve) => {
      if (this.stream.destroyed) return resolve();
      this.stream.once('close', () => resolve());
      this.stream.destroy();
    });
    await unlink(this.path).catch(() => undefined);
  }
}

/**
 * Runs `work` with a new private file at `path`; if `work` throws, the
 * partial file is removed and the error passed on.
 */
export async function withPrivateFile<T>(path: string, work: (out: PrivateFileWriter) => Promise<T>): Promise<T> {
  const out = await PrivateFileWriter.create(path);
  try {
    const result = await work(out);
    await out.close();
    return result;
  } catch (error) {
    await out.discard();
    throw error;
  }
}
