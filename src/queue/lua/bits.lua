-- `op` ('SET' with a value, or 'GET') on the bits of `seqs` in bitmap `key`, in order (a
-- seq twice sees its first change); returns their old bits. A job's numbers are close
-- together (claim-queued.lua gives a chunk consecutive ones): when they span at most
-- SPAN bits, the bytes under them are read once (GETRANGE), changed in Lua and written
-- back once (SETRANGE), only if a bit changed. That costs Redis a few dozen nanoseconds
-- a bit where one BITFIELD sub-command, its four arguments made into Redis strings and
-- its reply, costs over a microsecond. Wider spreads go by BITFIELD, RUN at a time.
local SPAN = 65536
local function bits(key, seqs, op, value)
  local old = {}
  if #seqs == 0 then return old end
  local lo, hi = math.huge, -1
  local nums = {}
  for i, seq in ipairs(seqs) do
    local n = tonumber(seq)
    nums[i] = n
    if n < lo then lo = n end
    if n > hi then hi = n end
  end
  if hi - lo >= SPAN then
    for from = 1, #seqs, 1000 do
      local args = {}
      for i = from, math.min(from + 999, #seqs) do
        args[#args + 1] = op
        args[#args + 1] = 'u1'
        args[#args + 1] = seqs[i]
        if value then args[#args + 1] = value end
      end
      for _, bit in ipairs(redis.call('BITFIELD', key, unpack(args))) do old[#old + 1] = bit end
    end
    return old
  end
  local first = math.floor(lo / 8)
  local size = math.floor(hi / 8) - first + 1
  local stored = redis.call('GETRANGE', key, first, first + size - 1)
  local buf = {}
  for b = 1, size do buf[b] = string.byte(stored, b) or 0 end
  local changed = false
  for i, n in ipairs(nums) do
    local b = math.floor(n / 8) - first + 1
    -- Redis numbers a byte's bits from its most significant one.
    local mask = bit.lshift(1, 7 - n % 8)
    local was = bit.band(buf[b], mask) ~= 0 and 1 or 0
    old[i] = was
    if op == 'SET' and was ~= value then
      buf[b] = value == 1 and bit.bor(buf[b], mask) or bit.band(buf[b], bit.bnot(mask))
      changed = true
    end
  end
  if changed then
    local parts = {}
    for from = 1, size, 4000 do parts[#parts + 1] = string.char(unpack(buf, from, math.min(from + 3999, size))) end
    redis.call('SETRANGE', key, first, table.concat(parts))
  end
  return old
end
