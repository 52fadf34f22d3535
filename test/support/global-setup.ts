import { execFileSync } from 'node:child_process';
import type { TestProject } from 'vitest/node';
import { startLocalRedis, type LocalRedis } from '../../src/cli/local-redis.js';

declare module 'vitest' {
  export interface ProvidedContext {
    redisUrl: string;
  }
}

let redis: LocalRedis | null = null;

/**
 * Builds dist/ (the CLI and the document threads the queue tests run) and starts
 * one real redis-server on a free port for the whole run, unless REDIS_URL names one.
 * Each test file keeps its keys apart with its own VNPIPE_PREFIX.
 */
export default async function setup(project: TestProject): Promise<() => Promise<void>> {
  execFileSync(process.execPath, ['node_modules/typescript/bin/tsc', '-p', 'tsconfig.json'], { stdio: 'inherit' });
  let url = process.env.REDIS_URL;
  if (!url) {
    redis = await startLocalRedis({ appendOnly: true });
    url = redis.url;
  }
  project.provide('redisUrl', url);
  return async () => {
    await redis?.stop();
  };
}
