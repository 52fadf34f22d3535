-- Shared by the scripts that record outcomes; the loader puts it where a script says
-- `-- include: outcome.lua`. Batch KEYS: 1 batch hash, 2 completed bitmap, 3 failed
-- bitmap, 4 failures hash, 5 rate hash, 6 queued-documents hash, 7 cancelled bitmap,
-- 8 failure order (sorted set of document keys by number). ARGV[1] is always now (ms).

-- Counters move only when a document's bit flips, so a document that runs twice
-- (BullMQ delivers at least once) is counted once.

-- A number this batch gave out (claim-queued.lua): a crafted job's 2^32 or -1 would
-- grow every bitmap to gigabytes, or fail every script.
local given = tonumber(redis.call('HGET', KEYS[1], 'seqs') or '0')
local function known(seq)
  local n = tonumber(seq)
  return n ~= nil and n >= 0 and n < given and n == math.floor(n)
end

-- The batch ends when its walk has ended and every queued document has an outcome.
local function finish()
  local v = redis.call('HMGET', KEYS[1], 'walked', 'queued', 'completed', 'failed', 'cancelled')
  if v[1] == '1' and tonumber(v[3] or '0') + tonumber(v[4] or '0') + tonumber(v[5] or '0') >= tonumber(v[2] or '0') then
    redis.call('HSETNX', KEYS[1], 'finishedAt', ARGV[1])
  end
end

-- A ring of 13 slots of 5 s, each "bucket:count" (RATE_BUCKET_MS and RATE_BUCKETS in
-- batches.ts read it): a one-minute rate in a tiny hash.
local function count_rate(finished)
  if finished == 0 then return end
  local bucket = math.floor(tonumber(ARGV[1]) / 5000)
  local slot = bucket % 13
  local cur = redis.call('HGET', KEYS[5], slot)
  local n = finished
  if cur then
    local b, c = string.match(cur, '(%d+):(%d+)')
    if tonumber(b) == bucket then n = tonumber(c) + finished end
  end
  redis.call('HSET', KEYS[5], slot, bucket .. ':' .. n)
end

-- A document with an outcome leaves the queued-documents hash if its entry is still
-- this job's (a retry may have given it a newer job). An entry is "<job id>\t<ms>".
local function forget(id, job)
  if id ~= '' and string.match(redis.call('HGET', KEYS[6], id) or '', '^[^\t]*') == job then redis.call('HDEL', KEYS[6], id) end
end

-- ... and is no longer cancelled (a copy of its job may have been cancelled while this one ran).
local function uncancel(seq)
  if redis.call('SETBIT', KEYS[7], seq, 0) == 0 then return 0 end
  redis.call('HINCRBY', KEYS[1], 'cancelled', -1)
  return 1
end
