-- What one job did, in one call: the documents it cleaned and wrote, then those that
-- failed for good. KEYS: the batch keys (outcome.lua).
-- ARGV: now, only-if-unrecorded flag, job id, completed count n, then seq, bytes, key, id
-- for each of the n completed documents, then seq, key, id, job id, failure JSON for each
-- failed one. With the flag, a failed document that already has an outcome keeps it: a
-- job lost with its worker fails only the documents it had not finished.
-- Returns {completed that were new, failed that were new, 1 if this call ended the batch}.
-- include: outcome.lua
local n = tonumber(ARGV[4])

local seqs, keys, ids, jobs, sizes = {}, {}, {}, {}, {}
for i = 5, 4 + 4 * n, 4 do
  if known(ARGV[i]) then
    seqs[#seqs + 1] = ARGV[i]
    sizes[#sizes + 1] = tonumber(ARGV[i + 1])
    keys[#keys + 1] = ARGV[i + 2]
    ids[#ids + 1] = ARGV[i + 3]
    jobs[#jobs + 1] = ARGV[3]
  end
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
  if redis.call('EXISTS', KEYS[4]) == 1 and select(2, variadic('HDEL', KEYS[4], keys)) > 0 then variadic('ZREM', KEYS[8], keys) end
  forget(ids, jobs)
  add('completed', completed)
  add('bytes', bytes)
end

local fseqs, fkeys, fids, fjobs, records = {}, {}, {}, {}, {}
for i = 5 + 4 * n, #ARGV, 5 do
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
