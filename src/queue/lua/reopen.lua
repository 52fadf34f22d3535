-- Before failed (or cancelled) documents run again (vnpipe retry): they have no
-- outcome, so the batch is not finished. Their failure records stay until a new
-- outcome replaces them, so a retry cut off before its jobs were added can run again.
-- KEYS: the batch keys (outcome.lua). ARGV: now, then the seqs. Returns how many reopened.
-- include: outcome.lua
local reopened = 0
for i = 2, #ARGV do
  if known(ARGV[i]) then
    local failed = redis.call('SETBIT', KEYS[3], ARGV[i], 0)
    if failed == 1 then redis.call('HINCRBY', KEYS[1], 'failed', -1) end
    -- A document is failed or cancelled, never both.
    reopened = reopened + failed + uncancel(ARGV[i])
  end
end
if reopened > 0 then redis.call('HDEL', KEYS[1], 'finishedAt') end
return reopened
