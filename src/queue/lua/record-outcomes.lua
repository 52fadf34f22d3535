-- What one job did, in one call: the documents it cleaned and wrote, then those that
-- failed for good. KEYS: the batch keys (outcome.lua).
-- ARGV: now, only-if-unrecorded flag, job id, completed count n, the n completed
-- documents as one string of "seq bytes id\n" lines, their keys as one string of
-- "<byte length>:<key>" pieces, then seq, key, id, job id, failure JSON for each failed
-- one. The completed documents come packed: one argument per document costs Redis
-- about a microsecond to make into a string here, reading them from one costs a tenth
-- of that, and their keys are only read when the batch has failure records to drop.
-- With the flag, a failed document that already has an outcome keeps it: a job lost
-- with its worker fails only the documents it had not finished.
-- Returns {completed that were new, failed that were new, 1 if this call ended the batch}.
-- include: outcome.lua
local n = tonumber(ARGV[4])

local seqs, at, ids, jobs, sizes = {}, {}, {}, {}, {}
local d = 0
for seq, size, id in string.gmatch(ARGV[5], '(%-?%d+) (%d+) ([^\n]*)\n') do
  d = d + 1
  if known(seq) then
    seqs[#seqs + 1] = seq
    sizes[#sizes + 1] = tonumber(size)
    at[#at + 1] = d
    ids[#ids + 1] = id
    jobs[#jobs + 1] = ARGV[3]
  end
end
if d ~= n then return redis.error_reply('record-outcomes: ' .. n .. ' documents announced, ' .. d .. ' sent') end

-- The keys of the documents kept above, from ARGV[6].
local function keysOf()
  local all, pos = {}, 1
  while pos <= #ARGV[6] do
    local colon = string.find(ARGV[6], ':', pos, true)
    local len = tonumber(string.sub(ARGV[6], pos, colon - 1))
    all[#all + 1] = string.sub(ARGV[6], colon + 1, colon + len)
    pos = colon + len + 1
  end
  local keys = {}
  for i, k in ipairs(at) do keys[i] = all[k] end
  return keys
end

local completed, bytes = 0, 0
if #seqs > 0 then
  for i, bit in ipairs(bits(KEYS[2], seqs, 'SET', 1)) do
    if bit == 0 then
      completed = completed + 1
      bytes = bytes + sizes[i]
    end
  end
  if redis.call('EXISTS', KEYS[3]) == 1 then
    local unfailed = 0
    for _, bit in ipairs(bits(KEYS[3], seqs, 'SET', 0)) do unfailed = unfailed + bit end
    add('failed', -unfailed)
  end
  uncancel(seqs)
  -- A retried document's failure record stays until now (reopen.lua).
  if redis.call('EXISTS', KEYS[4]) == 1 then
    local keys = keysOf()
    if select(2, variadic('HDEL', KEYS[4], keys)) > 0 then variadic('ZREM', KEYS[8], keys) end
  end
  -- An entry passes to another job only when it was stale (forget-queued.lua) or this
  -- batch's own walk took it over (claim-queued.lua), and both name the job it left in
  -- the superseded set. A job not named there owns every entry under its documents'
  -- ids that is left: they go without reading each one first.
  if redis.call('SISMEMBER', KEYS[9], ARGV[3]) == 1 then
    forget(ids, jobs)
  else
    local asked = {}
    for _, id in ipairs(ids) do
      if id ~= '' then asked[#asked + 1] = id end
    end
    if #asked > 0 then variadic('HDEL', KEYS[6], asked) end
  end
  add('completed', completed)
  add('bytes', bytes)
end

local fseqs, fkeys, fids, fjobs, records = {}, {}, {}, {}, {}
for i = 7, #ARGV, 5 do
  if known(ARGV[i]) then
    fseqs[#fseqs + 1] = ARGV[i]
    fkeys[#fkeys + 1] = ARGV[i + 1]
    fids[#fids + 1] = ARGV[i + 2]
    fjobs[#fjobs + 1] = ARGV[i + 3]
    records[#records + 1] = ARGV[i + 4]
  end
end
local failed = 0
if #fseqs > 0 then
  forget(fids, fjobs)
  local done = bits(KEYS[2], fseqs, 'GET')
  local was = ARGV[2] == '1' and bits(KEYS[3], fseqs, 'GET') or {}
  local open, fields, order = {}, {}, {}
  for i, seq in ipairs(fseqs) do
    if done[i] == 0 and (was[i] or 0) == 0 then
      open[#open + 1] = seq
      fields[#fields + 1] = fkeys[i]
      fields[#fields + 1] = records[i]
      order[#order + 1] = seq
      order[#order + 1] = fkeys[i]
    end
  end
  if #open > 0 then
    for _, bit in ipairs(bits(KEYS[3], open, 'SET', 1)) do failed = failed + (1 - bit) end
    add('failed', failed)
    uncancel(open)
    variadic('HSET', KEYS[4], fields)
    variadic('ZADD', KEYS[8], order)
  end
end

count_rate(completed + failed)
return {completed, failed, finish()}
