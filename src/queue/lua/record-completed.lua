-- Documents a job cleaned and wrote. KEYS: the batch keys (outcome.lua).
-- ARGV: now, job id, then seq, bytes, key, id for each document. Returns how many were new.
-- include: outcome.lua
local finished = 0
for i = 3, #ARGV, 4 do
  local seq = ARGV[i]
  if known(seq) then
    if redis.call('SETBIT', KEYS[2], seq, 1) == 0 then
      redis.call('HINCRBY', KEYS[1], 'completed', 1)
      redis.call('HINCRBY', KEYS[1], 'bytes', ARGV[i + 1])
      finished = finished + 1
    end
    if redis.call('SETBIT', KEYS[3], seq, 0) == 1 then
      redis.call('HINCRBY', KEYS[1], 'failed', -1)
    end
    uncancel(seq)
    redis.call('HDEL', KEYS[4], ARGV[i + 2])
    redis.call('ZREM', KEYS[8], ARGV[i + 2])
    forget(ARGV[i + 3], ARGV[2])
  end
end
count_rate(finished)
finish()
return finished
