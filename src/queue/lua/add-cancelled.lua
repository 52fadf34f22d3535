-- Documents of a removed waiting job: those with no outcome yet (an earlier attempt may
-- have finished some) count as cancelled, once (the cancelled bitmap).
-- KEYS: the batch keys (outcome.lua). ARGV: now, job id, then seq, id for each document.
-- Returns {cancelled, 1 if this call ended the batch}.
-- include: outcome.lua
local seqs, ids, jobs = {}, {}, {}
for i = 3, #ARGV, 2 do
  ids[#ids + 1] = ARGV[i + 1]
  jobs[#jobs + 1] = ARGV[2]
  if known(ARGV[i]) then seqs[#seqs + 1] = ARGV[i] end
end
forget(ids, jobs)
local cancelled = 0
if #seqs > 0 then
  local done, failed = bits(KEYS[2], seqs, 'GET'), bits(KEYS[3], seqs, 'GET')
  local open = {}
  for i, seq in ipairs(seqs) do
    if done[i] == 0 and failed[i] == 0 then open[#open + 1] = seq end
  end
  if #open > 0 then
    for _, bit in ipairs(bits(KEYS[7], open, 'SET', 1)) do cancelled = cancelled + (1 - bit) end
  end
end
add('cancelled', cancelled)
return {cancelled, finish()}
