// `refloop start` (what `npm start` runs): the main job on a fresh clone. With
// an empty inbox it writes the demo practice first; then it ingests,
// transforms and publishes, and serves the site on 127.0.0.1 until stopped.
// Run again, it does no duplicate work: the demo is not rewritten and files
// already loaded are recognised by their hash.
import { existsSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { readdir } from 'node:fs/promises';
import { log } from '../../log.ts';
import { serveStatic } from '../../site/serve.ts';
import { type Command, COMMON_OPTIONS } from '../command.ts';
import { type CommonOptions, resolvePaths } from '../context.ts';
import { demoCommand } from './demo.ts';
import { runCommand } from './jobs.ts';

export const startCommand: Command = {
  summary: 'the main job: demo data if the inbox is empty, then run --publish, then serve the site (--port N, --no-serve)',
  options: { ...COMMON_OPTIONS, port: { type: 'string', default: '3000' }, 'no-serve': { type: 'boolean' } },
  async run(options) {
    const paths = resolvePaths(options as CommonOptions);
    const wroteDemo = (await readdir(paths.inboxDir).catch(() => [])).length === 0;
    if (wroteDemo) {
      log('start.demo', `start: the inbox ${paths.inboxDir} is empty, so refloop writes its demo practice there first`);
      const code = await demoCommand.run({ ...options }, []);
      if (code !== 0) return code;
    }
    // Files this process has just written are complete: no need to wait for them to settle.
    const code = await runCommand.run({ ...options, publish: true, ...(wroteDemo ? { 'settle-seconds': '0' } : {}) }, []);
    const site = resolve('dist');
    if (options['no-serve'] || !existsSync(site)) return code;
    // The referrer statements beside the warehouse, where the Sources page's default links (../data/statements) point.
    const server = await serveStatic(site, Number(options.port), [{ prefix: '/data/statements', dir: join(dirname(paths.dbPath), 'statements') }]);
    process.stdout.write(`refloop: the dashboards are at ${server.url}/ (Ctrl-C to stop)\n`);
    await new Promise<void>((done) => {
      const stop = () => void server.close().then(done);
      process.once('SIGINT', stop);
      process.once('SIGTERM', stop);
    });
    return code;
  },
};
