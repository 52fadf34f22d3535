-- A producer's lease on its batch, held under a random token: only its holder renews
-- or releases it, so a producer that stalled past its lease cannot take it back from
-- the one that resumed the batch. KEYS: lease key. ARGV: token, ms, 'take' | 'renew' | 'release'.
-- Returns 1 when the caller holds (or has released) the lease, else 0.
local current = redis.call('GET', KEYS[1])
if ARGV[3] == 'release' then
  if current == ARGV[1] then redis.call('DEL', KEYS[1]) end
  return 1
end
if current == ARGV[1] or (current == false and ARGV[3] == 'take') then
  redis.call('SET', KEYS[1], ARGV[1], 'PX', ARGV[2])
  return 1
end
return 0
