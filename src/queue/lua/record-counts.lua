-- A count job's lines into its sources' counts, all or nothing, each document once
-- (the counted bitmap). The worker sums the job's documents first, so a line repeated
-- across them arrives once with its number of documents.
-- KEYS: batch hash, counted bitmap, per-source documents hash, copies set, then the
-- counts hash and the texts hash of each source in ARGV's order.
-- ARGV: cap, floor, number of documents m, their m seqs, their m fingerprints (source and
-- hash of their line keys, '' for none: a copy of a document counted already is not
-- counted again), then per source: source,
-- documents, lines l, then key, documents, rank, text, keep for each of the l lines.
-- A line's text is stored only once its count reaches the floor (few lines ever do: the
-- texts were most of the counts' memory), or from its first sight when `keep` is 1 (a
-- shape key, whose lines differ: the lowest-rank one stays the same in any order).
-- Returns the seqs that are not to be counted (counted already, or never given out), or
-- else `copy:SEQ` for each copy: when there are any, nothing was recorded and the worker
-- sends the job again without them (a copy as a document of no lines).
local cap, floor, m = tonumber(ARGV[1]), tonumber(ARGV[2]), tonumber(ARGV[3])
-- Once the batch's profile is learned (its counts freed), a count that comes after it (a
-- resumed pass's copy of a job already counted) is dropped, not counted into new keys.
if redis.call('HGET', KEYS[1], 'profileLearned') == '1' then return {} end
local given = tonumber(redis.call('HGET', KEYS[1], 'countQueued') or '0')
local seqs, fingerprints, refused = {}, {}, {}
for i = 4, 3 + m do
  local n = tonumber(ARGV[i])
  if n == nil or n < 0 or n >= given or n ~= math.floor(n) then refused[#refused + 1] = ARGV[i]
  else
    seqs[#seqs + 1] = ARGV[i]
    fingerprints[#fingerprints + 1] = ARGV[i + m]
  end
end
-- include: bits.lua
if #seqs > 0 then
  for i, bit in ipairs(bits(KEYS[2], seqs, 'GET')) do
    if bit == 1 then refused[#refused + 1] = seqs[i] end
  end
end
if #refused > 0 then return refused end
-- HMGET over any number of fields (Lua's unpack has a stack limit).
local function hmget(key, fields)
  local values = {}
  for from = 1, #fields, 1000 do
    for _, v in ipairs(redis.call('HMGET', key, unpack(fields, from, math.min(from + 999, #fields)))) do values[#values + 1] = v end
  end
  return values
end
if #seqs == 0 then return {} end
local copies = {}
for j, fingerprint in ipairs(fingerprints) do
  if fingerprint ~= '' and redis.call('SISMEMBER', KEYS[4], fingerprint) == 1 then copies[#copies + 1] = 'copy:' .. seqs[j] end
end
if #copies > 0 then return copies end
bits(KEYS[2], seqs, 'SET', 1)
redis.call('HINCRBY', KEYS[1], 'counted', #seqs)
for _, fingerprint in ipairs(fingerprints) do
  if fingerprint ~= '' then redis.call('SADD', KEYS[4], fingerprint) end
end

local i, k = 4 + 2 * m, 5
while i <= #ARGV do
  local source, documents, l = ARGV[i], tonumber(ARGV[i + 1]), tonumber(ARGV[i + 2])
  local counts, texts = KEYS[k], KEYS[k + 1]
  if source ~= '' then redis.call('HINCRBY', KEYS[3], source, documents) end
  if l > 0 then
    local keys = {}
    for j = 0, l - 1 do keys[#keys + 1] = ARGV[i + 3 + 5 * j] end
    local have = hmget(counts, keys)
    local size = redis.call('HLEN', counts)
    local newCounts, newTexts, better = {}, {}, {}
    for j = 0, l - 1 do
      local at = i + 3 + 5 * j
      local key, n, keep = ARGV[at], tonumber(ARGV[at + 1]), ARGV[at + 4] == '1'
      if have[j + 1] then
        local total = tonumber(have[j + 1]) + n
        newCounts[#newCounts + 1] = key
        newCounts[#newCounts + 1] = total
        if keep or total >= floor then better[#better + 1] = j end
      elseif size < cap then
        newCounts[#newCounts + 1] = key
        newCounts[#newCounts + 1] = n
        if keep or n >= floor then
          newTexts[#newTexts + 1] = key
          newTexts[#newTexts + 1] = ARGV[at + 2] .. '\t' .. ARGV[at + 3]
        end
        size = size + 1
      end
    end
    -- A line already counted keeps the text of lowest rank (a line reaching the floor: this call's).
    if #better > 0 then
      local bkeys = {}
      for _, j in ipairs(better) do bkeys[#bkeys + 1] = ARGV[i + 3 + 5 * j] end
      local old = hmget(texts, bkeys)
      for b, j in ipairs(better) do
        local at = i + 3 + 5 * j
        if tonumber(ARGV[at + 2]) < tonumber(string.match(old[b] or '', '^(%d+)') or math.huge) then
          newTexts[#newTexts + 1] = ARGV[at]
          newTexts[#newTexts + 1] = ARGV[at + 2] .. '\t' .. ARGV[at + 3]
        end
      end
    end
    for from = 1, #newCounts, 1000 do redis.call('HSET', counts, unpack(newCounts, from, math.min(from + 999, #newCounts))) end
    for from = 1, #newTexts, 1000 do redis.call('HSET', texts, unpack(newTexts, from, math.min(from + 999, #newTexts))) end
  end
  i = i + 3 + 5 * l
  k = k + 2
end
return {}
