-- The walk has ended: the batch's `queued` is final. KEYS: the batch keys (outcome.lua). ARGV: now.
-- Returns 1 if this call ended the batch.
-- include: outcome.lua
redis.call('HSET', KEYS[1], 'walked', '1')
return finish()
