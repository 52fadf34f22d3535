-- One document's lines into its source's counts, once per document (the bitmap).
-- KEYS: batch hash, counted bitmap, per-source documents hash, source counts hash, source texts hash.
-- ARGV: seq, source, cap, then key, rank, text for each line.
-- Only numbers the counting pass gave out (a crafted job's huge number would grow the bitmap).
local n = tonumber(ARGV[1])
if n == nil or n < 0 or n >= tonumber(redis.call('HGET', KEYS[1], 'countQueued') or '0') or n ~= math.floor(n) then return 0 end
if redis.call('SETBIT', KEYS[2], ARGV[1], 1) == 1 then return 0 end
redis.call('HINCRBY', KEYS[1], 'counted', 1)
if ARGV[2] ~= '' then redis.call('HINCRBY', KEYS[3], ARGV[2], 1) end
local size = redis.call('HLEN', KEYS[4])
local cap = tonumber(ARGV[3])
for i = 4, #ARGV, 3 do
  local key, rank, text = ARGV[i], tonumber(ARGV[i + 1]), ARGV[i + 2]
  if redis.call('HEXISTS', KEYS[4], key) == 1 then
    redis.call('HINCRBY', KEYS[4], key, 1)
    local old = redis.call('HGET', KEYS[5], key)
    if rank < tonumber(string.match(old, '^(%d+)')) then redis.call('HSET', KEYS[5], key, ARGV[i + 1] .. '\t' .. text) end
  elseif size < cap then
    redis.call('HSET', KEYS[4], key, 1)
    redis.call('HSET', KEYS[5], key, ARGV[i + 1] .. '\t' .. text)
    size = size + 1
  end
end
return 1
