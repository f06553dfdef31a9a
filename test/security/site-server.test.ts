// The dashboard server answers every request, however malformed, and serves
// only files inside the site folder. Real requests on 127.0.0.1, written byte
// for byte on a socket (an HTTP client would normalise them first).
import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { mkdir, mkdtemp, rm, symlink, writeFile } from 'node:fs/promises';
import { connect } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { serveStatic } from '../../src/site/serve.ts';

const SECRET = 'outside-the-site-7731';
let dir: string;
let server: { url: string; close: () => Promise<void> };
let port: number;

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'refloop-serve-'));
  const dist = join(dir, 'dist');
  await mkdir(join(dist, 'sub'), { recursive: true });
  await writeFile(join(dist, 'index.html'), '<h1>home</h1>');
  await writeFile(join(dist, 'intake.html'), '<h1>intake</h1>');
  await writeFile(join(dist, 'sub/index.html'), '<h1>sub</h1>');
  await writeFile(join(dist, 'data.json'), '{"ok":true}');
  await writeFile(join(dir, 'secret.txt'), SECRET);
  await writeFile(join(dir, 'dist-secret.html'), SECRET);
  await symlink(join(dir, 'secret.txt'), join(dist, 'linked.txt'));
  // A folder named like a page: reading it as a file fails (EISDIR).
  await mkdir(join(dist, 'trap.html'));
  server = await serveStatic(dist, 0);
  port = Number(new URL(server.url).port);
});
afterAll(async () => {
  await server.close();
  await rm(dir, { recursive: true, force: true });
});

/** Sends raw bytes, returns the status and body; bounded by a timeout. */
function raw(request: string, to = port): Promise<{ status: number; body: string }> {
  return new Promise((done, fail) => {
    const socket = connect(to, '127.0.0.1');
    const chunks: Buffer[] = [];
    const timer = setTimeout(() => {
      socket.destroy();
      fail(new Error(`no answer within 5 s to ${JSON.stringify(request)}`));
    }, 5000);
    socket.on('data', (chunk) => chunks.push(chunk));
    socket.on('error', (error) => {
      clearTimeout(timer);
      fail(error);
    });
    socket.on('close', () => {
      clearTimeout(timer);
      const text = Buffer.concat(chunks).toString('latin1');
      const status = Number(/^HTTP\/1\.1 (\d{3})/.exec(text)?.[1] ?? 0);
      done({ status, body: text.slice(text.indexOf('\r\n\r\n') + 4) });
    });
    socket.write(request);
  });
}
const get = (target: string, to = port) => raw(`GET ${target} HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n\r\n`, to);

it('a server in its own process survives GET /% and answers the next request', async () => {
  // Its own process, as `refloop start` runs it: there an unhandled failure
  // ends the process (a test runner would catch it). It stops itself after 30 s.
  const script = `const { serveStatic } = await import(${JSON.stringify(join(import.meta.dirname, '../../src/site/serve.ts'))});
    const server = await serveStatic(${JSON.stringify(join(dir, 'dist'))}, 0);
    process.stdout.write(server.url + '\\n');
    setTimeout(() => process.exit(0), 30_000);`;
  const child = spawn(process.execPath, ['--import', 'tsx', '--input-type=module', '-e', script], { stdio: ['ignore', 'pipe', 'inherit'] });
  try {
    const [line] = (await Promise.race([once(child.stdout, 'data'), once(child, 'exit').then(() => ['exited'])])) as [Buffer | string];
    const childPort = Number(new URL(String(line).trim()).port);
    expect((await get('/%', childPort)).status).toBe(400);
    expect((await get('/trap', childPort)).status).toBe(404);
    expect((await get('/', childPort)).body).toBe('<h1>home</h1>');
    expect(child.exitCode).toBeNull();
  } finally {
    child.kill();
  }
});

