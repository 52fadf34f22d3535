-- Claims documents for jobs, each only if no other job holds it (two producers walking
-- one folder at once queue each document once), and numbers the new ones in the same
-- step: a claimed document is counted in the batch's `queued` and has its number
-- (its bit) for good, whatever dies before its job is added. An entry is
-- "<job id>\t<ms, Redis clock>\t<seq>".
-- KEYS: queued-documents hash, batch hash, superseded jobs set (forget-queued.lua).
-- ARGV: mode, then for each job: its id, its number of documents n, their ids as one
-- string of "id\n" lines, and what each expects as "expected\n" lines, or '' when
-- every one expects '' (a thousand documents at most per call; packed, and read by
-- plain finds, because Redis spends about a microsecond making each argument a string
-- and Lua's pattern matching about as much taking a line apart).
--   mode 'new': expected '' claims a free document under a new number; expected =
--     the exact entry of this batch's own stale claim (its job never added) takes it
--     over under its number, without counting it again.
--   mode 'retry': expected is the document's number in the batch; it claims a free
--     document without counting it (a retried document is counted already).
-- A document held by the very job it is claimed for was claimed by this same call sent
-- before (a reply lost to a dropped connection, and the call sent again): it keeps
-- its number, counted once. Job ids are never reused (a resumed walk numbers its own).
-- Returns per document its number, or -1 when it was not claimed.
-- One HMGET, one HINCRBY and one HSET for the whole chunk, not a round per document.
local t = redis.call('TIME')
local now = tostring(t[1] * 1000 + math.floor(t[2] / 1000))

-- `count` "<piece>\n" lines of `s` appended to `out`; false when `s` has fewer.
local function lines(s, count, out)
  local pos = 1
  for _ = 1, count do
    local stop = string.find(s, '\n', pos, true)
    if not stop then return false end
    out[#out + 1] = string.sub(s, pos, stop - 1)
    pos = stop + 1
  end
  return pos == #s + 1
end

local ids, jobs, expects = {}, {}, {}
for i = 2, #ARGV, 4 do
  local job, n = ARGV[i], tonumber(ARGV[i + 1])
  local from = #ids
  if not lines(ARGV[i + 2], n, ids) then return redis.error_reply('claim-queued: job ' .. job .. ' announced ' .. n .. ' documents, sent ' .. (#ids - from)) end
  if ARGV[i + 3] == '' then
    for d = from + 1, #ids do expects[d] = '' end
  elseif not lines(ARGV[i + 3], n, expects) then
    return redis.error_reply('claim-queued: job ' .. job .. ' announced ' .. n .. ' documents, sent fewer expectations')
  end
  for d = from + 1, #ids do jobs[d] = job end
end
local current = #ids > 0 and redis.call('HMGET', KEYS[1], unpack(ids)) or {}
local out, fresh, taken, kept = {}, {}, {}, {}
for d = 1, #ids do
  local id, expected = ids[d], expects[d]
  -- The same id twice in one call: the second finds it claimed.
  local held = taken[id] or current[d]
  local seq = -1
  if held and not taken[id] and string.sub(held, 1, #jobs[d] + 1) == jobs[d] .. '\t' then
    -- Claimed by this call already (see above): its entry is as it should be.
    seq = tonumber(string.match(held, '\t(%d+)$'))
    kept[d] = true
  elseif ARGV[1] == 'retry' then
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
local fields, prefix = {}, {}
for d = 1, #ids do
  if out[d] >= 0 and not kept[d] then
    local job = jobs[d]
    prefix[job] = prefix[job] or (job .. '\t' .. now .. '\t')
    fields[#fields + 1] = ids[d]
    fields[#fields + 1] = prefix[job] .. out[d]
  end
end
for from = 1, #fields, 1000 do redis.call('HSET', KEYS[1], unpack(fields, from, math.min(from + 999, #fields))) end
return out
