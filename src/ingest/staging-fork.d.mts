import type { ChildProcess } from 'node:child_process';

export declare function forkStagingProcess(worker: string): ChildProcess;
