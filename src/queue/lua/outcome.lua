-- Shared by the scripts that record outcomes; the loader puts it where a script says
-- `-- include: outcome.lua`. Batch KEYS: 1 batch hash, 2 completed bitmap, 3 failed
-- bitmap, 4 failures hash, 5 rate hash, 6 queued-documents hash, 7 cancelled bitmap,
-- 8 failure order (sorted set of document keys by number), 9 superseded jobs (set of
-- job ids whose queued-documents entries may have passed to another job). ARGV[1] is
-- always now (ms).

-- Counters move only when a document's bit flips, so a document that runs twice
-- (BullMQ delivers at least once) is counted once. Bits and hash fields move a job at
-- a time, in one variadic command each (BITFIELD, HMGET, HDEL, ...): a redis.call costs
-- about a microsecond whatever it does, a field inside one a few dozen nanoseconds.

-- A number this batch gave out (claim-queued.lua): a crafted job's 2^32 or -1 would
-- grow every bitmap to gigabytes, or fail every script.
local given = tonumber(redis.call('HGET', KEYS[1], 'seqs') or '0')
local function known(seq)
  local n = tonumber(seq)
  return n ~= nil and n >= 0 and n < given and n == math.floor(n)
end

-- Commands take at most this many documents' fields at once (Lua's unpack has a stack limit).
local RUN = 1000

-- include: bits.lua

-- `command key field...` (HDEL, ZREM, HMGET) over `fields` in runs; returns the replies joined (a sum for counts).
local function variadic(command, key, fields)
  local replies, sum = {}, 0
  for from = 1, #fields, RUN do
    local reply = redis.call(command, key, unpack(fields, from, math.min(from + RUN - 1, #fields)))
    if type(reply) == 'table' then
      for _, r in ipairs(reply) do replies[#replies + 1] = r end
    else
      sum = sum + reply
    end
  end
  return replies, sum
end

-- The batch ends when its walk has ended and every queued document has an outcome.
-- Returns 1 when this call ended it: the caller then moves its failure records out.
local function finish()
  local v = redis.call('HMGET', KEYS[1], 'walked', 'queued', 'completed', 'failed', 'cancelled')
  if v[1] == '1' and tonumber(v[3] or '0') + tonumber(v[4] or '0') + tonumber(v[5] or '0') >= tonumber(v[2] or '0') then
    return redis.call('HSETNX', KEYS[1], 'finishedAt', ARGV[1])
  end
  return 0
end

local function add(field, n)
  if n ~= 0 then redis.call('HINCRBY', KEYS[1], field, n) end
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

-- Documents with an outcome leave the queued-documents hash if their entry is still
-- `jobs[i]`'s (a retry may have given one a newer job). An entry is "<job id>\t<ms>\t<seq>".
local function forget(ids, jobs)
  local asked, owners = {}, {}
  for i, id in ipairs(ids) do
    if id ~= '' then
      asked[#asked + 1] = id
      owners[#owners + 1] = jobs[i]
    end
  end
  if #asked == 0 then return end
  local entries = variadic('HMGET', KEYS[6], asked)
  local gone = {}
  for i, entry in ipairs(entries) do
    if entry and string.match(entry, '^[^\t]*') == owners[i] then gone[#gone + 1] = asked[i] end
  end
  if #gone > 0 then variadic('HDEL', KEYS[6], gone) end
end

-- ... and are no longer cancelled (a copy of their job may have been cancelled while
-- this one ran). Returns how many were.
local function uncancel(seqs)
  if #seqs == 0 or redis.call('EXISTS', KEYS[7]) == 0 then return 0 end
  local n = 0
  for _, bit in ipairs(bits(KEYS[7], seqs, 'SET', 0)) do n = n + bit end
  add('cancelled', -n)
  return n
end
