-- Queued-documents entries whose job is no longer pending; an entry a newer job took over
-- stays. An entry is "<job id>\t<ms when claimed>\t<seq>".
-- KEYS: queued-documents hash, superseded jobs set (a job that loses an entry here is
-- named there: record-outcomes.lua then checks its entries one by one).
-- ARGV: id, job id for each entry (a producer's chunk at most).
local ids = {}
for i = 1, #ARGV, 2 do ids[#ids + 1] = ARGV[i] end
local entries = redis.call('HMGET', KEYS[1], unpack(ids))
local gone = {}
for d, entry in ipairs(entries) do
  if entry and string.match(entry, '^[^\t]*') == ARGV[2 * d] then
    gone[#gone + 1] = ids[d]
    redis.call('SADD', KEYS[2], ARGV[2 * d])
  end
end
if #gone > 0 then redis.call('HDEL', KEYS[1], unpack(gone)) end
return 1
