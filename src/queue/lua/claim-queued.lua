-- Claims documents for jobs, each only if no other job holds it (two producers walking
-- one folder at once queue each document once), and numbers the new ones in the same
-- step: a claimed document is counted in the batch's `queued` and has its number
-- (its bit) for good, whatever dies before its job is added. An entry is
-- "<job id>\t<ms, Redis clock>\t<seq>".
-- KEYS: queued-documents hash, batch hash, superseded jobs set (forget-queued.lua).
-- ARGV: mode, then for each job: its id, its number of documents n, and its documents
-- as one string of "id\texpected\n" lines (a thousand documents at most per call; one
-- string, not two arguments a document, which cost Redis a microsecond each to make).
--   mode 'new': expected '' claims a free document under a new number; expected =
--     the exact entry of this batch's own stale claim (its job never added) takes it
--     over under its number, without counting it again.
--   mode 'retry': expected is the document's number in the batch; it claims a free
--     document without counting it (a retried document is counted already).
-- Returns per document its number, or -1 when it was not claimed.
-- One HMGET, one HINCRBY and one HSET for the whole chunk, not a round per document.
local t = redis.call('TIME')
local now = tostring(t[1] * 1000 + math.floor(t[2] / 1000))
local ids, jobs, expects = {}, {}, {}
for i = 2, #ARGV, 3 do
  local job, n, sent = ARGV[i], tonumber(ARGV[i + 1]), 0
  for id, expected in string.gmatch(ARGV[i + 2], '([^\t\n]*)\t([^\n]*)\n') do
    ids[#ids + 1] = id
    expects[#expects + 1] = expected
    jobs[#jobs + 1] = job
    sent = sent + 1
  end
  if sent ~= n then return redis.error_reply('claim-queued: job ' .. job .. ' announced ' .. n .. ' documents, sent ' .. sent) end
end
local current = #ids > 0 and redis.call('HMGET', KEYS[1], unpack(ids)) or {}
local out, fresh, taken = {}, {}, {}
for d = 1, #ids do
  local id, expected = ids[d], expects[d]
  -- The same id twice in one call: the second finds it claimed.
  local held = current[d] or taken[id]
  local seq = -1
  if ARGV[1] == 'retry' then
    if not held then seq = tonumber(expected) end
  elseif expected == '' then
    if not held then
      fresh[#fresh + 1] = d
      seq = -2 -- numbered below, once the count is known
    end
  elseif held == expected then
    seq = tonumber(string.match(held, '\t(%d+)$'))
    redis.call('SADD', KEYS[3], string.match(held, '^[^\t]*'))
  end
  out[d] = seq
  if seq ~= -1 then taken[id] = true end
end
if #fresh > 0 then
  local first = redis.call('HINCRBY', KEYS[2], 'seqs', #fresh) - #fresh
  redis.call('HINCRBY', KEYS[2], 'queued', #fresh)
  for k, d in ipairs(fresh) do out[d] = first + k - 1 end
end
local fields = {}
for d = 1, #ids do
  if out[d] >= 0 then
    fields[#fields + 1] = ids[d]
    fields[#fields + 1] = jobs[d] .. '\t' .. now .. '\t' .. out[d]
  end
end
for from = 1, #fields, 1000 do redis.call('HSET', KEYS[1], unpack(fields, from, math.min(from + 999, #fields))) end
return out
