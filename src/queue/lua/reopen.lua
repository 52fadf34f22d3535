-- Before failed (or cancelled) documents run again (vnpipe retry): they have no
-- outcome, so the batch is not finished. Their failure records stay until a new
-- outcome replaces them, so a retry cut off before its jobs were added can run again.
-- KEYS: the batch keys (outcome.lua). ARGV: now, then the seqs (a chunk: `retry` sends
-- a few thousand per call, never Redis blocked for one long script). Returns how many reopened.
-- include: outcome.lua
local seqs = {}
for i = 2, #ARGV do
  if known(ARGV[i]) then seqs[#seqs + 1] = ARGV[i] end
end
if #seqs == 0 then return 0 end
local failed = 0
if redis.call('EXISTS', KEYS[3]) == 1 then
  for _, bit in ipairs(bits(KEYS[3], seqs, 'SET', 0)) do failed = failed + bit end
  add('failed', -failed)
end
-- A document is failed or cancelled, never both.
local reopened = failed + uncancel(seqs)
if reopened > 0 then redis.call('HDEL', KEYS[1], 'finishedAt') end
return reopened
