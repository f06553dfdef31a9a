#!/usr/bin/env node
// The `refloop` command. The code is TypeScript run through tsx, so a clone
// needs no build step between `npm ci` and `npx refloop`.
import { register } from 'tsx/esm/api';

register();
const { main } = await import('../src/cli/main.ts');
process.exitCode = await main(process.argv.slice(2));
