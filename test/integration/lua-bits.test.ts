import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import fc from 'fast-check';
import { Redis } from 'ioredis';
import { afterAll, describe, expect, inject, it } from 'vitest';
import { ROOT } from '../support/cli.js';

const redis = new Redis(inject('redisUrl'));
afterAll(() => redis.disconnect());

// bits() of bits.lua, called with KEYS[1] and ARGV: op, value ('' for none), then the seqs.
const script = `${readFileSync(join(ROOT, 'src', 'queue', 'lua', 'bits.lua'), 'utf8')}
local seqs = {}
for i = 3, #ARGV do seqs[#seqs + 1] = ARGV[i] end
return bits(KEYS[1], seqs, ARGV[1], ARGV[2] ~= '' and tonumber(ARGV[2]) or nil)`;

/** The same operations by BITFIELD, one sub-command per seq, as the scripts did before bits.lua. */
async function reference(key: string, op: 'GET' | 'SET', value: number | null, seqs: number[]): Promise<number[]> {
  return (await redis.call('BITFIELD', key, ...seqs.flatMap((s) => (op === 'SET' ? ['SET', 'u1', s, value!] : ['GET', 'u1', s])))) as number[];
}

describe('bits.lua', () => {
  it('returns the old bits and leaves the bitmap as BITFIELD would, near and far apart, with repeats', async () => {
    const seq = fc.oneof(fc.integer({ min: 0, max: 300 }), fc.integer({ min: 0, max: 200_000 }));
    const step = fc.record({ op: fc.constantFrom<'GET' | 'SET'>('GET', 'SET'), value: fc.constantFrom(0, 1), seqs: fc.array(seq, { minLength: 1, maxLength: 40 }) });
    let run = 0;
    await fc.assert(
      fc.asyncProperty(fc.array(step, { minLength: 1, maxLength: 6 }), async (steps) => {
        const [ours, theirs] = [`bits:ours:${run}`, `bits:ref:${run++}`];
        for (const { op, value, seqs } of steps) {
          const got = (await redis.eval(script, 1, ours, op, op === 'SET' ? value : '', ...seqs)) as number[];
          expect(got).toEqual(await reference(theirs, op, op === 'SET' ? value : null, seqs));
          // Equal as bitmaps: one may be longer by zero bytes (a read creates nothing, a write covers its span).
          const [a, b] = [(await redis.getBuffer(ours)) ?? Buffer.alloc(0), (await redis.getBuffer(theirs)) ?? Buffer.alloc(0)];
          const n = Math.max(a.length, b.length);
          expect(Buffer.concat([a, Buffer.alloc(n - a.length)])).toEqual(Buffer.concat([b, Buffer.alloc(n - b.length)]));
        }
        await redis.del(ours, theirs);
      }),
      { numRuns: 60 },
    );
  });
});
