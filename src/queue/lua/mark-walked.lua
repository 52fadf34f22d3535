-- The walk has ended: the batch's `queued` is final. KEYS: the batch keys (outcome.lua). ARGV: now.
-- include: outcome.lua
redis.call('HSET', KEYS[1], 'walked', '1')
finish()
return 1
