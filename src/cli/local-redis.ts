import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Redis } from 'ioredis';
import { UsageError } from '../errors.js';

export interface LocalRedis {
  url: string;
  /** Stops the server and starts it again on the same port with the same data folder. */
  restart(downMs?: number): Promise<void>;
  stop(): Promise<void>;
}

/**
 * A private redis-server on a free loopback port, in a temporary folder, for one
 * `vnpipe run` (and for the tests). It keeps nothing on disk after `stop`.
 */
export async function startLocalRedis(options: { appendOnly?: boolean } = {}): Promise<LocalRedis> {
  const port = await freePort();
  const dir = mkdtempSync(join(tmpdir(), 'vnpipe-redis-'));
  const args = ['--port', String(port), '--bind', '127.0.0.1', '--dir', dir, '--save', '', '--maxmemory-policy', 'noeviction',
    '--appendonly', options.appendOnly ? 'yes' : 'no'];
  let child: ChildProcess;
  try {
    child = await spawnReady('redis-server', args);
  } catch (err) {
    rmSync(dir, { recursive: true, force: true });
    throw err;
  }
  const url = `redis://127.0.0.1:${port}`;
  await waitForPing(url, child);
  const halt = async () => {
    if (child.exitCode === null && child.signalCode === null) {
      const exited = new Promise((resolve) => child.once('exit', resolve));
      child.kill('SIGTERM');
      await exited;
    }
  };
  return {
    url,
    async restart(downMs = 0) {
      await halt();
      await new Promise((r) => setTimeout(r, downMs));
      child = await spawnReady('redis-server', args);
      await waitForPing(url, child);
    },
    async stop() {
      await halt();
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

function spawnReady(command: string, args: string[]): Promise<ChildProcess> {
  return new Promise((resolve, reject) => {
    const child = spawn(command, args, { stdio: 'ignore' });
    child.once('error', (err: NodeJS.ErrnoException) =>
      reject(
        err.code === 'ENOENT'
          ? new UsageError('no Redis answers and there is no redis-server to start (install it: apt-get install redis-server)')
          : err,
      ),
    );
    child.once('spawn', () => resolve(child));
  });
}

async function waitForPing(url: string, child: ChildProcess): Promise<void> {
  const deadline = Date.now() + 10_000;
  while (Date.now() < deadline) {
    if (child.exitCode !== null) throw new UsageError(`redis-server exited at start (code ${child.exitCode})`);
    const redis = new Redis(url, { lazyConnect: true, retryStrategy: () => null, maxRetriesPerRequest: 0 });
    redis.on('error', () => {});
    try {
      await redis.connect();
      await redis.ping();
      redis.disconnect();
      return;
    } catch {
      redis.disconnect();
      await new Promise((r) => setTimeout(r, 50));
    }
  }
  child.kill('SIGKILL');
  throw new UsageError('redis-server did not answer within 10 s');
}

function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address() as { port: number };
      server.close(() => resolve(port));
    });
  });
}
