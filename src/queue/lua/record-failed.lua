-- Documents that failed for good. KEYS: the batch keys (outcome.lua).
-- ARGV: now, only-if-unrecorded flag, then seq, key, id, job id, failure JSON for each document.
-- Returns how many were new.
-- include: outcome.lua
local finished = 0
for i = 3, #ARGV, 5 do
  local seq = ARGV[i]
  if known(seq) then
    forget(ARGV[i + 2], ARGV[i + 3])
    if redis.call('GETBIT', KEYS[2], seq) == 0 and (ARGV[2] == '0' or redis.call('GETBIT', KEYS[3], seq) == 0) then
      if redis.call('SETBIT', KEYS[3], seq, 1) == 0 then
        redis.call('HINCRBY', KEYS[1], 'failed', 1)
        finished = finished + 1
      end
      uncancel(seq)
      redis.call('HSET', KEYS[4], ARGV[i + 1], ARGV[i + 4])
      redis.call('ZADD', KEYS[8], seq, ARGV[i + 1])
    end
  end
end
count_rate(finished)
finish()
return finished
