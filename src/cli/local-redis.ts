import { execFile, spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Redis } from 'ioredis';
import { UsageError } from '../errors.js';
import { shardPrefix } from '../queue/queues.js';

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
    child = await spawnReady(dir, args);
  } catch (err) {
    rmSync(dir, { recursive: true, force: true });
    throw err;
  }
  const url = `redis://127.0.0.1:${port}`;
  await waitForPing(url, child);
  const halt = async (keepData: boolean) => {
    if (child.exitCode === null && child.signalCode === null) {
      const exited = new Promise((resolve) => child.once('exit', resolve));
      child.stdin?.end(keepData ? 'keep\n' : ''); // the watchdog stops redis-server and waits for it
      await exited;
    }
  };
  return {
    url,
    async restart(downMs = 0) {
      await halt(true);
      await new Promise((r) => setTimeout(r, downMs));
      child = await spawnReady(dir, args);
      await waitForPing(url, child);
    },
    async stop() {
      await halt(false);
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

export interface LocalCluster {
  /** The nodes as REDIS_CLUSTER_NODES takes them: `127.0.0.1:port,...`. */
  nodes: string;
  ports: number[];
  /**
   * A key prefix `{<name><k>}` whose first `shards` queue shards (queues.ts) sit on as
   * many different nodes as there are (hash slots fall where they fall; this finds a k).
   */
  spreadPrefix(name: string, shards: number): Promise<string>;
  stop(): Promise<void>;
}

/**
 * A private Redis Cluster of `size` masters (no replicas) on free loopback ports, its
 * slots spread by `redis-cli --cluster create`: for the tests and bench:scale. Each node
 * runs under the same watchdog as startLocalRedis, so nothing outlives this process.
 */
export async function startLocalCluster(size = 3): Promise<LocalCluster> {
  const started: { child: ChildProcess; dir: string }[] = [];
  const ports: number[] = [];
  const stop = async () => {
    await Promise.all(
      started.map(({ child }) =>
        child.exitCode === null && child.signalCode === null ? new Promise((resolve) => (child.once('exit', resolve), child.stdin?.end(''))) : null,
      ),
    );
    for (const { dir } of started) rmSync(dir, { recursive: true, force: true });
  };
  try {
    for (let i = 0; i < size; i++) {
      const port = await freePort();
      const dir = mkdtempSync(join(tmpdir(), 'vnpipe-cluster-'));
      const args = ['--port', String(port), '--bind', '127.0.0.1', '--dir', dir, '--save', '', '--appendonly', 'no', '--maxmemory-policy', 'noeviction',
        '--cluster-enabled', 'yes', '--cluster-config-file', 'nodes.conf', '--cluster-node-timeout', '5000'];
      started.push({ child: await spawnReady(dir, args), dir });
      ports.push(port);
      await waitForPing(`redis://127.0.0.1:${port}`, started.at(-1)!.child);
    }
    const nodes = ports.map((p) => `127.0.0.1:${p}`);
    await new Promise<void>((resolve, reject) =>
      execFile('redis-cli', ['--cluster', 'create', ...nodes, '--cluster-replicas', '0', '--cluster-yes'], (err, _out, stderr) =>
        err ? reject(new UsageError(`redis-cli --cluster create failed: ${stderr.trim() || err.message}`)) : resolve(),
      ),
    );
    // Every node must know every slot's owner before a client asks.
    const deadline = Date.now() + 20_000;
    for (const port of ports) {
      const redis = new Redis(port, '127.0.0.1', { lazyConnect: true, maxRetriesPerRequest: 1 });
      redis.on('error', () => {});
      try {
        while (!/cluster_state:ok/.test(await redis.cluster('INFO'))) {
          if (Date.now() > deadline) throw new UsageError(`the local cluster did not become ready within 20 s (node ${port})`);
          await new Promise((r) => setTimeout(r, 100));
        }
      } finally {
        redis.disconnect();
      }
    }
    const spreadPrefix = async (name: string, shards: number) => {
      const probe = new Redis(ports[0]!, '127.0.0.1');
      try {
        const ranges = await probe.cluster('SLOTS');
        const owner = (slot: number) => ranges.find(([lo, hi]) => slot >= lo && slot <= hi)![2]![1];
        const wanted = Math.min(shards, ports.length);
        for (let k = 0; k < 10_000; k++) {
          const slots = await Promise.all(Array.from({ length: shards }, (_, i) => probe.cluster('KEYSLOT', shardPrefix(`{${name}${k}}`, i)) as Promise<number>));
          if (new Set(slots.map(owner)).size === wanted) return `{${name}${k}}`;
        }
        throw new UsageError(`no prefix {${name}k} spreads ${shards} shards over ${wanted} nodes`);
      } finally {
        probe.disconnect();
      }
    };
    return { nodes: nodes.join(','), ports, spreadPrefix, stop };
  } catch (err) {
    await stop();
    throw err;
  }
}

/**
 * redis-server under a shell watchdog that holds the read end of a pipe from this
 * process: when the pipe closes, because we stop it or because this process died (even
 * by SIGKILL, when no handler of ours runs), the watchdog stops redis-server. Nothing is
 * left running after `vnpipe run` however it ends. The watchdog ignores SIGINT, which
 * Ctrl-C sends to the whole process group, so that it outlives us to clean up; it exits
 * with redis-server's status, and with 127 when there is none.
 */
const WATCHDOG = [
  "trap '' INT",
  'command -v redis-server >/dev/null 2>&1 || exit 127',
  'dir=$1; shift',
  'exec 3<&0',
  'redis-server "$@" </dev/null &',
  'pid=$!',
  // Unless told `keep` (a restart), the data folder goes once redis-server is gone.
  '{ read -r why <&3; kill "$pid" 2>/dev/null; while kill -0 "$pid" 2>/dev/null; do sleep 0.05; done; [ "$why" = keep ] || rm -rf "$dir"; } &',
  'wait "$pid"',
].join('\n');
const NO_REDIS_SERVER = 127;

function spawnReady(dir: string, args: string[]): Promise<ChildProcess> {
  return new Promise((resolve, reject) => {
    const child = spawn('/bin/sh', ['-c', WATCHDOG, 'vnpipe-redis', dir, ...args], { stdio: ['pipe', 'ignore', 'ignore'] });
    child.once('error', reject);
    child.once('spawn', () => resolve(child));
  });
}

async function waitForPing(url: string, child: ChildProcess): Promise<void> {
  const deadline = Date.now() + 10_000;
  while (Date.now() < deadline) {
    if (child.exitCode !== null) {
      child.stdin?.end(); // the watchdog's reader waits for it
      if (child.exitCode === NO_REDIS_SERVER) {
        throw new UsageError('no Redis answers and there is no redis-server to start (install it: apt-get install redis-server)');
      }
      throw new UsageError(`redis-server exited at start (code ${child.exitCode})`);
    }
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
  child.stdin?.end();
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
