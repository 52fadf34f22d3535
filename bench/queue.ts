/**
 * npm run bench:queue: the queue layer at scale, on a private redis-server.
 *
 *  1. enqueue N small files into an empty queue with no window and no workers:
 *     files/s, and Redis memory when everything waits (what the window prevents);
 *  2. the same folder with the default window while one worker process drains it:
 *     enqueue time, processing rate, and Redis peak memory, which must stay bounded.
 *
 *   npm run bench:queue [-- --files 200000]
 */
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { availableParallelism, tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { Redis } from 'ioredis';
import { loadConfigWithSource } from '../src/config.js';
import { enqueueFolder } from '../src/queue/producer.js';
import { untilFinished, withPrivateQueue } from './private-queue.js';

const { values } = parseArgs({ options: { files: { type: 'string', default: '200000' } } });
const files = Number(values.files);

function makeCorpus(n: number): string {
  const dir = mkdtempSync(join(tmpdir(), 'vnpipe-qbench-'));
  for (let d = 0; d * 1000 < n; d++) {
    const sub = join(dir, `d${String(d).padStart(4, '0')}`);
    mkdirSync(sub);
    for (let i = d * 1000; i < Math.min(n, (d + 1) * 1000); i++) {
      writeFileSync(join(sub, `${i}.txt`), `Tin số ${i}: Hội nghị Ban Chấp hành Trung ương khóa XIII diễn ra tại Hà Nội ngày ${(i % 28) + 1}/10/2022. Các đại biểu thảo luận về nhiều nội dung quan trọng.\n`);
    }
  }
  return dir;
}

async function usedMemoryPeak(redis: Redis): Promise<number> {
  const info = await redis.info('memory');
  return Number(/used_memory_peak:(\d+)/.exec(info)?.[1] ?? 0);
}

async function run(label: string, input: string, window: number, workers: number): Promise<void> {
  await withPrivateQueue(workers, availableParallelism(), async ({ redis, queue, batches, out }) => {
    const { config, raw } = loadConfigWithSource();
    config.queue.enqueueWindow = window;
    const start = Date.now();
    // The cleaning walk alone: a learning enqueue (the default) would first wait for workers to count, and some runs have none.
    const result = await enqueueFolder(queue, batches, { root: input, out, rawConfig: raw, config, learn: false });
    const enqueueSecs = (Date.now() - start) / 1000;
    console.log(`${label}`);
    console.log(`  enqueue     ${result.queued} files in ${enqueueSecs.toFixed(1)} s: ${(result.queued / enqueueSecs).toFixed(0)} files/s`);
    if (workers > 0) {
      await untilFinished(batches, result.batchId);
      const processSecs = (Date.now() - start) / 1000;
      console.log(`  processed   ${(result.queued / processSecs).toFixed(0)} docs/s end to end (${workers} worker process, ${availableParallelism()} threads)`);
    }
    console.log(`  Redis peak  ${((await usedMemoryPeak(redis)) / 1024 / 1024).toFixed(1)} MB used_memory_peak`);
  });
}

console.log(`vnpipe bench:queue: ${files} files, ${availableParallelism()} cores, Node ${process.version}`);
const input = makeCorpus(files);
try {
  await run('1. no window, no workers (everything waits in Redis)', input, Number.MAX_SAFE_INTEGER, 0);
  await run('2. default window, one worker process draining', input, loadConfigWithSource().config.queue.enqueueWindow, 1);
} finally {
  rmSync(input, { recursive: true, force: true });
}
