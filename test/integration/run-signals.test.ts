import { spawn } from 'node:child_process';
import { connect } from 'node:net';
import { describe, expect, it } from 'vitest';
import { CLI, copySamples, exitOf, tempDir, waitFor } from '../support/cli.js';

/** Whether anything accepts a connection on the loopback port. */
function answers(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = connect(port, '127.0.0.1');
    socket.once('connect', () => {
      socket.destroy();
      resolve(true);
    });
    socket.once('error', () => resolve(false));
  });
}

/** `vnpipe run` with REDIS_URL unset and no Redis on the default port: it starts its own; resolves with the process and that Redis's port. */
async function runWithPrivateRedis(): Promise<{ child: ReturnType<typeof spawn>; port: number }> {
  const child = spawn(process.execPath, [CLI, 'run', copySamples(), '--out', tempDir('signals-out')], {
    env: { ...process.env, REDIS_URL: '', VNPIPE_PREFIX: 'signals' },
    stdio: ['ignore', 'ignore', 'pipe'],
  });
  let stderr = '';
  child.stderr!.setEncoding('utf8').on('data', (chunk: string) => (stderr += chunk));
  const port = await waitFor(async () => Number(/private redis-server at redis:\/\/127\.0\.0\.1:(\d+)/.exec(stderr)?.[1]) || null, 30_000, 20);
  return { child, port };
}

describe('vnpipe run and its private redis-server', () => {
  for (const signal of ['SIGTERM', 'SIGKILL'] as const) {
    it(`leaves no redis-server behind when run is killed with ${signal}`, async () => {
      const { child, port } = await runWithPrivateRedis();
      expect(await answers(port)).toBe(true);
      expect(child.exitCode).toBe(null); // still running: killed, not finished
      child.kill(signal);
      await exitOf(child);
      // The watchdog sees the pipe close and stops redis-server.
      await waitFor(async () => !(await answers(port)), 10_000, 50);
      expect(await answers(port)).toBe(false);
    });
  }
});
