-- Documents of a removed waiting job: those with no outcome yet (an earlier attempt may
-- have finished some) count as cancelled, once (the cancelled bitmap).
-- KEYS: the batch keys (outcome.lua). ARGV: now, job id, then seq, id for each document.
-- include: outcome.lua
local cancelled = 0
for i = 3, #ARGV, 2 do
  forget(ARGV[i + 1], ARGV[2])
  if known(ARGV[i]) and redis.call('GETBIT', KEYS[2], ARGV[i]) == 0 and redis.call('GETBIT', KEYS[3], ARGV[i]) == 0
    and redis.call('SETBIT', KEYS[7], ARGV[i], 1) == 0 then
    cancelled = cancelled + 1
  end
end
redis.call('HINCRBY', KEYS[1], 'cancelled', cancelled)
finish()
return cancelled
