// A static file server for the built site, on 127.0.0.1 only (the site is
// for the practice's own network; nothing else is served). It serves files
// inside the site folder, and inside the folders mounted beside it under a
// path of their own (the referrer statements, which the Sources page links
// but which never go into the site), and nothing else; no request can stop
// it: a malformed one gets 400, one for a path outside its folder 404, and
// any failure while answering ends that response only.
import { createReadStream } from 'node:fs';
import { realpath, stat } from 'node:fs/promises';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import { extname, resolve, sep } from 'node:path';

const TYPES: Record<string, string> = {
  '.html': 'text/html; charset=utf-8',
  '.js': 'text/javascript',
  '.css': 'text/css',
  '.json': 'application/json',
  '.csv': 'text/csv',
  '.svg': 'image/svg+xml',
  '.png': 'image/png',
  '.parquet': 'application/octet-stream',
  '.pdf': 'application/pdf',
};

/** A folder served under a path of its own, e.g. `/data/statements`. */
export interface Mount {
  prefix: string;
  dir: string;
}

export async function serveStatic(root: string, listenPort = 0, mounts: Mount[] = []): Promise<{ url: string; close: () => Promise<void> }> {
  const site = await realpath(resolve(root));
  // A mounted folder made later (statements written after the server started) is served once it exists.
  const folders = mounts.map((m) => ({ prefix: m.prefix.replace(/\/+$/, ''), dir: resolve(m.dir) }));
  const server: Server = createServer((request, response) => {
    answer(site, folders, request, response).catch(() => {
      if (!response.headersSent) send(response, 500, 'internal error');
      else response.destroy();
    });
  });
  // A request Node cannot parse: 400 on the socket, which is then closed.
  server.on('clientError', (_error, socket) => {
    if (socket.writable) socket.end('HTTP/1.1 400 Bad Request\r\nconnection: close\r\ncontent-length: 0\r\n\r\n');
    else socket.destroy();
  });
  await new Promise<void>((done, reject) => {
    server.once('error', reject);
    server.listen(listenPort, '127.0.0.1', done);
  });
  const address = server.address();
  const port = typeof address === 'object' && address ? address.port : 0;
  return {
    url: `http://127.0.0.1:${port}`,
    close: () =>
      new Promise((done) => {
        server.close(() => done());
        server.closeAllConnections();
      }),
  };
}

async function answer(site: string, mounts: Mount[], request: IncomingMessage, response: ServerResponse): Promise<void> {
  if (request.method !== 'GET' && request.method !== 'HEAD') return send(response, 405, 'only GET and HEAD', { allow: 'GET, HEAD' });
  const url = request.url ?? '/';
  // The mount is chosen on the raw path, before decoding: a `..` after the prefix is judged inside the mounted folder.
  const mount = mounts.find((m) => url.startsWith(`${m.prefix}/`));
  const folder = mount ? await realpath(mount.dir).catch(() => undefined) : site;
  if (!folder) return send(response, 404, 'not found');
  const target = requestPath(folder, mount ? url.slice(mount.prefix.length) : url);
  if (target === 'malformed') return send(response, 400, 'bad request');
  const file = target === 'outside' ? undefined : await servedFile(folder, target);
  if (!file) return send(response, 404, 'not found');
  response.writeHead(200, {
    'content-type': TYPES[extname(file.path)] ?? 'application/octet-stream',
    'content-length': file.size,
    'x-content-type-options': 'nosniff',
  });
  if (request.method === 'HEAD') return void response.end();
  const stream = createReadStream(file.path);
  stream.on('error', () => response.destroy());
  stream.pipe(response);
}

/**
 * The file path a request target names, read segment by segment: 'malformed'
 * for a target that is not an origin path (absolute-form, `*`), has bad
 * percent-encoding, or decodes to a NUL, a slash or a backslash inside a
 * segment; 'outside' when its `..` segments climb out of the site.
 */
export function requestPath(site: string, target: string): string | 'malformed' | 'outside' {
  if (!target.startsWith('/')) return 'malformed';
  const segments: string[] = [];
  for (const raw of target.replace(/[?#].*$/s, '').split('/')) {
    let segment: string;
    try {
      segment = decodeURIComponent(raw);
    } catch {
      return 'malformed';
    }
    if (/[\0/\\]/.test(segment)) return 'malformed';
    if (segment !== '' && segment !== '.') segments.push(segment);
  }
  const path = resolve(site, ...segments);
  return path === site || path.startsWith(site + sep) ? path : 'outside';
}

/** The file to send: the path, its index.html when a folder, else path.html (Framework's clean URLs); never outside the site. */
async function servedFile(site: string, path: string): Promise<{ path: string; size: number } | undefined> {
  for (const candidate of [path, resolve(path, 'index.html'), `${path}.html`]) {
    const info = await stat(candidate).catch(() => undefined);
    if (!info?.isFile()) continue;
    // A link inside the site may point anywhere: serve only what lies in it.
    const real = await realpath(candidate);
    return real.startsWith(site + sep) ? { path: real, size: info.size } : undefined;
  }
  return undefined;
}

function send(response: ServerResponse, status: number, body: string, headers: Record<string, string> = {}): void {
  response.writeHead(status, { 'content-type': 'text/plain; charset=utf-8', ...headers }).end(body);
}
