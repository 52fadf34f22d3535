-- Claims documents for jobs, each only if no other job holds it: two producers walking
-- one folder at once queue each document once.
-- KEYS: queued-documents hash. ARGV: now, then id, job id for each document.
-- Returns 1 per document claimed, else 0.
local claimed = {}
for i = 2, #ARGV, 2 do
  claimed[#claimed + 1] = redis.call('HSETNX', KEYS[1], ARGV[i], ARGV[i + 1] .. '\t' .. ARGV[1])
end
return claimed