describe('malformed requests get 400 and the server lives on', () => {
  it.each([
    ['a lone percent sign', '/%'],
    ['a percent sign with one hex digit', '/%a'],
    ['non-hex after a percent sign', '/%zz.html'],
    ['a truncated UTF-8 sequence', '/%E0%A4%A.html'],
    ['an overlong UTF-8 sequence', '/%C0%AE%C0%AE/secret.txt'],
    ['an encoded NUL', '/index.html%00.png'],
    ['an encoded slash inside a segment', '/..%2fsecret.txt'],
    ['an encoded backslash', '/%5c..%5csecret.txt'],
    ['an absolute-form target', 'http://127.0.0.1/../secret.txt'],
    ['an asterisk target', '*'],
  ])('%s (%s)', async (_, target) => {
    const answer = await get(target);
    expect(answer.status).toBe(400);
    expect(answer.body).not.toContain(SECRET);
    expect((await get('/')).status).toBe(200);
  });

  it('a request Node cannot parse gets 400', async () => {
    expect((await raw('GET / HTTP/1.1\r\nHost: x\r\nBad Header Line\r\n\r\n')).status).toBe(400);
    expect((await raw('\x00\x01\x02 garbage\r\n\r\n')).status).toBe(400);
    expect((await get('/')).status).toBe(200);
  });

  it('a page that cannot be read (a folder named trap.html) ends that answer only', async () => {
    expect((await get('/trap')).status).toBe(404);
    expect((await get('/trap.html')).status).toBe(404);
    expect((await get('/')).status).toBe(200);
  });

  it('other methods get 405', async () => {
    expect((await raw('POST / HTTP/1.1\r\nHost: x\r\nContent-Length: 0\r\nConnection: close\r\n\r\n')).status).toBe(405);
  });
});

describe('nothing outside the site folder is served', () => {
  it.each([
    ['dot-dot segments', '/../secret.txt'],
    ['encoded dot-dot segments', '/%2e%2e/secret.txt'],
    ['dot-dot after a folder', '/sub/../../secret.txt'],
    ['a sibling folder whose name starts like the site', '/../dist-secret'],
    ['a link inside the site to a file outside', '/linked.txt'],
    ['an absolute system path', '//etc/passwd'],
  ])('%s: 404', async (_, target) => {
    const answer = await get(target);
    expect(answer.status).toBe(404);
    expect(answer.body).not.toContain(SECRET);
    expect(answer.body).not.toContain('root:');
  });
});

describe('the site itself', () => {
  it.each([
    ['/', '<h1>home</h1>'],
    ['/intake', '<h1>intake</h1>'],
    ['/intake.html?week=2026-11-02', '<h1>intake</h1>'],
    ['/sub/', '<h1>sub</h1>'],
    ['/sub/./index.html', '<h1>sub</h1>'],
    ['/sub/../intake', '<h1>intake</h1>'],
    ['/data.json', '{"ok":true}'],
  ])('%s is served', async (target, body) => {
    const answer = await get(target);
    expect(answer.status).toBe(200);
    expect(answer.body).toBe(body);
  });
});

describe('the statements folder mounted beside the site', () => {
  let mounted: { url: string; close: () => Promise<void> };
  let mountedPort: number;
  beforeAll(async () => {
    const data = join(dir, 'data');
    await mkdir(join(data, 'statements/2026-Q4'), { recursive: true });
    await writeFile(join(data, 'statements/2026-Q4/elm-street.pdf'), '%PDF-elm');
    await writeFile(join(data, 'warehouse.duckdb'), SECRET);
    // Not there yet when the server starts: served once written.
    mounted = await serveStatic(join(dir, 'dist'), 0, [{ prefix: '/data/statements', dir: join(dir, 'later') }, { prefix: '/data/statements-q', dir: join(data, 'statements') }]);
    mountedPort = Number(new URL(mounted.url).port);
  });
  afterAll(() => mounted.close());

  it('serves a statement under its prefix, and the site as before', async () => {
    expect(await get('/data/statements-q/2026-Q4/elm-street.pdf', mountedPort)).toEqual({ status: 200, body: '%PDF-elm' });
    expect(await get('/intake', mountedPort)).toEqual({ status: 200, body: '<h1>intake</h1>' });
  });

  it('serves a mounted folder made after the server started, and 404 while it is missing', async () => {
    expect((await get('/data/statements/x.pdf', mountedPort)).status).toBe(404);
    await mkdir(join(dir, 'later'), { recursive: true });
    await writeFile(join(dir, 'later/x.pdf'), '%PDF-later');
    expect(await get('/data/statements/x.pdf', mountedPort)).toEqual({ status: 200, body: '%PDF-later' });
  });

  it.each([
    ['dot-dot out of the mount', '/data/statements-q/../warehouse.duckdb'],
    ['encoded dot-dot out of the mount', '/data/statements-q/%2e%2e/warehouse.duckdb'],
    ['dot-dot after a folder of the mount', '/data/statements-q/2026-Q4/../../warehouse.duckdb'],
    ['the folder above, by the site path', '/data/warehouse.duckdb'],
  ])('%s: 404', async (_, target) => {
    const answer = await get(target, mountedPort);
    expect(answer.status).toBe(404);
    expect(answer.body).not.toContain(SECRET);
  });
});
