-- Claims documents for jobs, each only if no other job holds it (two producers walking
-- one folder at once queue each document once), and numbers the new ones in the same
-- step: a claimed document is counted in the batch's `queued` and has its number
-- (its bit) for good, whatever dies before its job is added. An entry is
-- "<job id>\t<ms, Redis clock>\t<seq>".
-- KEYS: queued-documents hash, batch hash.
-- ARGV: mode, then id, job id, expected for each document.
--   mode 'new': expected '' claims a free document under a new number; expected =
--     the exact entry of this batch's own stale claim (its job never added) takes it
--     over under its number, without counting it again.
--   mode 'retry': expected is the document's number in the batch; it claims a free
--     document without counting it (a retried document is counted already).
-- Returns per document its number, or -1 when it was not claimed.
local t = redis.call('TIME')
local now = tostring(t[1] * 1000 + math.floor(t[2] / 1000))
local out = {}
for i = 2, #ARGV, 3 do
  local id, job, expected = ARGV[i], ARGV[i + 1], ARGV[i + 2]
  local current = redis.call('HGET', KEYS[1], id)
  local seq = -1
  if ARGV[1] == 'retry' then
    if not current then seq = tonumber(expected) end
  elseif expected == '' then
    if not current then
      seq = redis.call('HINCRBY', KEYS[2], 'seqs', 1) - 1
      redis.call('HINCRBY', KEYS[2], 'queued', 1)
    end
  elseif current == expected then
    seq = tonumber(string.match(current, '\t(%d+)$'))
  end
  if seq >= 0 then redis.call('HSET', KEYS[1], id, job .. '\t' .. now .. '\t' .. seq) end
  out[#out + 1] = seq
end
return out
