// `refloop start` (what `npm start` runs): the main job on a fresh clone. With
// an empty inbox it writes the demo practice first; then it runs every stage.
// Run again, it does no duplicate work: the demo is not rewritten and files
// already loaded are recognised by their hash.
import { listInbox } from '../../ingest/inbox.ts';
import { log } from '../../log.ts';
import { type Command, COMMON_OPTIONS } from '../command.ts';
import { type CommonOptions, resolvePaths } from '../context.ts';
import { demoCommand } from './demo.ts';
import { runCommand } from './jobs.ts';

export const startCommand: Command = {
  summary: 'the main job: demo data if the inbox is empty, then every stage',
  options: COMMON_OPTIONS,
  async run(options) {
    const paths = resolvePaths(options as CommonOptions);
    if ((await listInbox(paths.inboxDir)).length === 0) {
      log('start.demo', `start: the inbox ${paths.inboxDir} is empty, so refloop writes its demo practice there first`);
      const code = await demoCommand.run({ ...options }, []);
      if (code !== 0) return code;
    }
    return runCommand.run(options, []);
  },
};
