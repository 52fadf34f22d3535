-- What one job did, in one call: the documents it cleaned and wrote, then those that
-- failed for good. KEYS: the batch keys (outcome.lua).
-- ARGV: now, only-if-unrecorded flag, job id, completed count n, then the n completed
-- documents packed: their seqs as n 4-byte big-endian numbers, their input bytes in
-- all, their sizes as "size\n" lines, their keys as "<byte length>:<key>" pieces;
-- then seq, key, id, job id, failure JSON for each failed one. Packed because Redis
-- spends about a microsecond making each argument a string, and Lua's pattern
-- matching about as much taking a line apart: a seq is read with one string.byte,
-- and sizes and keys only when needed (some documents had an outcome already; the
-- batch has failure records to drop). The completed documents' queued-documents
-- entries are not this script's: the caller drops them first, by a plain HDEL
-- (BatchStore.recordCompleted says why).
-- With the flag, a failed document that already has an outcome keeps it: a job lost
-- with its worker fails only the documents it had not finished.
-- Returns {completed that were new, failed that were new, 1 if this call ended the batch}.
-- include: outcome.lua
local n = tonumber(ARGV[4])
if #ARGV[5] ~= 4 * n then return redis.error_reply('record-outcomes: ' .. n .. ' documents announced, ' .. #ARGV[5] .. ' bytes of seqs sent') end

-- `count` "<piece>\n" lines of `s` (a plain find each: no pattern, no captures).
local function lines(s, count)
  local out, pos = {}, 1
  for i = 1, count do
    local stop = string.find(s, '\n', pos, true)
    if not stop then return nil end
    out[i] = string.sub(s, pos, stop - 1)
    pos = stop + 1
  end
  return out
end
local seqs, at = {}, {}
for d = 1, n do
  local a, b, c, e = string.byte(ARGV[5], 4 * d - 3, 4 * d)
  local seq = ((a * 256 + b) * 256 + c) * 256 + e
  if known(seq) then
    seqs[#seqs + 1] = seq
    at[#at + 1] = d
  end
end

-- The keys of the documents kept above, from ARGV[8].
local function keysOf()
  local all, pos = {}, 1
  while pos <= #ARGV[8] do
    local colon = string.find(ARGV[8], ':', pos, true)
    local len = tonumber(string.sub(ARGV[8], pos, colon - 1))
    all[#all + 1] = string.sub(ARGV[8], colon + 1, colon + len)
    pos = colon + len + 1
  end
  local keys = {}
  for i, k in ipairs(at) do keys[i] = all[k] end
  return keys
end

local completed, bytes = 0, 0
if #seqs > 0 then
  local was = bits(KEYS[2], seqs, 'SET', 1)
  if #seqs == n then
    -- Every document known: the bytes in all, less those of documents done before.
    bytes = tonumber(ARGV[6])
    local sizes
    for i, bit in ipairs(was) do
      if bit == 0 then
        completed = completed + 1
      else
        sizes = sizes or lines(ARGV[7], n)
        bytes = bytes - tonumber(sizes[at[i]])
      end
    end
  else
    local sizes = lines(ARGV[7], n)
    for i, bit in ipairs(was) do
      if bit == 0 then
        completed = completed + 1
        bytes = bytes + tonumber(sizes[at[i]])
      end
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
  add('completed', completed)
  add('bytes', bytes)
end

local fseqs, fkeys, fids, fjobs, records = {}, {}, {}, {}, {}
for i = 9, #ARGV, 5 do
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
